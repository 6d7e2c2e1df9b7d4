"""`python -m policylint.lang FILE.rule...`: print the Python code rule files compile to, or their errors."""
import sys

from . import RuleCompileError, generated_source


def main(argv: list[str]) -> int:
    status = 0
    for path in argv:
        try:
            print(generated_source(path))
        except RuleCompileError as exc:
            print(exc, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
