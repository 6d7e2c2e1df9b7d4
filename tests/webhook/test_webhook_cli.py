"""`policylint webhook serve | certs`: exit codes and messages; registration stays lazy."""
from __future__ import annotations

import base64
import subprocess
import sys

from cryptography import x509

from webhook_harness import ROOT, make_certs, write_config

SERVE = [sys.executable, "-m", "webhook", "serve"]


def run(argv: list[str], cwd) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "POLICYLINT_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


def test_registration_imports_no_server_libraries():
    code = ("import sys, argparse, webhook.cli as c; p = argparse.ArgumentParser(); "
            "c.register(p.add_subparsers()); "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'prometheus_client', 'starlette') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_policylint_cli_has_the_webhook_commands():
    out = subprocess.run([sys.executable, "-m", "policylint", "webhook", "--help"], capture_output=True, text=True,
                         cwd=ROOT).stdout + subprocess.run(
        [sys.executable, "-m", "policylint", "webhook", "serve", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    assert "serve" in out and "manifests" in out and "certs" in out and "--cert FILE" in out


def test_bad_webhook_config_exits_2_naming_the_key(tmp_path):
    certs = make_certs(tmp_path / "certs")
    config = write_config(tmp_path, {"failure": {"mode": "maybe"}})
    result = run([*SERVE, "--cert", str(certs.cert), "--key", str(certs.key), "--config", str(config)], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == ("policylint webhook: config: webhook.failure.mode: 'maybe' is not one of "
                                     "['open', 'closed']")


def test_missing_context_file_exits_2(tmp_path):
    certs = make_certs(tmp_path / "certs")
    config = write_config(tmp_path, {"context": {"files": ["nowhere.yaml"]}})
    result = run([*SERVE, "--cert", str(certs.cert), "--key", str(certs.key), "--config", str(config)], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"policylint webhook: config: webhook.context.files: cannot read "
                                     f"{tmp_path / 'nowhere.yaml'}: No such file or directory")


def test_unreadable_certificate_exits_2(tmp_path):
    certs = make_certs(tmp_path / "certs")
    result = run([*SERVE, "--cert", str(tmp_path / "missing.crt"), "--key", str(certs.key),
                  "--config", str(write_config(tmp_path))], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"policylint webhook: cannot read {tmp_path / 'missing.crt'}: No such file or directory"


def test_mismatched_key_exits_2(tmp_path):
    certs = make_certs(tmp_path / "certs")
    other = make_certs(tmp_path / "other")
    result = run([*SERVE, "--cert", str(certs.cert), "--key", str(other.key), "--config", str(write_config(tmp_path))],
                 tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"policylint webhook: cannot load {certs.cert} with {other.key}:")


def test_rule_compile_error_exits_2(tmp_path):
    certs = make_certs(tmp_path / "certs")
    rules = tmp_path / "broken-rules"
    rules.mkdir()
    (rules / "BRK001.rule").write_text("rule BRK001 broken {\n  severity: error\n  when: )\n}\n")
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace("rule_dirs:\n", f"rule_dirs:\n- {rules}\n"))
    result = run([*SERVE, "--cert", str(certs.cert), "--key", str(certs.key), "--host", "127.0.0.1", "--port", "0",
                  "--config", str(config)], tmp_path)
    assert result.returncode == 2
    assert "BRK001.rule:3" in result.stderr
    assert '"msg":"rules failed to compile"' in result.stdout


def test_certs_writes_files_and_prints_the_ca_bundle(tmp_path):
    result = run([sys.executable, "-m", "webhook", "certs", "--namespace", "egress", "--out-dir", "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    ca_pem = (tmp_path / "out" / "ca.crt").read_bytes()
    assert base64.b64decode(result.stdout.strip()) == ca_pem
    cert = x509.load_pem_x509_certificate((tmp_path / "out" / "tls.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert names == ["policylint-webhook", "policylint-webhook.egress", "policylint-webhook.egress.svc",
                     "policylint-webhook.egress.svc.cluster.local"]
    ca = x509.load_pem_x509_certificate(ca_pem)
    cert.verify_directly_issued_by(ca)
    assert oct((tmp_path / "out" / "tls.key").stat().st_mode & 0o777) == "0o600"
