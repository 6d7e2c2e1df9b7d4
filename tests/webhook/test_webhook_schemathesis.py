"""Schemathesis against the running webhook's own OpenAPI description: no 5xx, answers as documented.

Bounded: a fixed seed and at most 150 examples per operation (a few hundred requests, seconds).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance," \
         "positive_data_acceptance"


def test_openapi_describes_validate(webhook):
    spec = webhook.client().get("/openapi.json").json()
    operation = spec["paths"]["/validate"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["kind"] == {"const": "AdmissionReview"}
    assert set(operation["responses"]) == {"200", "400", "503"}


def test_no_server_errors_and_documented_answers(webhook, tmp_path):
    result = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{webhook.base_url}/openapi.json",
         "--tls-verify", str(webhook.certs.ca),
         "--checks", CHECKS,
         "--max-examples", "150", "--seed", "20261121", "--generation-database", "none",
         "--workers", "1", "--request-timeout", "5", "--no-color",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    generated = int(re.search(r"(\d+) generated", result.stdout).group(1))
    assert generated >= 200
    # The webhook stayed up and kept answering.
    assert webhook.client().get("/healthz").status_code == 200
