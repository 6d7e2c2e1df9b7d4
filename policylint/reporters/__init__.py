"""Output formats of `policylint lint`: pure functions from a LintReport (and rule metadata) to text.

    render(fmt, report, rules, *, color=False, show_suppressed=False, tool_version=__version__) -> str

`fmt` is one of FORMATS. The output is deterministic: same input, same bytes. The formats are described in
docs/output-formats.md; the JSON format's schema is policylint/schemas/output.schema.json.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .. import __version__
from ..model import LintReport, RuleInfo
from importlib import import_module

from ._common import rule_table

FORMATS = ("text", "json", "sarif", "github")

# Modules are imported when their format is asked for: a text run never pays for SARIF.
_RENDERERS = {"text": "text", "json": "json_output", "sarif": "sarif", "github": "github"}


def render(fmt: str, report: LintReport, rules: Mapping[str, RuleInfo] | Iterable[RuleInfo], *,
           color: bool = False, show_suppressed: bool = False, tool_version: str = __version__) -> str:
    """The report in format `fmt`. `rules` maps rule id -> RuleInfo (an iterable of RuleInfo is accepted too).

    `color` only affects `text`; `show_suppressed` affects `text` and `github` (JSON and SARIF always list
    suppressed findings, flagged).
    """
    try:
        module = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r}: expected one of {', '.join(FORMATS)}") from None
    renderer = import_module(f".{module}", __name__).render
    return renderer(report, rule_table(rules), color=color, show_suppressed=show_suppressed,
                    tool_version=tool_version)


__all__ = ["FORMATS", "render"]
