"""Structure checks: validate a document against the JSON Schema of its kind.

`schema_violations(data, crd_paths)` is the work behind the rule-language builtin `schemaViolations(self)`.
It picks a schema by the document's group, kind and version:

1. a CustomResourceDefinition given with `--crd FILE` or the config key `crds` (each served version's
   `schema.openAPIV3Schema`, converted to JSON Schema by `crd_to_json_schema`), which takes precedence;
2. the schemas shipped in `policylint/schemas/kinds/<group or core>/<Kind>[.<version>].json`.

Validation uses jsonschema-rs: a compiled validator per schema, `is_valid` first (the common case costs a few
microseconds), `iter_errors` only for documents that fail. Without jsonschema-rs installed, the `jsonschema`
package does the same work about fifty times slower, with the same results. Each error becomes a plain map
the rules read:

    {"path": [segments...], "keyword": "additionalProperties" | "type" | "enum" | "required" | "oneOf" | ...,
     "message": "...", "field": <offending key or null>, "expected": ..., "fix": <suggested value or null>,
     "suggestion": <"did you mean" text or null>}

An `additionalProperties` error becomes one violation per unknown key, with the path of that key.
"""
from __future__ import annotations

import base64
import datetime as _dt
import difflib
import functools
import json
import os
import re
import threading
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any

# jsonschema-rs is imported on first use: every start loads this module, few runs validate a document.
_UNSET = object()
jsonschema_rs: Any = _UNSET

from ..model import render_path

KINDS_DIR = Path(__file__).resolve().parent.parent / "schemas" / "kinds"

# Groups whose kinds moved: a document in the old group is checked with the new group's schema.
_GROUP_ALIASES = {"extensions": "apps"}

# Keywords reported one per unknown key.
_SEPARATE_KEYS = ("additionalProperties", "unevaluatedProperties")


# ---------------------------------------------------------------------------------------------------------
# OpenAPI v3 (Kubernetes structural schema) -> JSON Schema 2020-12
# ---------------------------------------------------------------------------------------------------------

# Keywords copied as they are (value validations that mean the same in both dialects).
_COPIED = (
    "enum", "maximum", "minimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "maxProperties", "minProperties", "required", "multipleOf",
)
# Dropped: documentation, defaulting, CEL and list/map semantics that JSON Schema cannot express.
# (`description`, `default`, `example`, `format`, `x-kubernetes-validations`, `x-kubernetes-list-type`,
# `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`, `externalDocs`, `title`.)

LOOSE_METADATA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": {"type": ["object", "null"], "additionalProperties": {"type": ["string", "null"]}},
        "annotations": {"type": ["object", "null"], "additionalProperties": {"type": ["string", "null"]}},
    },
}


