"""`--jobs N` gives exactly the report of one process, cross-resource findings included."""
from __future__ import annotations

from pathlib import Path

from policylint.api import Linter
from policylint.parallel import shard

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = str(ROOT / "fixtures" / "rules")
MESH = str(ROOT / "fixtures" / "rules" / "OTP403" / "mesh.yaml")


def test_two_and_three_workers_match_one_process():
    linter = Linter()
    one = linter.lint_paths([FIXTURES], mesh_config=MESH)
    assert any(f.rule.startswith("XR") for f in one.findings)  # cross-resource rules are exercised
    assert any(f.file == MESH for f in one.findings)
    for jobs in (2, 3):
        assert linter.lint_paths([FIXTURES], jobs=jobs, mesh_config=MESH) == one


def test_progress_counts_every_file_once():
    seen = []
    report = Linter().lint_paths([FIXTURES], jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (report.summary.files, report.summary.files)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


class FakeSource:
    def __init__(self, size):
        self.path, self.content = None, b"x" * size


def test_shards_are_contiguous_and_balanced_by_size():
    sources = [FakeSource(n) for n in (10, 10, 10, 10, 100, 10, 10, 10, 10, 10)]
    parts = shard(sources, 2)
    assert [s for part in parts for s in part] == sources
    assert [sum(len(s.content) for s in part) for part in parts] == [140, 50]
    assert shard(sources[:1], 4) == [sources[:1]]
