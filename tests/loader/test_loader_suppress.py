"""`# policylint: ignore ID[,ID] reason` comments."""
from __future__ import annotations

import pickle
from pathlib import Path

from policylint.loader import NO_SUPPRESSIONS, Suppressions, load_file, load_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "loader"


def documents():
    result = load_file(FIXTURES / "suppressions.yaml", display="suppressions.yaml")
    assert result.problems == []
    return result.documents


def test_comments_attach_to_the_document_or_the_node_below_them():
    legacy, istio, one, two, plain = documents()
    assert legacy.suppressions.entries == (
        ((), frozenset({"SE101"}), "legacy host kept for the migration"),
        (("spec", "hosts", 0), frozenset({"SE102", "SE103"}), "wildcard approved in TICKET-7"),
        (("spec", "ports", 0), None, ""),
    )
    assert istio.suppressions.entries == (
        (("data", "mesh"), frozenset({"OTP401"}), "allow-any until March"),
    )
    assert one.suppressions.entries == (
        ((), frozenset({"SC501"}), "reason: inside the document, above its first line"),
    )
    assert two.suppressions.entries == (
        ((), frozenset({"SC501"}), "reason: inside the document, above its first line"),
        ((), frozenset({"DR901"}), "second item only"),
        (("metadata", "name"), frozenset({"SVC201"}), ""),
    )
    assert plain.suppressions is NO_SUPPRESSIONS


def test_matches_returns_the_reason_for_the_node_and_below():
    legacy, istio, one, two, _ = documents()
    assert legacy.suppressions.matches("SE101", ("spec", "hosts", 1)) == "legacy host kept for the migration"
    assert legacy.suppressions.matches("SE101", ()) == "legacy host kept for the migration"
    assert legacy.suppressions.matches("SE102", ("spec", "hosts", 0)) == "wildcard approved in TICKET-7"
    assert legacy.suppressions.matches("SE103", ("spec", "hosts", 0, "x")) == "wildcard approved in TICKET-7"
    assert legacy.suppressions.matches("SE102", ("spec", "hosts", 1)) is None
    assert legacy.suppressions.matches("SE102", ("spec", "hosts")) is None
    assert legacy.suppressions.matches("ANY999", ("spec", "ports", 0, "name")) == ""
    assert legacy.suppressions.matches("ANY999", ("spec", "ports")) is None
    assert istio.suppressions.matches("OTP401", ("data", "mesh", "outboundTrafficPolicy", "mode")) == (
        "allow-any until March")
    assert istio.suppressions.matches("OTP401", ("data", "other")) is None
    assert one.suppressions.matches("DR901", ()) is None
    assert two.suppressions.matches("DR901", ("spec",)) == "second item only"
    assert two.suppressions.matches("SVC201", ("metadata", "name")) == ""
    assert two.suppressions.matches("SVC201", ("metadata",)) is None


def test_a_blank_line_detaches_a_comment():
    text = "# policylint: ignore SE101 reason\n\napiVersion: v1\nkind: Service\n"
    document, = load_text(text).documents
    assert document.suppressions is NO_SUPPRESSIONS


def test_comment_above_a_key_inside_a_list_item():
    text = (
        "apiVersion: v1\n"
        "kind: Service\n"
        "spec:\n"
        "  ports:\n"
        "  - name: a\n"
        "    # policylint: ignore SVC201, SVC202 named later\n"
        "    port: 80\n"
    )
    document, = load_text(text).documents
    assert document.suppressions.entries == (
        (("spec", "ports", 0, "port"), frozenset({"SVC201", "SVC202"}), "named later"),
    )


def test_text_files_suppress_the_next_line():
    document, = load_file(FIXTURES / "tree" / "scripts" / "setup.sh", display="setup.sh").documents
    assert document.suppressions.entries == ((("lines", 2), frozenset({"CAP301"}), "the mesh is not installed yet"),)
    assert document.suppressions.matches("CAP301", ("lines", 2)) == "the mesh is not installed yet"
    assert document.suppressions.matches("CAP301", ("lines", 3)) is None


def test_suppressions_survive_pickling():
    for document in documents():
        copy = pickle.loads(pickle.dumps(document))
        assert copy.suppressions == document.suppressions
    assert pickle.loads(pickle.dumps(NO_SUPPRESSIONS)) is NO_SUPPRESSIONS


def test_empty_suppressions_match_nothing():
    assert not NO_SUPPRESSIONS
    assert NO_SUPPRESSIONS.matches("SE101", ()) is None
    assert Suppressions([((), None, "all")]).matches("X", ("a",)) == "all"
