"""The pre-commit hook, run for real with `pre-commit try-repo` on a temporary git repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")

BAD = """\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: api
  namespace: shop
spec:
  hosts:
  - "*"
  ports:
  - number: 443
    name: https
    protocol: TLS
  resolution: DNS
  exportTo: ["."]
"""
FIXED = BAD.replace('  - "*"\n', "  - api.example.com\n")
GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  color: blue
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def manifests_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "manifests"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "bad.yaml").write_text(BAD)
    (repo / "good.yaml").write_text(GOOD)
    git(repo, "add", ".")
    return repo


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(ROOT), "policylint", "--all-files", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900,
    )


def test_hook_fails_on_bad_manifest_then_passes_when_fixed(manifests_repo: Path, tmp_path: Path):
    assert PRE_COMMIT, "pre-commit is a test dependency (pip install -e '.[test]')"
    home = tmp_path / "pre-commit-home"
    first = try_repo(manifests_repo, home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "bad.yaml:8:5: error SE102 " in first.stdout
    assert "good.yaml" not in first.stdout.split("- hook id: policylint", 1)[1]

    (manifests_repo / "bad.yaml").write_text(FIXED)
    git(manifests_repo, "add", ".")
    second = try_repo(manifests_repo, home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
