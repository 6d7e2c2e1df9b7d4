"""What a file is, judged by its name: a manifest stream, JSON, Helm values, a text input, or not ours."""
from __future__ import annotations

import enum
import fnmatch
import posixpath

__all__ = ["FileKind", "classify", "is_walked"]


class FileKind(enum.Enum):
    MANIFEST = "manifest"  # YAML stream of Kubernetes objects
    JSON = "json"  # one JSON value (an object or a List)
    HELM_VALUES = "helm-values"  # values for a chart: YAML, but no apiVersion/kind
    MESH_CONFIG = "mesh-config"  # an Istio MeshConfig file (--mesh-config), never picked by name
    TEXT = "text"  # scripts, Makefiles, Dockerfiles, CI definitions: lines of text for text rules
    SKIP = "skip"  # YAML that is configuration for another tool


_SKIPPED_NAMES = frozenset({
    "Chart.yaml", "Chart.yml", "kustomization.yaml", "kustomization.yml", "Kustomization",
    ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", ".policylint.yaml", ".policylint.yml",
})
_VALUES_PATTERNS = ("values.y*ml", "values-*.y*ml", "*-values.y*ml", "*.values.y*ml", "values.*.y*ml")
_TEXT_NAMES = frozenset({
    "Makefile", "makefile", "GNUmakefile", "Dockerfile", "Jenkinsfile",
    ".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml", "azure-pipelines.yaml",
    "cloudbuild.yaml", "cloudbuild.yml",
})
_TEXT_SUFFIXES = (".sh", ".bash", ".mk", ".Dockerfile", ".dockerfile")
_YAML_SUFFIXES = (".yaml", ".yml")


def classify(path: str) -> FileKind | None:
    """The kind of input ``path`` names, or None when a directory walk should not pick it up.

    A file named on the command line is loaded as a manifest when this returns None.
    """
    norm = path.replace("\\", "/")
    name = posixpath.basename(norm)
    if name in _SKIPPED_NAMES:
        return FileKind.SKIP
    if name in _TEXT_NAMES or name.endswith(_TEXT_SUFFIXES) or name.startswith("Dockerfile."):
        return FileKind.TEXT
    if _is_ci_yaml(norm, name):
        return FileKind.TEXT
    if name.endswith(_YAML_SUFFIXES):
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in _VALUES_PATTERNS):
            return FileKind.HELM_VALUES
        return FileKind.MANIFEST
    if name.endswith(".json"):
        return FileKind.JSON
    return None


def _is_ci_yaml(norm: str, name: str) -> bool:
    if not name.endswith(_YAML_SUFFIXES):
        return False
    parent = posixpath.dirname(norm)
    if posixpath.basename(parent) == "workflows" and posixpath.basename(posixpath.dirname(parent)) == ".github":
        return True
    return name in ("config.yml", "config.yaml") and posixpath.basename(parent) == ".circleci"


def is_walked(path: str) -> bool:
    """Whether a directory walk loads this file (explicit arguments are always loaded)."""
    return classify(path) is not None
