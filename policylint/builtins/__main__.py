"""`python -m policylint.builtins [--check]`: rewrite (or check) the builtins table in docs/rule-language.md."""
from __future__ import annotations

import sys
from pathlib import Path

from . import reference_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "rule-language.md"
BEGIN, END = "<!-- builtins:begin -->", "<!-- builtins:end -->"


def with_table(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{reference_table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    wanted = with_table(text)
    if "--check" in argv:
        if wanted != text:
            print(f"{DOC}: the builtins table is stale; run `python -m policylint.builtins`", file=sys.stderr)
            return 1
        return 0
    if wanted != text:
        DOC.write_text(wanted, encoding="utf-8")
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
