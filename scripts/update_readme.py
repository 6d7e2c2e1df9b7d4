"""Regenerate the rule table in README.md from the rules (tests/test_readme.py fails when it is stale)."""
from __future__ import annotations

import re
from pathlib import Path

from policylint.api import Linter
from policylint.cli import listing_order, rule_table_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    ordered = listing_order(Linter().rules)
    table = rule_table_markdown(ordered)
    text = README.read_text(encoding="utf-8")
    text = re.sub(r"(<!-- rules:start -->\n).*?(<!-- rules:end -->)", lambda m: m.group(1) + table + "\n" + m.group(2),
                  text, flags=re.S)
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
