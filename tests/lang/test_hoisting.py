"""`when` operands run as early as the variables they name allow: before loops they do not depend on."""
from __future__ import annotations

from policylint.lang import generated_source

RULE = '''rule TST960 hoisted {
  severity: warning
  kinds: ["Service"]
  summary: "test"
  param on = true
  let named = has(metadata.name)
  for port in spec.ports
  let number = port.port
  when: number > 1000 && params.on && named && kind == "Service"
  message: "{number}"
  doc: """
## What it does
x
## Why it matters
x
## Example
x
## How to fix
x
"""
}
'''


def test_operands_move_before_the_loop_they_do_not_need(tmp_path, lang):
    rule = tmp_path / "TST960.rule"
    rule.write_text(RULE)
    code = generated_source(str(rule)).splitlines()
    loop = next(i for i, line in enumerate(code) if line.lstrip().startswith("for "))
    params_test = code.index("    if p_on:")
    kind_test = next(i for i, line in enumerate(code) if "== 'Service'" in line)
    number_test = next(i for i, line in enumerate(code) if "1000" in line)
    assert params_test < kind_test < loop < number_test


def test_hoisting_keeps_the_results(lang):
    body = ("param on = true\nlet named = has(metadata.name)\nfor port in spec.ports\nlet number = port.port\n"
            "when: number > 1000 && params.on && named\nmessage: '{number}'")
    data = {"metadata": {"name": "a"}, "spec": {"ports": [{"port": 80}, {"port": 8080}, {"port": 9090}]}}
    assert [h.message for h in lang.hits(body, data)] == ["8080", "9090"]
    assert lang.hits(body, data, params={"on": False}) == []
    assert lang.hits(body, {"spec": data["spec"]}) == []
