"""Which files are read and how: classification, text inputs, Helm values, directory walking, stdin."""
from __future__ import annotations

import io
import pickle
import shutil
from pathlib import Path

import pytest

from policylint.loader import FileKind, Source, TextDocument, iter_sources, load_file, load_source, load_text

TREE = Path(__file__).resolve().parents[2] / "fixtures" / "loader" / "tree"

WALKED = [
    "tree/.circleci/config.yml",
    "tree/.github/workflows/ci.yml",
    "tree/.gitlab-ci.yml",
    "tree/.policylint.yaml",
    "tree/.pre-commit-config.yaml",
    "tree/.pre-commit-hooks.yaml",
    "tree/Dockerfile",
    "tree/Jenkinsfile",
    "tree/Makefile",
    "tree/azure-pipelines.yml",
    "tree/build.mk",
    "tree/charts/web/Chart.yaml",
    "tree/charts/web/prod.values.yaml",
    "tree/charts/web/staging-values.yml",
    "tree/charts/web/templates/deploy.yaml",
    "tree/charts/web/values-prod.yaml",
    "tree/charts/web/values.dev.yaml",
    "tree/charts/web/values.yaml",
    "tree/cloudbuild.yaml",
    "tree/kustomization.yaml",
    "tree/manifests/a.yaml",
    "tree/manifests/b.yml",
    "tree/manifests/c.json",
    "tree/manifests/sub/d.yaml",
    "tree/scripts/env.bash",
    "tree/scripts/setup.sh",
    "tree/vendor/lib.yaml",
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A copy of the fixture tree plus directories that must never be walked."""
    shutil.copytree(TREE, tmp_path / "tree")
    for hidden in (".git", "node_modules", ".venv", "manifests/node_modules"):
        (tmp_path / "tree" / hidden).mkdir(parents=True, exist_ok=True)
        (tmp_path / "tree" / hidden / "x.yaml").write_text("apiVersion: v1\nkind: Service\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def displays(sources) -> list[str]:
    return [source.display for source in sources]


# --- walking ------------------------------------------------------------------------------------------

def test_directory_walk_is_sorted_and_skips_vcs_and_dependency_directories(workdir):
    sources = list(iter_sources(["tree"]))
    assert displays(sources) == WALKED
    assert all(not source.explicit and source.path == source.display for source in sources)
    assert displays(iter_sources(["./tree/"])) == WALKED


def test_excludes_match_paths_and_components(workdir):
    walked = displays(iter_sources(["tree"], ["charts/*/templates/**", "vendor", "*.json", ".github/"]))
    assert walked == [
        path for path in WALKED
        if path not in ("tree/charts/web/templates/deploy.yaml", "tree/vendor/lib.yaml", "tree/manifests/c.json",
                        "tree/.github/workflows/ci.yml")
    ]
    # patterns may also be written relative to the current directory
    assert "tree/manifests/a.yaml" not in displays(iter_sources(["tree"], ["tree/manifests/*"]))
    assert "tree/manifests/sub/d.yaml" not in displays(iter_sources(["tree"], ["**/sub/**"]))


def test_explicit_files_keep_argument_order_and_load_whatever_their_suffix(workdir):
    sources = list(iter_sources(["tree/manifests/rendered.golden", "tree/manifests/a.yaml", "tree/manifests"]))
    assert displays(sources) == [
        "tree/manifests/rendered.golden", "tree/manifests/a.yaml",  # a.yaml is not repeated below
        "tree/manifests/b.yml", "tree/manifests/c.json", "tree/manifests/sub/d.yaml",
    ]
    assert [source.explicit for source in sources] == [True, True, False, False, False]
    document, = sources[0].load().documents
    assert (document.file, document.kind, document.name) == ("tree/manifests/rendered.golden", "Service", "golden")


def test_excludes_apply_to_explicit_files_too(workdir):
    assert displays(iter_sources(["tree/vendor/lib.yaml", "tree/manifests/a.yaml"], ["vendor"])) == [
        "tree/manifests/a.yaml"]


def test_missing_path_still_gives_a_source_that_reports_it(workdir):
    source, = iter_sources(["tree/missing.yaml"])
    result = load_source(source)
    assert [(p.code, p.file, p.line, p.column) for p in result.problems] == [
        ("PL006", "tree/missing.yaml", 1, 1)]


def test_sources_pickle(workdir):
    source = next(iter_sources(["tree/manifests/a.yaml"]))
    assert pickle.loads(pickle.dumps(source)) == source


# --- stdin --------------------------------------------------------------------------------------------

class _BinaryStdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def test_dash_reads_stdin():
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: piped\n---\napiVersion: v1\nkind: Namespace\n"
    source, = iter_sources(["-"], stdin=io.StringIO(text))
    assert (source.display, source.path, source.explicit, source.is_stdin) == ("<stdin>", None, True, True)
    result = source.load()
    assert [(d.file, d.index, d.kind, d.line) for d in result.documents] == [
        ("<stdin>", 0, "Service", 1), ("<stdin>", 1, "Namespace", 6)]
    assert result.documents[0].locate(("metadata", "name")) == (4, 3)


def test_stdin_bytes_are_checked_like_files():
    source, = iter_sources(["-"], stdin=_BinaryStdin(b"kind: \xff\n"))
    assert [(p.code, p.file, p.line, p.column) for p in source.load().problems] == [("PL006", "<stdin>", 1, 7)]


def test_json_on_stdin_is_read_as_json():
    result = load_text('{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", '
                       '"metadata": {"name": "p"}, "spec": {"x": 1e3}}]}')
    document, = result.documents
    assert (document.kind, document.item, document.data["spec"]["x"]) == ("Pod", 0, 1000.0)
    assert document.locate(("metadata", "name")) == (1, 97)
    # flow YAML that is not JSON is still YAML
    document, = load_text("{apiVersion: v1, kind: Pod, spec: {x: 1e3}}").documents
    assert document.data["spec"]["x"] == "1e3"


# --- classification -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "charts/web/Chart.yaml", "kustomization.yaml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml",
    ".policylint.yaml",
])
def test_tool_configuration_files_are_skipped(name):
    result = load_file(TREE / name, display=name)
    assert (result.documents, result.problems, result.skipped) == ([], [], 1)


def test_helm_values_files_are_values_documents():
    result = load_file(TREE / "charts/web/values.yaml", display="values.yaml")
    assert result.problems == []
    first, second = result.documents
    assert (first.api_version, first.kind, first.group, first.kind_key) == (
        "policylint.io/v1", "HelmValues", "policylint.io", "policylint.io/HelmValues")
    assert (first.index, second.index, first.line, second.line) == (0, 1, 2, 7)
    assert first.data == {"replicaCount": 1, "egress": {"hosts": ["api.example.com"]}}
    assert first.locate(("egress", "hosts", 0)) == (5, 5)
    assert (first.namespace, first.name) == (None, None)


@pytest.mark.parametrize(("name", "documents"), [
    ("charts/web/values-prod.yaml", 0),  # empty: no PL010 for a values file
    ("charts/web/staging-values.yml", 1),
    ("charts/web/prod.values.yaml", 1),
    ("charts/web/values.dev.yaml", 1),
])
def test_helm_values_file_names(name, documents):
    result = load_file(TREE / name, display=name)
    assert result.problems == []
    assert [d.kind for d in result.documents] == ["HelmValues"] * documents


@pytest.mark.parametrize(("name", "lines"), [
    ("scripts/setup.sh", 4),
    ("scripts/env.bash", 1),
    ("Makefile", 2),
    ("build.mk", 1),
    ("Dockerfile", 2),
    ("Jenkinsfile", 1),
    (".github/workflows/ci.yml", 5),
    (".gitlab-ci.yml", 2),
    ("azure-pipelines.yml", 1),
    (".circleci/config.yml", 1),
    ("cloudbuild.yaml", 1),
])
def test_text_inputs_are_text_file_documents(name, lines):
    display = f"tree/{name}"
    result = load_file(TREE / name, display=display)
    assert result.problems == []
    document, = result.documents
    assert isinstance(document, TextDocument)
    assert (document.api_version, document.kind, document.kind_key, document.index, document.line) == (
        "policylint.io/v1", "TextFile", "policylint.io/TextFile", 0, 1)
    assert document.data["path"] == display
    assert len(document.data["lines"]) == lines


def test_text_file_lines_and_positions():
    document, = load_file(TREE / "Makefile", display="Makefile").documents
    assert document.data == {"path": "Makefile", "lines": ["deploy:", "\tkubectl apply -f manifests/"]}
    assert document.locate(("lines", 1)) == (2, 1)
    assert document.locate(("lines", 0, "anything")) == (1, 1)
    assert document.locate(("lines", 9)) == (1, 1)
    assert document.locate(()) == (1, 1)
    copy = pickle.loads(pickle.dumps(document))
    assert (copy.data, copy.locate(("lines", 1))) == (document.data, (2, 1))


def test_ci_yaml_is_text_only_not_parsed_as_manifests():
    document, = load_file(TREE / ".github/workflows/ci.yml", display=".github/workflows/ci.yml").documents
    assert document.kind == "TextFile"
    assert document.data["lines"][4] == "    - run: helm template chart | policylint lint -"


def test_mesh_config_kind_is_chosen_by_the_caller():
    result = load_file(TREE / "charts/web/values.yaml", display="mesh.yaml", kind=FileKind.MESH_CONFIG)
    assert [(d.kind_key, d.index) for d in result.documents] == [
        ("policylint.io/MeshConfig", 0), ("policylint.io/MeshConfig", 1)]
    assert result.documents[0].locate(("egress", "hosts", 0)) == (5, 5)


def test_load_text_uses_the_file_name_to_pick_the_reader():
    assert load_text("echo hi\n", "run.sh").documents[0].data["lines"] == ["echo hi"]
    assert load_text("a: 1\n", "values.yaml").documents[0].kind == "HelmValues"
    assert load_text("a: 1\n", "Chart.yaml").skipped == 1
    assert load_text('{"apiVersion": "v1", "kind": "Pod"}', "pod.json").documents[0].kind == "Pod"


def test_stdin_source_round_trip():
    source = Source("<stdin>", None, b"apiVersion: v1\nkind: Pod\n")
    assert pickle.loads(pickle.dumps(source)).load().documents[0].kind == "Pod"