def crd_to_json_schema(openapi: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a CRD version's `openAPIV3Schema` into a JSON Schema for the whole object.

    Follows the apiserver's structural-schema semantics: an object with specified fields and neither
    `additionalProperties` nor `x-kubernetes-preserve-unknown-fields` has its unknown fields pruned (or
    rejected under strict field validation), so the JSON Schema closes it with `additionalProperties: false`.
    `nullable: true` adds `null` to the type, `x-kubernetes-int-or-string` gives `["integer", "string"]`. At the
    root, `apiVersion`, `kind` and `metadata` are implicit; `metadata` is checked loosely (name, namespace,
    labels and annotations types).
    """
    root = _convert(openapi, structural=True)
    props = root.setdefault("properties", {})
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    props["metadata"] = LOOSE_METADATA
    root["type"] = "object"
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return root


def _convert(node: Any, *, structural: bool) -> Any:
    if isinstance(node, bool):
        return node
    if not isinstance(node, Mapping):
        return {}
    out: dict[str, Any] = {}
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    nullable = node.get("nullable") is True
    int_or_string = node.get("x-kubernetes-int-or-string") is True
    embedded = node.get("x-kubernetes-embedded-resource") is True

    types: list[str] = []
    if int_or_string:
        types = ["integer", "string"]
    elif isinstance(node.get("type"), str):
        types = [node["type"]]
    if types and nullable:
        types.append("null")
    if types:
        out["type"] = types[0] if len(types) == 1 else types

    for key in _COPIED:
        if key in node:
            out[key] = list(node[key]) if isinstance(node[key], list) else node[key]
    if nullable and "enum" in out and None not in out["enum"]:
        out["enum"].append(None)
    # OpenAPI v3.0 boolean exclusive bounds -> JSON Schema numeric bounds.
    if node.get("exclusiveMinimum") is True and "minimum" in out:
        out["exclusiveMinimum"] = out.pop("minimum")
    if node.get("exclusiveMaximum") is True and "maximum" in out:
        out["exclusiveMaximum"] = out.pop("maximum")

    props = node.get("properties")
    if isinstance(props, Mapping):
        out["properties"] = {str(k): _convert(v, structural=structural) for k, v in props.items()}
    if embedded:
        out.setdefault("properties", {})
        out["properties"].setdefault("apiVersion", {"type": "string"})
        out["properties"].setdefault("kind", {"type": "string"})
        out["properties"].setdefault("metadata", LOOSE_METADATA)
    extra = node.get("additionalProperties")
    if isinstance(extra, bool):
        out["additionalProperties"] = extra
    elif isinstance(extra, Mapping):
        out["additionalProperties"] = _convert(extra, structural=structural)
    elif structural and not preserve and (node.get("type") == "object" or "properties" in node):
        out["additionalProperties"] = False
    if "items" in node:
        out["items"] = _convert(node["items"], structural=structural)

    for key in ("allOf", "anyOf", "oneOf"):
        branches = node.get(key)
        if not isinstance(branches, list):
            continue
        if key == "anyOf" and int_or_string and _is_int_or_string_pair(branches):
            continue
        # Branches are value validations only: they never close objects.
        out[key] = [_convert(b, structural=False) for b in branches]
    if isinstance(node.get("not"), Mapping):
        out["not"] = _convert(node["not"], structural=False)
    return out


def _is_int_or_string_pair(branches: list) -> bool:
    kinds = sorted(b.get("type", "") for b in branches if isinstance(b, Mapping))
    return kinds == ["integer", "string"] and len(branches) == 2


def crd_schemas(crd: Mapping[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """{(group, kind, version): JSON Schema} for each served version of one CRD manifest."""
    spec = crd.get("spec") if isinstance(crd, Mapping) else None
    if not isinstance(spec, Mapping):
        return {}
    group = spec.get("group")
    names = spec.get("names") if isinstance(spec.get("names"), Mapping) else {}
    kind = names.get("kind")
    if not isinstance(group, str) or not isinstance(kind, str):
        return {}
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    shared = spec.get("validation", {}).get("openAPIV3Schema") if isinstance(spec.get("validation"), Mapping) else None
    versions = spec.get("versions")
    if isinstance(versions, list) and versions:
        for entry in versions:
            if not isinstance(entry, Mapping) or entry.get("served") is False:
                continue
            name = entry.get("name")
            schema = entry.get("schema", {}).get("openAPIV3Schema") if isinstance(entry.get("schema"), Mapping) else None
            schema = schema or shared
            if isinstance(name, str) and isinstance(schema, Mapping):
                out[(group, kind, name)] = crd_to_json_schema(schema)
    elif isinstance(spec.get("version"), str) and isinstance(shared, Mapping):  # apiextensions v1beta1 form
        out[(group, kind, spec["version"])] = crd_to_json_schema(shared)
    return out


# ---------------------------------------------------------------------------------------------------------
# Schema store: built-in schemas and CRDs, compiled once
# ---------------------------------------------------------------------------------------------------------


class CrdError(Exception):
    """A CRD file that cannot be read."""


class _Compiled:
    __slots__ = ("schema", "validator", "origin")

    def __init__(self, schema: dict[str, Any], origin: str) -> None:
        self.schema = schema
        self.origin = origin
        self.validator = compile_validator(schema)


def compile_validator(schema: Mapping[str, Any]):
    """A jsonschema-rs validator; the slower `jsonschema` package (a core dependency) when jsonschema-rs is not
    installed, behind the same `is_valid` / `iter_errors` interface."""
    global jsonschema_rs
    if jsonschema_rs is _UNSET:
        try:
            import jsonschema_rs as module
        except ImportError:  # pragma: no cover - exercised by forcing the fallback in tests
            module = None
        jsonschema_rs = module
    if jsonschema_rs is not None:
        return jsonschema_rs.validator_for(schema)
    return _FallbackValidator(schema)


class _Kind:
    """Stands in for jsonschema_rs.ValidationErrorKind."""

    def __init__(self, name: str, **values: Any) -> None:
        self.name = name
        self.__dict__.update(values)


class _Error:
    """Stands in for jsonschema_rs.ValidationError."""

    __slots__ = ("kind", "instance_path", "schema_path", "instance", "message")

    def __init__(self, kind: _Kind, error, message: str | None = None) -> None:
        self.kind = kind
        self.instance_path = list(error.absolute_path)
        self.schema_path = list(error.absolute_schema_path)
        self.instance = error.instance
        self.message = message or error.message


class _FallbackValidator:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        import jsonschema

        self._validator = jsonschema.Draft202012Validator(schema)

    def is_valid(self, instance: Any) -> bool:
        return self._validator.is_valid(instance)

    def iter_errors(self, instance: Any):
        required_seen: set[tuple] = set()
        for error in self._validator.iter_errors(instance):
            keyword, value, obj = error.validator, error.validator_value, error.instance
            if keyword in _SEPARATE_KEYS:
                known = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
                yield _Error(_Kind(keyword, unexpected=[k for k in obj if k not in known]), error)
            elif keyword == "type":
                yield _Error(_Kind("type", types=[value] if isinstance(value, str) else list(value)), error)
            elif keyword == "enum":
                yield _Error(_Kind("enum", options=list(value)), error)
            elif keyword == "required":
                where = tuple(error.absolute_path)
                if where in required_seen:  # one jsonschema error per missing field: all handled below
                    continue
                required_seen.add(where)
                for name in value:
                    if isinstance(obj, Mapping) and name not in obj:
                        yield _Error(_Kind("required", property=name), error)
            elif keyword == "pattern":
                yield _Error(_Kind("pattern", pattern=value), error)
            else:
                yield _Error(_Kind(keyword, limit=value), error)


class SchemaStore:
    """Compiled validators keyed by (group, kind, version); thread-safe, cheap after the first document."""

    def __init__(self, kinds_dir: Path = KINDS_DIR) -> None:
        self.kinds_dir = kinds_dir
        self._builtin: dict[tuple[str, str, str], _Compiled | None] = {}
        self._by_api: dict[tuple[str, str], _Compiled | None] = {}  # (apiVersion, kind) -> as builtin()
        self._files: dict[Path, _Compiled] = {}  # one compiled validator per schema file, whatever the version
        self._crd_files: dict[str, tuple[tuple[int, int], Any]] = {}  # path -> (mtime, size), table or CrdError
        self._lock = threading.Lock()

    # -- built-in schemas -----------------------------------------------------------------------------------

    def builtin(self, group: str, kind: str, version: str) -> _Compiled | None:
        key = (group, kind, version)
        try:
            return self._builtin[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._builtin:
                self._builtin[key] = self._load_builtin(group, kind, version)
            return self._builtin[key]

    def builtin_for(self, api_version: str, kind: str) -> _Compiled | None:
        """builtin() for a document's apiVersion and kind: one dict lookup per document."""
        try:
            return self._by_api[(api_version, kind)]
        except KeyError:
            pass
        group, _, version = api_version.rpartition("/")
        compiled = self.builtin(group, kind, version)
        if len(self._by_api) >= 4096:  # odd apiVersions from a long-running webhook must not pile up
            self._by_api.clear()
        self._by_api[(api_version, kind)] = compiled
        return compiled

    def _load_builtin(self, group: str, kind: str, version: str) -> _Compiled | None:
        if not _SAFE_NAME.match(kind) or not _SAFE_GROUP.match(group or "core") or not _SAFE_NAME.match(version or "x"):
            return None
        folder = self.kinds_dir / (_GROUP_ALIASES.get(group, group) or "core")
        candidates = [folder / f"{kind}.{version}.json"] if version else []
        candidates.append(folder / f"{kind}.json")
        for candidate in candidates:
            compiled = self._files.get(candidate)
            if compiled is not None:
                return compiled
            if candidate.is_file():
                schema = json.loads(candidate.read_text(encoding="utf-8"))
                compiled = self._files[candidate] = _Compiled(schema, str(candidate.relative_to(self.kinds_dir)))
                return compiled
        return None

    # -- CRDs -----------------------------------------------------------------------------------------------

    def crd(self, paths: Iterable[str], group: str, kind: str, version: str) -> tuple[_Compiled | None, bool]:
        """(validator for this version, whether some CRD defines the kind at all); later files win."""
        found: _Compiled | None = None
        defined = False
        for path in paths:
            try:
                table = self._crd_table(path)
            except CrdError:  # reported once by check_crd_files(); here a broken file is skipped
                continue
            versions = table.get((group, kind))
            if versions is None:
                continue
            defined = True
            if version in versions:
                found = versions[version]
        return found, defined

    def crd_versions(self, paths: Iterable[str], group: str, kind: str) -> list[str]:
        out: list[str] = []
        for path in paths:
            try:
                table = self._crd_table(path)
            except CrdError:
                continue
            for version in table.get((group, kind), {}):
                if version not in out:
                    out.append(version)
        return out

    def _crd_table(self, path: str) -> dict[tuple[str, str], dict[str, _Compiled]]:
        try:
            st = os.stat(path)
        except OSError as exc:
            raise CrdError(f"{path}: cannot read CRD file: {exc.strerror or exc}") from None
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._crd_files.get(path)
        if cached is None or cached[0] != stamp:
            with self._lock:
                cached = self._crd_files.get(path)
                if cached is None or cached[0] != stamp:
                    try:
                        cached = (stamp, load_crd_file(path))
                    except CrdError as exc:
                        cached = (stamp, exc)
                    self._crd_files[path] = cached
        if isinstance(cached[1], CrdError):
            raise cached[1]
        return cached[1]


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
_SAFE_GROUP = re.compile(r"[a-z0-9][a-z0-9.-]*\Z")


def load_crd_file(path: str) -> dict[tuple[str, str], dict[str, _Compiled]]:
    """Every CustomResourceDefinition in a YAML/JSON file (several documents, or a `kind: List`)."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
        documents = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except OSError as exc:
        raise CrdError(f"{path}: cannot read CRD file: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CrdError(f"{path}: not a YAML file: {exc}") from None
    table: dict[tuple[str, str], dict[str, _Compiled]] = {}
    for doc in _crd_documents(documents):
        for (group, kind, version), schema in crd_schemas(doc).items():
            try:
                compiled = _Compiled(schema, f"{path} ({group}/{version} {kind})")
            except ValueError as exc:
                raise CrdError(f"{path}: {kind} {version}: schema cannot be compiled: {exc}") from None
            table.setdefault((group, kind), {})[version] = compiled
    if not table:
        raise CrdError(f"{path}: no CustomResourceDefinition with an openAPIV3Schema found")
    return table


def _crd_documents(documents: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for doc in documents:
        if not isinstance(doc, Mapping):
            continue
        if doc.get("kind") == "CustomResourceDefinition":
            yield doc
        elif doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            yield from _crd_documents(doc["items"])


STORE = SchemaStore()


# ---------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------

_MEMO_SIZE = 8
# (data, crd paths, result), newest first: the SCH rules of one document share one validation. Entries hold a
# reference to their document, so an id is never reused while it is remembered. Documents are never mutated
# while rules run (builtins must not mutate their arguments).
_memo: list[tuple[Any, tuple, list]] = []


def schema_violations(data: Any, crd_paths: Iterable[str] | None = None, *, store: SchemaStore = STORE) -> list[dict]:
    """The structure violations of one document (an empty list when its kind has no schema)."""
    paths = tuple(p for p in crd_paths if isinstance(p, str)) if crd_paths else ()
    for entry in _memo:
        if entry[0] is data and entry[1] == paths:
            return entry[2]
    result = _violations(data, paths, store)
    memo = _memo
    memo.insert(0, (data, paths, result))  # list operations are atomic under the GIL; a lost entry costs a rerun
    if len(memo) > _MEMO_SIZE:
        del memo[_MEMO_SIZE:]
    return result


def _violations(data: Any, paths: tuple, store: SchemaStore) -> list[dict]:
    if type(data) is not dict and not isinstance(data, Mapping):
        return []
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not kind:
        return []
    compiled = None
    if paths:
        group, _, version = api_version.rpartition("/")
        compiled, defined = store.crd(paths, group, kind, version)
        if compiled is None and defined:
            served = store.crd_versions(paths, group, kind)
            return [_violation(
                ["apiVersion"], "apiVersion",
                f"{kind} version {_show(version)} is not served by the given CRD (served: {', '.join(served)})",
                "apiVersion", [f"{group}/{v}" for v in served],
            )]
    if compiled is None:
        compiled = store.builtin_for(api_version, kind)
    if compiled is None:
        return []
    validator = compiled.validator
    try:
        if validator.is_valid(data):
            return []
    except ValueError:  # a YAML value JSON has no type for (dates, binary, non-string keys)
        pass
    instance = normalize(data)
    try:
        errors = list(validator.iter_errors(instance))
    except ValueError:
        return []
    out: list[dict] = []
    for error in errors:
        if _placeholder(error.instance) and error.kind.name in ("type", "enum", "pattern"):
            continue  # `$PORT`, `${PORT}`, `{{ .Values.port }}`: a value filled in later, not a wrong one
        out.extend(_describe(error, compiled.schema, instance))
    if api_version.rpartition("/")[0] == "networking.istio.io":
        for v in out:
            v["coveredBy"] = covered_by(kind, v)
    # `sni_hosts` (unknown, did you mean "sniHosts"?) already says that `sniHosts` is missing.
    renamed = {(tuple(v["path"][:-1]), v["suggestion"]) for v in out if v["keyword"] == "additionalProperties"}
    out = [v for v in out if not (v["keyword"] == "required" and (tuple(v["path"]), v["field"]) in renamed)]
    out.sort(key=lambda v: (_sort_path(v["path"]), v["keyword"], v["field"] or ""))
    return out


_PLACEHOLDER = re.compile(r"\s*(\$[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]*\}|\{\{.*\}\}|<[A-Za-z_][A-Za-z0-9_ -]*>)\s*\Z", re.S)


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and _PLACEHOLDER.match(value) is not None


# Violations that a kind's own rule reports with more context: the structure rules skip them (`coveredBy`).
# Key: (kind, keyword); value: (path pattern, rule id) pairs. In a pattern "*" stands for any list index and
# "{}" for any map key; for `required` the missing field is appended to the path.
_VS_DESTINATIONS = (("http", "route"), ("http", "mirrors"), ("tcp", "route"), ("tls", "route"))
_DR_POLICIES = (
    ("spec", "trafficPolicy"), ("spec", "trafficPolicy", "portLevelSettings", "*"),
    ("spec", "subsets", "*", "trafficPolicy"), ("spec", "subsets", "*", "trafficPolicy", "portLevelSettings", "*"),
)
COVERED: dict[tuple[str, str], tuple[tuple[tuple, str], ...]] = {
    ("ServiceEntry", "required"): (
        (("spec",), "SE101"), (("spec", "hosts"), "SE101"),
        (("spec", "ports", "*", "number"), "SE120"), (("spec", "ports", "*", "name"), "SE122"),
    ),
    ("ServiceEntry", "minItems"): ((("spec", "hosts"), "SE101"),),
    ("ServiceEntry", "maxItems"): ((("spec", "hosts"), "SE101"),),
    ("ServiceEntry", "type"): (
        (("spec", "addresses", "*"), "SE110"), (("spec", "ports", "*", "name"), "SE122"),
        (("spec", "endpoints", "*", "labels", "{}"), "SE150"), (("spec", "exportTo", "*"), "SE161"),
    ),
    ("ServiceEntry", "maxLength"): (
        (("spec", "addresses", "*"), "SE110"), (("spec", "ports", "*", "name"), "SE122"),
    ),
    ("ServiceEntry", "minimum"): (
        (("spec", "ports", "*", "number"), "SE120"), (("spec", "ports", "*", "targetPort"), "SE121"),
        (("spec", "endpoints", "*", "ports", "{}"), "SE149"),
    ),
    ("ServiceEntry", "maximum"): (
        (("spec", "ports", "*", "number"), "SE120"), (("spec", "ports", "*", "targetPort"), "SE121"),
        (("spec", "endpoints", "*", "ports", "{}"), "SE149"),
    ),
    ("DestinationRule", "type"): (
        *(((*policy, "loadBalancer", "localityLbSetting", "distribute", "*", "to"), "DR912") for policy in _DR_POLICIES),
        *(((*policy, "loadBalancer", "localityLbSetting", "distribute", "*", "to", "{}"), "DR912")
          for policy in _DR_POLICIES),
    ),
    ("DestinationRule", "minimum"): tuple(
        ((*policy, "loadBalancer", "localityLbSetting", "distribute", "*", "to", "{}"), "DR912") for policy in _DR_POLICIES),
    ("DestinationRule", "maximum"): tuple(
        ((*policy, "loadBalancer", "localityLbSetting", "distribute", "*", "to", "{}"), "DR912") for policy in _DR_POLICIES),
    ("VirtualService", "required"): (
        *((("spec", section, "*", group, "*", "destination"), "DR950") for section, group in _VS_DESTINATIONS),
        *((("spec", section, "*", group, "*", "destination", "host"), "DR950") for section, group in _VS_DESTINATIONS),
        (("spec", "http", "*", "mirror", "host"), "DR953"),
    ),
    ("VirtualService", "type"): (
        *((("spec", section, "*", group, "*", "destination"), "DR950") for section, group in _VS_DESTINATIONS),
        *((("spec", section, "*", group, "*", "destination", "host"), "DR950") for section, group in _VS_DESTINATIONS),
        (("spec", "http", "*", "mirror", "host"), "DR953"),
    ),
    ("Sidecar", "required"): (
        (("spec", "egress", "*", "hosts"), "SC503"),
        (("spec", "outboundTrafficPolicy", "egressProxy", "host"), "SC513"),
    ),
    ("Sidecar", "type"): (
        (("spec", "egress", "*", "port", "number"), "SC505"), (("spec", "outboundTrafficPolicy", "mode"), "SC515"),
    ),
    ("Sidecar", "minimum"): ((("spec", "egress", "*", "port", "number"), "SC505"),),
    ("Sidecar", "maximum"): ((("spec", "egress", "*", "port", "number"), "SC505"),),
    ("Sidecar", "enum"): ((("spec", "outboundTrafficPolicy", "mode"), "SC515"),),
}


def covered_by(kind: str, violation: Mapping[str, Any]) -> str | None:
    """The id of the rule that already reports this violation, or None."""
    patterns = COVERED.get((kind, violation["keyword"]))
    if not patterns:
        return None
    path = list(violation["path"])
    if violation["keyword"] == "required":
        path.append(violation["field"])
    for pattern, rule_id in patterns:
        if len(pattern) == len(path) and all(
            (p == "*" and isinstance(seg, int)) or (p == "{}" and isinstance(seg, str)) or p == seg
            for p, seg in zip(pattern, path)
        ):
            return rule_id
    return None


_SCALARS = frozenset({str, int, float, bool})


def normalize(value: Any) -> Any:
    """What the API server would see after decoding the YAML: null fields pruned, dates and keys as strings."""
    t = type(value)
    if t in _SCALARS:
        return value
    if t is dict:
        return {k if type(k) is str else _key(k): normalize(v) for k, v in value.items() if v is not None}
    if t is list:
        return [normalize(v) for v in value]
    if isinstance(value, Mapping):
        return {_key(k): normalize(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple):
        return [normalize(v) for v in value]
    return value


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def _sort_path(path: list) -> list:
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path]


def _violation(path, keyword, message, field, expected, fix=None, suggestion=None) -> dict:
    return {"path": list(path), "keyword": keyword, "message": message, "field": field,
            "expected": expected, "fix": fix, "suggestion": suggestion, "coveredBy": None}


def _describe(error, schema: Mapping[str, Any], instance: Any) -> list[dict]:
    kind = error.kind
    keyword = kind.name
    path = list(error.instance_path)
    where = _render(path)
    field = path[-1] if path and isinstance(path[-1], str) else None

    if keyword in _SEPARATE_KEYS:
        sub = _subschema(schema, error.schema_path[:-1])
        allowed = sorted(sub.get("properties", {})) if isinstance(sub, Mapping) else []
        inside = f"in {where}" if path else "at the top level"
        out = []
        for key in kind.unexpected:
            hint = did_you_mean(key, allowed)
            if hint:
                message = f"unknown field {_show(key)} {inside}: did you mean {_show(hint)}?"
            elif not path and key in LOOSE_METADATA["properties"]:
                message = f"unknown field {_show(key)} at the top level: it belongs under metadata (wrong indentation?)"
            elif key in _REMOVED and _REMOVED[key][0] == instance.get("kind"):
                message = f"unknown field {_show(key)} {inside}: {_REMOVED[key][1]}"
            elif below := _nested_home(sub, key):
                prefix = f"{where}." if path else ""
                message = (f"unknown field {_show(key)} {inside}: it belongs under "
                           f"{_or(prefix + b for b in below)} (wrong indentation?)")
            elif allowed and len(allowed) <= 16:
                message = f"unknown field {_show(key)} {inside} (known fields: {', '.join(allowed)})"
            else:
                message = f"unknown field {_show(key)} {inside}"
            out.append(_violation([*path, key], "additionalProperties", message, key, allowed,
                                  suggestion=hint))
        return out

    if keyword == "type":
        expected = [t for t in kind.types if t != "null"] or list(kind.types)
        value = error.instance
        message = (f"{where} must be {_or(_a_type(t) for t in expected)}, "
                   f"not {_a_type(_json_type(value))} ({_show(value)})")
        if expected == ["string"] and isinstance(value, (bool, int, float)):
            message += ": quote the value as written (YAML reads unquoted true, no, on, 8080 or 1.10 as non-strings)"
        return [_violation(path, "type", message, field, expected, fix=_type_fix(value, expected))]

    if keyword == "enum":
        options = [o for o in kind.options if o is not None]
        value = error.instance
        hint = _enum_hint(value, options)
        message = f"{where} is {_show(value)}, which is not one of {', '.join(map(_show_bare, options))}"
        if hint is not None:
            message += f" (values are case-sensitive: did you mean {_show(hint)}?)"
        return [_violation(path, "enum", message, field, options, fix=hint,
                           suggestion=hint)]

    if keyword == "required":
        missing = kind.property
        message = f"{where} is missing the required field {_show(missing)}"
        return [_violation(path, "required", message, missing, missing)]

    if keyword in ("oneOf", "OneOfMultipleValid", "OneOfNotValid"):
        keyword = "oneOf"
    if keyword == "oneOf":
        sub = _subschema(schema, error.schema_path)
        names = _exclusive_names(sub)
        obj = error.instance if isinstance(error.instance, Mapping) else {}
        present = [n for n in names if n in obj]
        if len(present) > 1:
            message = (f"{where} sets {_and(_show(p) for p in present)}, but only one of "
                       f"{', '.join(names)} may be set")
            return [_violation([*path, present[-1]], "oneOf", message, present[-1], names)]
        return [_violation(path, "oneOf", f"{where}: {error.message}", field, names)]

    limit = getattr(kind, "limit", None)
    if keyword == "pattern":
        limit = kind.pattern
    return [_violation(path, keyword, _limit_message(keyword, where, error.instance, limit, error.message),
                       field, limit)]


def _limit_message(keyword: str, where: str, value: Any, limit: Any, fallback: str) -> str:
    """The library-independent message of a limit keyword (jsonschema-rs and jsonschema word them differently)."""
    size = len(value) if isinstance(value, (str, list, Mapping)) else None
    templates = {
        "maximum": f"{where} is {_show(value)}, more than the maximum {limit}",
        "minimum": f"{where} is {_show(value)}, less than the minimum {limit}",
        "exclusiveMaximum": f"{where} is {_show(value)}, but must be less than {limit}",
        "exclusiveMinimum": f"{where} is {_show(value)}, but must be more than {limit}",
        "maxLength": f"{where} is {size} characters long, more than the {limit} allowed",
        "minLength": f"{where} is {size} characters long, fewer than the {limit} required",
        "maxItems": f"{where} has {size} items, more than the {limit} allowed",
        "minItems": f"{where} has {size} items, fewer than the {limit} required",
        "maxProperties": f"{where} has {size} entries, more than the {limit} allowed",
        "minProperties": f"{where} has {size} entries, fewer than the {limit} required",
        "pattern": f"{where} is {_show(value)}, which does not match the pattern {limit}",
        "uniqueItems": f"{where} has duplicate items",
        "multipleOf": f"{where} is {_show(value)}, not a multiple of {limit}",
    }
    return templates.get(keyword) or f"{where}: {fallback}"


# Fields of old Istio releases that the current API (and so its CRD) no longer has: unknown today.
_REMOVED = {
    "appendHeaders": ("VirtualService", "old Istio releases had it; the current API uses headers.request.set"),
    "appendRequestHeaders": ("VirtualService", "old Istio releases had it; the current API uses headers.request.add"),
    "removeRequestHeaders": ("VirtualService",
                             "old Istio releases had it; the current API uses headers.request.remove"),
    "appendResponseHeaders": ("VirtualService",
                              "old Istio releases had it; the current API uses headers.response.add"),
    "removeResponseHeaders": ("VirtualService",
                              "old Istio releases had it; the current API uses headers.response.remove"),
    "websocketUpgrade": ("VirtualService", "old Istio releases had it; WebSocket upgrades need no setting today"),
}


def _nested_home(sub: Any, key: str) -> list[str]:
    """The object fields one or two levels below `sub` (through lists) whose schema has the property `key`:
    where a misindented field belongs (`spec.tls` of a DestinationRule -> `trafficPolicy`). The shallowest
    level that has any, as display paths (`http[]`, `trafficPolicy.portLevelSettings[]`); at most three."""
    levels: list[list[str]] = [[], []]

    def children(node: Any) -> Iterable[tuple[str, Mapping]]:
        props = node.get("properties") if isinstance(node, Mapping) else None
        for name, prop in (props or {}).items():
            if isinstance(prop, Mapping) and isinstance(prop.get("items"), Mapping):
                yield f"{name}[]", prop["items"]
            elif isinstance(prop, Mapping):
                yield name, prop

    for first, node in children(sub):
        if key in (node.get("properties") or {}):
            levels[0].append(first)
        for second, deeper in children(node):
            if key in (deeper.get("properties") or {}):
                levels[1].append(f"{first}.{second}")
    found = levels[0] or levels[1]
    return found if len(found) <= 3 else []


def _subschema(schema: Any, schema_path: Iterable) -> Any:
    node = schema
    for seg in schema_path:
        try:
            node = node[seg]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _exclusive_names(sub: Any) -> list[str]:
    names: list[str] = []
    if isinstance(sub, list):
        for branch in sub:
            if isinstance(branch, Mapping):
                for name in branch.get("required", ()):
                    if name not in names:
                        names.append(name)
    return names


def did_you_mean(key: str, allowed: list[str]) -> str | None:
    """The known field an unknown one was probably meant to be: same letters ignoring case, `_` and `-`, or a
    close spelling (`protocl` -> `protocol`)."""
    if not allowed or not isinstance(key, str):
        return None
    return _did_you_mean(key, tuple(allowed))


@functools.lru_cache(maxsize=4096)  # the same mistake tends to repeat across a repository's files
def _did_you_mean(key: str, allowed: tuple[str, ...]) -> str | None:
    folded = _fold(key)
    same = [a for a in allowed if _fold(a) == folded]
    if len(same) == 1:
        return same[0]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.75)
    if close:
        return close[0]
    by_fold = {_fold(a): a for a in allowed}
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.75)
    return by_fold[close[0]] if close else None


def _fold(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def _enum_hint(value: Any, options: list) -> Any:
    if isinstance(value, str):
        same = [o for o in options if isinstance(o, str) and _fold(o) == _fold(value)]
        if len(same) == 1:
            return same[0]
        close = difflib.get_close_matches(value.upper(), [o for o in options if isinstance(o, str)], n=1, cutoff=0.8)
        if close:
            return close[0]
    return None


_INT = re.compile(r"[+-]?[0-9]+\Z")


def _type_fix(value: Any, expected: list[str]) -> Any:
    if "integer" in expected and isinstance(value, str) and _INT.match(value.strip()):
        return int(value.strip())
    if "integer" in expected and isinstance(value, float) and value.is_integer():
        return int(value)
    if "number" in expected and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    # A string fix is YAML text with its quotes: `5432` -> `"5432"`. Booleans and floats get none: the
    # spelling is lost in parsing (`on`, `yes` and `True` all read as true; `1.10` reads as 1.1).
    if "string" in expected and isinstance(value, int) and not isinstance(value, bool):
        return json.dumps(str(value))
    if "boolean" in expected and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


_A_TYPE = {
    "object": "a map", "array": "a list", "string": "a string", "integer": "an integer", "number": "a number",
    "boolean": "a boolean", "null": "null",
}


def _a_type(name: str) -> str:
    return _A_TYPE.get(name, name)


def _or(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _and(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _show(value: Any) -> str:
    if isinstance(value, (Mapping, list, tuple)):
        text = json.dumps(value, default=str, separators=(", ", ": "))
        return text if len(text) <= 60 else text[:57] + "..."
    return json.dumps(value, default=str)


def _show_bare(value: Any) -> str:
    return value if isinstance(value, str) else _show(value)


def _render(path: list) -> str:
    return render_path(tuple(path)) if path else "the document"


# ---------------------------------------------------------------------------------------------------------
# Rule-language builtins
# ---------------------------------------------------------------------------------------------------------

from . import builtin  # noqa: E402  (the registry imports this module; keep the plain functions importable)


_last_crd_paths: tuple = (None, ())  # (config, its CRD paths): one config per run, asked once per document


def _crd_paths(env: Any) -> tuple[str, ...]:
    global _last_crd_paths
    config = getattr(env, "config", None)
    if _last_crd_paths[0] is config and config is not None:
        return _last_crd_paths[1]
    paths = _config_crd_paths(config)
    _last_crd_paths = (config, paths)
    return paths


def _config_crd_paths(config: Any) -> tuple[str, ...]:
    crds = config.get("crds") if isinstance(config, Mapping) else None
    if isinstance(crds, str):
        crds = [crds]
    if not isinstance(crds, (list, tuple)):
        return ()
    return tuple(p for p in crds if isinstance(p, str) and p)


@builtin(
    "schemaViolations",
    "structure violations of a document against the JSON Schema of its kind (CRDs from `config.crds` first):"
    " a list of maps {path, keyword, message, field, expected, fix, suggestion}",
    context="env",
)
def schema_violations_builtin(env, obj):
    try:
        last = _last_crd_paths
        paths = last[1] if last[0] is getattr(env, "config", None) and last[0] is not None else _crd_paths(env)
        if not paths and type(obj) is dict:  # the usual case, a valid document of a shipped kind: one test
            api_version, kind = obj.get("apiVersion"), obj.get("kind")
            compiled = STORE.builtin_for(api_version, kind) if type(api_version) is str and type(kind) is str \
                else None
            try:
                if compiled is not None and compiled.validator.is_valid(obj):
                    return []
            except ValueError:  # a YAML value JSON has no type for: the full path below normalises it
                pass
        entry = _memo[0] if _memo else None  # the newest: the seven structure rules ask about a document in a row
        if entry is not None and entry[0] is obj and entry[1] == paths:
            return entry[2]
        return schema_violations(obj, paths)
    except Exception:  # noqa: BLE001 - builtins are total: a broken schema never stops a run
        return []


def check_crd_files(paths: Iterable[str]) -> list[str]:
    """Load every CRD file now; the problems (unreadable file, no CRD, uncompilable schema), one per line.

    The Linter calls this when it starts so that a wrong `--crd` or `crds:` entry is a usage error (exit 2)
    instead of checks that silently fall back to the built-in schemas."""
    problems = []
    for path in paths:
        try:
            STORE._crd_table(path)
        except CrdError as exc:
            problems.append(str(exc))
    return problems
