"""The loader over the shared corpus of real manifests (broken ones and Helm templates included).

The corpus lives next to the repository (`../shared/corpus`); a clone without it skips these tests with a
reason, and the fixtures under fixtures/loader cover every bad-input case on their own.
"""
from __future__ import annotations

import collections
from pathlib import Path

import pytest
import yaml

from policylint.loader import PROBLEM_CODES, iter_sources, load_file

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "wild").is_dir() or not (CORPUS / "istio").is_dir(),
    reason=f"the shared corpus is not next to the repository ({CORPUS}); fixtures/loader covers the loader",
)


def corpus_files(folder: str) -> list[Path]:
    return sorted(path for path in (CORPUS / folder).rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def loaded() -> dict[str, tuple]:
    """Every corpus file loaded as if named on the command line: {relative path: (LoadResult, text)}."""
    results = {}
    for folder in ("wild", "istio"):
        for path in corpus_files(folder):
            name = str(path.relative_to(CORPUS))
            results[name] = (load_file(path, display=name), path.read_bytes())
    return results


def test_every_file_loads_without_an_exception_and_counts_are_stable(loaded):
    per_folder = {}
    for folder in ("wild", "istio"):
        entries = [result for name, (result, _) in loaded.items() if name.startswith(folder + "/")]
        problems = collections.Counter(p.code for result in entries for p in result.problems)
        per_folder[folder] = (len(entries), sum(len(r.documents) for r in entries), dict(sorted(problems.items())))
    assert per_folder == {
        "wild": (395, 1088, {"PL001": 10, "PL002": 77, "PL003": 2, "PL004": 18, "PL010": 2}),
        "istio": (57, 165, {"PL001": 1, "PL004": 5}),
    }


def test_problems_are_well_formed(loaded):
    for name, (result, raw) in loaded.items():
        lines = raw.count(b"\n") + 1
        for problem in result.problems:
            assert problem.code in PROBLEM_CODES, name
            assert problem.file == name
            assert 1 <= problem.line <= lines and problem.column >= 1, (name, problem)
            assert problem.severity == ("warning" if problem.code == "PL010" else "error")


def test_directory_walk_of_the_corpus(loaded):
    sources = list(iter_sources([str(CORPUS / "wild"), str(CORPUS / "istio")]))
    assert len(sources) == 423
    assert [s.display for s in sources] == sorted(
        (s.display for s in sources), key=lambda d: (not d.startswith(str(CORPUS / "wild")), d.split("/")))
    documents = sum(len(source.load().documents) for source in sources)
    assert documents == 1218


def _data_documents(text: str) -> list | None:
    try:
        return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]
    except yaml.YAMLError:
        return None


def test_data_matches_pyyaml_wherever_pyyaml_reads_the_file(loaded):
    compared = 0
    for name, (result, raw) in loaded.items():
        if name.endswith(".json"):
            continue
        plain = _data_documents(raw.decode("utf-8", errors="replace"))
        if plain is None:
            continue
        ours = [d.data for d in result.documents if d.item is None]
        remaining = iter(plain)  # ours is plain minus templates, lists and non-objects, in order
        assert all(any(data == candidate for candidate in remaining) for data in ours), name
        compared += len(ours)
    assert compared == 1225


def test_every_key_position_points_at_that_key(loaded):
    checked = 0
    for name, (result, raw) in loaded.items():
        if not result.documents or result.documents[0].kind == "TextFile":
            continue
        lines = raw.decode("utf-8").replace("\r\n", "\n").split("\n")
        for document in result.documents:
            stack = [((), document.data)]
            while stack:
                path, value = stack.pop()
                if isinstance(value, dict):
                    children = list(value.items())
                elif isinstance(value, list):
                    children = list(enumerate(value))
                else:
                    continue
                for key, child in children:
                    stack.append((path + (key,), child))
                    if not isinstance(key, str) or key == "<<":
                        continue
                    line, column = document.locate(path + (key,))
                    text = lines[line - 1][column - 1:]
                    assert text.startswith((key, f'"{key}', f"'{key}", "? ")) or "\\" in text, (name, path, key)
                    checked += 1
    assert checked == 53124


@pytest.mark.parametrize(("name", "expected"), [
    # rendered Istio injector: Go templates inside block scalars are data
    ("wild/istio-istio/pkg__config__analysis__analyzers__testdata__common__sidecar-injector-configmap.yaml",
     [("ConfigMap", "istio-sidecar-injector", None)]),
    # a Helm test Pod with `{{ .Values... }}` inside a quoted arg still counts for istioctl analyze
    ("istio/analyzers/misannotated.yaml", 10),
    ("wild/istio-istio/1.0.0@pilot__pkg__kube__inject__testdata__webhook__list.yaml",
     [("Deployment", "hello-v1", 0), ("Deployment", "hello-v2", 1)]),
    ("wild/istio-istio/pkg__config__analysis__analyzers__testdata__analyze-list-type.yaml",
     [("Gateway", "alpha", None), ("Gateway", "beta-l", 0), ("Gateway", "alpha-l", 1)]),
    # IPv6 in a flow list: libyaml refuses it, Istio's validation accepts it
    ("istio/validation/serviceentry-valid.yaml", 5),
])
def test_known_files(loaded, name, expected):
    result, _ = loaded[name]
    assert result.problems == []
    if isinstance(expected, int):
        assert len(result.documents) == expected
    else:
        assert [(d.kind, d.name, d.item) for d in result.documents] == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("wild/istio-istio/operator__cmd__mesh__testdata__manifest-generate__output__all_off.golden.yaml",
     [("PL010", 1, 1)]),
    ("wild/GoogleCloudPlatform-anthos-service-mesh-samples/"
     "docs__mtls-egress-ingress__server__mysql-server__gateway-patch.json", [("PL003", 1, 1)]),
    ("wild/istio-istio/manifests__charts__istio-control__istio-discovery__templates__remote-istiod-service.yaml",
     [("PL002", 1, 1), ("PL002", 42, 1)]),
    ("wild/istio-istio/tests__integration__telemetry__testdata__external-service-entry.yaml", [("PL002", 13, 23)]),
    ("wild/istio-istio.github.io/content__en__docs__ops__common-problems__network-issues__index.md__block12.yaml",
     [("PL001", 3, 7)]),
])
def test_known_problems(loaded, name, expected):
    result, _ = loaded[name]
    assert [(p.code, p.line, p.column) for p in result.problems] == expected
