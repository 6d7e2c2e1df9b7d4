"""Immutable values shared by every layer: severities, resources, findings, field paths."""
from __future__ import annotations

import dataclasses
import enum
import json
import re
from dataclasses import dataclass

Path = tuple  # tuple[str | int, ...]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls(text)
        except ValueError:
            raise ValueError(f"unknown severity {text!r}: expected error, warning or info") from None

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


def _fast_init(cls):
    """Give a frozen slots dataclass an `__init__` with the same signature that fills the slots through their
    descriptors: about twice as fast as the generated one (one `object.__setattr__` lookup and call per field),
    and findings are built once per hit."""
    namespace: dict = {}
    params, body = [], []
    for f in dataclasses.fields(cls):
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), namespace)  # noqa: S102 - our own text
    namespace["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = namespace["__init__"]
    return cls


@_fast_init
@dataclass(frozen=True, slots=True)
class Resource:
    api_version: str | None
    kind: str | None
    namespace: str | None
    name: str | None

    def label(self) -> str:
        """`Kind namespace/name` as shown in reports."""
        name = self.name or "<unnamed>"
        qualified = f"{self.namespace}/{name}" if self.namespace else name
        return f"{self.kind or '<no kind>'} {qualified}"


@_fast_init
@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    resource: Resource | None = None
    path: str | None = None
    istio_code: str | None = None
    fix: str | None = None
    suppressed: bool = False
    suppression_reason: str | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.message)


def render_path(path: Path) -> str:
    """`("spec", "ports", 1, "protocol")` -> `spec.ports[1].protocol`."""
    try:
        return _rendered[path]
    except (KeyError, TypeError):  # TypeError: a segment that is not hashable (never from the engine)
        pass
    text = _render_path(path)
    if len(_rendered) >= 4096:  # the same few paths recur (every admission of a kind); bound the rest
        _rendered.clear()
    try:
        _rendered[path] = text
    except TypeError:
        pass
    return text


_rendered: dict = {}


def _render_path(path: Path) -> str:
    out: list[str] = []
    for seg in path:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif _IDENT.match(seg):
            out.append(f".{seg}" if out else seg)
        else:
            out.append(f"[{json.dumps(seg)}]")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What reporters and `policylint rules/explain` need to know about a rule (no code)."""

    id: str
    name: str
    severity: Severity
    summary: str
    doc: str
    istio_code: str | None = None
    kinds: tuple = ()
    source: str | None = None


@_fast_init
@dataclass(frozen=True, slots=True)
class Summary:
    files: int = 0
    documents: int = 0
    skipped: int = 0
    parse_errors: int = 0


@_fast_init
@dataclass(frozen=True, slots=True)
class LintReport:
    """The result of one lint run: findings in deterministic order (suppressed ones flagged) and counts."""

    findings: tuple = ()
    summary: Summary = Summary()

    def active(self) -> tuple:
        return tuple(f for f in self.findings if not f.suppressed)

    def suppressed(self) -> tuple:
        return tuple(f for f in self.findings if f.suppressed)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if not f.suppressed and f.severity is severity)
