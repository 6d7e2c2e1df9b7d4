"""The README's promises: its rule table is current, and its two commands work on a fresh machine."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from policylint.api import Linter
from policylint.cli import listing_order, rule_table_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE_BLOCKS = re.findall(r"```sh\n(.*?)\n```", README, re.S)


def test_rule_table_is_current():
    block = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", README, re.S)
    assert block, "README.md lacks the <!-- rules:start --> ... <!-- rules:end --> block"
    ordered = listing_order(Linter().rules)
    expected = rule_table_markdown(ordered) + "\n"
    assert block.group(1) == expected, "README rule table is stale: run `python scripts/update_readme.py`"


def test_ci_runs_exactly_the_readme_test_command():
    test_command = CODE_BLOCKS[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in [line.strip() for line in ci]


def test_setup_command_works_in_a_fresh_virtualenv(tmp_path):
    # A clean copy of the tracked tree, the way a fresh clone looks; the command builds its own .venv.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    clone = tmp_path / "clone"
    for name in filter(None, files.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = clone / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    setup = CODE_BLOCKS[0].strip()
    assert setup.startswith("python3 -m venv .venv")
    result = subprocess.run(["bash", "-c", setup.replace("python3", sys.executable, 1)], cwd=clone,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr  # the examples hold errors on purpose
    assert "examples/egress.yaml:" in result.stdout
    assert re.search(r"^\d+ errors?, \d+ warnings?, \d+ info in 3 files", result.stdout, re.M), result.stdout
