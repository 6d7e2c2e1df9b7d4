"""The command line: exit codes, formats, --output, config errors, rule selection, suppressions, stdin."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policylint.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "fixtures" / "cli"
RULES = str(CLI / "rules")
BAD = str(CLI / "manifests" / "bad.yaml")
GOOD = str(CLI / "manifests" / "good.yaml")
BROKEN = str(CLI / "manifests" / "broken.yaml")
ONLY_TEST_RULES = ["--no-default-rules", "--rules", RULES]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    # Config discovery walks up from the working directory: keep the tests' own config out of reach.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))


def test_text_report_lines_and_summary(capsys):
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, BAD)
    assert code == 1
    lines = out.splitlines()
    assert f"{BAD}:12:5: error TST001 port 443 is declared HTTP (ServiceEntry payments/stripe)" in lines
    assert f"{BAD}:6:1: warning TST002 ServiceEntry stripe has no exportTo (ServiceEntry payments/stripe)" in lines
    assert f"{BAD}:8:5: info TST003 host api.stripe.com is declared by 2 ServiceEntries (ServiceEntry payments/stripe)" in lines
    assert f"{BAD}:23:5: info TST003 host api.stripe.com is declared by 2 ServiceEntries (ServiceEntry payments/stripe-copy)" in lines
    assert not any("TST002" in line and "stripe-copy" in line for line in lines)
    assert lines[-1].startswith("1 error, 1 warning, 2 info")


def test_clean_run_exits_zero(capsys):
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, GOOD)
    assert code == 0
    assert out.splitlines()[-1].startswith("No problems found in 1 file")


@pytest.mark.parametrize(
    ("fail_on", "expected"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)]
)
def test_fail_on_levels(capsys, fail_on, expected):
    assert run(capsys, "lint", *ONLY_TEST_RULES, "--fail-on", fail_on, BAD)[0] == expected


def test_fail_on_warning_ignores_info_only(capsys, tmp_path):
    only_info = ["--disable", "TST001,TST002"]
    assert run(capsys, "lint", *ONLY_TEST_RULES, *only_info, "--fail-on", "warning", BAD)[0] == 0
    assert run(capsys, "lint", *ONLY_TEST_RULES, *only_info, "--fail-on", "info", BAD)[0] == 1


def test_disable_and_enable_by_prefix(capsys):
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, "--disable", "TST", "--enable", "TST002", BAD)
    assert code == 0  # TST002 is a warning; the default --fail-on is error
    assert "TST002" in out and "TST001" not in out and "TST003" not in out


def test_json_output_to_file_keeps_text_on_terminal(capsys, tmp_path):
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, "--format", "json", "--output", str(target), BAD)
    assert code == 1
    assert f"{BAD}:12:5: error TST001" in out
    report = json.loads(target.read_text())
    assert report["version"] == 1
    first = report["findings"][0]
    assert (first["rule"], first["line"], first["column"], first["path"], first["fix"], first["istio_code"]) == (
        "TST002", 6, 1, "spec", None, None)
    tst001 = next(f for f in report["findings"] if f["rule"] == "TST001")
    assert (tst001["path"], tst001["fix"], tst001["istio_code"]) == ("spec.ports[0].protocol", "TLS", "IST0000")
    assert tst001["resource"] == {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                                  "namespace": "payments", "name": "stripe"}
    suppressed = [f for f in report["findings"] if f["suppressed"]]
    assert [(f["rule"], f["suppression_reason"]) for f in suppressed] == [
        ("TST002", "annotation: exported on purpose")]
    assert report["summary"] == {"files": 1, "documents": 2, "findings": 4, "errors": 1, "warnings": 1,
                                 "infos": 2, "suppressed": 1, "parse_errors": 0, "skipped": 0}


def test_show_suppressed(capsys):
    _, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, "--show-suppressed", BAD)
    assert any("TST002" in line and "stripe-copy" in line and "suppressed" in line for line in out.splitlines())


def test_broken_file_does_not_hide_other_files(capsys):
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, BROKEN, BAD)
    assert code == 1
    assert any(line.startswith(f"{BROKEN}:7:1:") and " error PL001 " in line for line in out.splitlines())
    assert f"{BAD}:12:5: error TST001 port 443 is declared HTTP (ServiceEntry payments/stripe)" in out


def test_stdin(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(Path(BAD).read_text()))
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, "-")
    assert code == 1
    assert "<stdin>:12:5: error TST001 port 443 is declared HTTP (ServiceEntry payments/stripe)" in out


def test_config_file_sets_severity_params_and_fail_on(capsys, tmp_path):
    config = tmp_path / "strict.yaml"
    config.write_text("rules:\n  TST001:\n    severity: warning\n    params: {port: 8443}\nfail_on: info\n")
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, "--config", str(config), BAD)
    assert "TST001" not in out  # the rule now looks at 8443, where the protocol is TLS
    assert code == 1  # fail_on: info, and TST003 infos remain


def test_config_is_discovered_upwards(capsys, tmp_path, monkeypatch):
    (tmp_path / ".policylint.yaml").write_text("disable: [TST001]\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    _, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, BAD)
    assert "TST001" not in out and "TST002" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rulez: {}\n", "(top level): unknown key 'rulez'"),
        ("rules:\n  TST001: {severity: fatal}\n", "rules.TST001.severity: 'fatal' is not one of"),
        ("rules:\n  TST001: {params: {nope: 1}}\n", "rules.TST001.params: unknown parameter 'nope' (known: port)"),
        ("rules:\n  ZZZ999: {enabled: false}\n", "rules.ZZZ999: no such rule"),
        ("fail_on: [\n", "invalid YAML in config"),
        ("cluster:\n  podCIDR: []\n", "cluster: unknown key 'podCIDR'"),
    ],
)
def test_config_errors_exit_2_and_name_the_key(capsys, tmp_path, text, message):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    code, out, err = run(capsys, "lint", *ONLY_TEST_RULES, "--config", str(config), BAD)
    assert code == 2
    assert out == ""
    assert message in err


def test_missing_path_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "lint", *ONLY_TEST_RULES, str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "nope.yaml" in err


def test_rule_compile_error_exits_2_with_caret(capsys, tmp_path):
    bad_rules = tmp_path / "rules"
    bad_rules.mkdir()
    (bad_rules / "TST900.rule").write_text(Path(RULES, "TST002.rule").read_text()
                                           .replace("TST002", "TST900").replace("!has(spec.exportTo)", "has(("))
    code, _, err = run(capsys, "lint", "--no-default-rules", "--rules", str(bad_rules), GOOD)
    assert code == 2
    assert "TST900.rule:" in err and "^" in err


def test_rules_and_explain_and_version(capsys):
    code, out, _ = run(capsys, "rules", *ONLY_TEST_RULES)
    assert code == 0
    assert any(line.split()[:3] == ["TST001", "test-port-443-http", "error"] for line in out.splitlines())
    code, out, _ = run(capsys, "explain", *ONLY_TEST_RULES, "tst001")
    assert code == 0
    assert out.startswith("TST001 test-port-443-http (error)\n")
    assert "## How to fix" in out and "IST0000" in out
    assert run(capsys, "explain", *ONLY_TEST_RULES, "NOPE123")[0] == 2
    code, out, _ = run(capsys, "version")
    assert (code, out.startswith("policylint ")) == (0, True)


def test_parallel_jobs_give_the_same_report(capsys, tmp_path):
    for i in range(6):
        (tmp_path / f"m{i}.yaml").write_text(Path(BAD).read_text())
    _, one, _ = run(capsys, "lint", *ONLY_TEST_RULES, "--format", "json", str(tmp_path))
    _, two, _ = run(capsys, "lint", *ONLY_TEST_RULES, "--format", "json", "--jobs", "2", str(tmp_path))
    assert one == two
    assert json.loads(one)["summary"]["findings"] == 6 * 2 + 12  # TST001+TST002 per file; 12 TST003 (host x12)


def test_lint_path_does_not_import_server_libraries(tmp_path):
    code = (
        "import sys; from policylint.cli import main; main(['lint', '--no-default-rules', '--rules', "
        f"{RULES!r}, {GOOD!r}]);"
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'kubernetes', 'starlette') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_comment_suppressions_cover_document_and_field(capsys):
    manifest = str(CLI / "manifests" / "commented.yaml")
    code, out, _ = run(capsys, "lint", *ONLY_TEST_RULES, "--format", "json", manifest)
    report = json.loads(out)
    rows = [(f["rule"], f["line"], f["column"], f["suppressed"], f["suppression_reason"]) for f in report["findings"]]
    assert rows == [
        ("TST002", 7, 1, True, "comment: this entry is exported on purpose"),
        ("TST001", 14, 5, True, "comment: the legacy partner only speaks HTTP on 443"),
        ("TST002", 24, 1, False, None),
        ("TST001", 29, 5, False, None),
    ]
    assert report["summary"]["suppressed"] == 2
    assert code == 1


def test_progress_on_a_tty_for_long_runs(tmp_path):
    import os
    import pty

    for i in range(250):
        (tmp_path / f"m{i:03}.yaml").write_text(Path(GOOD).read_text())
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "policylint", "lint", *ONLY_TEST_RULES, str(tmp_path)],
        stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120,
        env={**os.environ, "POLICYLINT_CACHE_DIR": str(tmp_path / "cache")},
    )
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert proc.returncode == 0
    assert b"\rpolicylint: 250/250 files" in drawn
    assert drawn.endswith(b"\r\x1b[K")  # the progress line is wiped before the report
    assert proc.stdout.splitlines()[-1].startswith("0 errors, 0 warnings, 250 info in 250 files")


def test_no_progress_without_a_tty(tmp_path):
    for i in range(250):
        (tmp_path / f"m{i:03}.yaml").write_text(Path(GOOD).read_text())
    proc = subprocess.run([sys.executable, "-m", "policylint", "lint", *ONLY_TEST_RULES, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, "")
