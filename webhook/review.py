"""AdmissionReview envelopes: parse a request body into an `AdmissionRequest`, encode the response.

Only the envelope fields the webhook uses are checked; the object itself stays plain decoded JSON (no pydantic
model of the review: modelling the whole object costs more than half the throughput, see bench/webhook).
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

try:  # orjson parses and encodes reviews several times faster than json; json is the fallback
    import orjson

    _loads = orjson.loads
    _JSONDecodeError: type[Exception] = orjson.JSONDecodeError
    dumps = orjson.dumps

except ImportError:  # pragma: no cover - exercised only without the optional dependency
    import json

    _loads = json.loads
    _JSONDecodeError = ValueError

    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


REVIEW_VERSIONS = ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")
OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")


class BadReview(ValueError):
    """The body is not an AdmissionReview we can answer; `reason` is a short, fixed label for metrics."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class AdmissionRequest(NamedTuple):
    """The envelope fields the webhook uses. (A NamedTuple: as immutable as a frozen dataclass, and built in a
    sixth of the time, which is a microsecond a request.)"""

    review_version: str  # the request's apiVersion, answered in kind
    uid: str
    group: str
    version: str
    kind: str
    operation: str
    subresource: str
    namespace: str
    name: str
    user: str
    dry_run: bool
    object: dict | None
    old_object: dict | None

    @property
    def kind_key(self) -> str:
        """`group/Kind`, or `Kind` for the core group: the form rules name kinds in."""
        return f"{self.group}/{self.kind}" if self.group else self.kind

    @property
    def display_name(self) -> str:
        """The name, or `generateName*` on a CREATE that has only that."""
        return self.name or _generate_name(self.object) or "<unnamed>"


def parse_review(body: bytes) -> AdmissionRequest:
    try:
        review = _loads(body)
    except _JSONDecodeError as exc:
        raise BadReview("json", f"body is not valid JSON: {exc}") from None
    if not isinstance(review, dict):
        raise BadReview("not-review", "body is not an AdmissionReview: expected a JSON object")
    if review.get("kind") != "AdmissionReview":
        raise BadReview("not-review", 'body is not an AdmissionReview: "kind" must be "AdmissionReview"')
    version = review.get("apiVersion")
    if version not in REVIEW_VERSIONS:
        raise BadReview(
            "not-review",
            f"unsupported AdmissionReview apiVersion {_show(version)}: expected one of {', '.join(REVIEW_VERSIONS)}",
        )
    request = review.get("request")
    if not isinstance(request, dict):
        raise BadReview("no-request", 'AdmissionReview has no "request" object')
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise BadReview("no-uid", 'AdmissionReview "request.uid" is missing or not a non-empty string')
    kind = request.get("kind")
    if not isinstance(kind, dict) or not isinstance(kind.get("kind"), str) or not kind["kind"]:
        raise BadReview("bad-field", '"request.kind" must be an object with a non-empty "kind"')
    operation = request.get("operation")
    if operation not in OPERATIONS:
        raise BadReview("bad-field", f'"request.operation" must be one of {", ".join(OPERATIONS)}')
    obj = request.get("object")
    old = request.get("oldObject")
    if operation in ("CREATE", "UPDATE") and not isinstance(obj, dict):
        raise BadReview("bad-object", f'"request.object" must be a JSON object for {operation}')
    if obj is not None and not isinstance(obj, dict):
        raise BadReview("bad-object", '"request.object" must be a JSON object or null')
    if old is not None and not isinstance(old, dict):
        raise BadReview("bad-object", '"request.oldObject" must be a JSON object or null')
    dry_run = request.get("dryRun", False)
    if dry_run is None:
        dry_run = False
    if not isinstance(dry_run, bool):
        raise BadReview("bad-field", '"request.dryRun" must be a boolean')
    user_info = request.get("userInfo")
    user = user_info.get("username") if isinstance(user_info, dict) else None
    return AdmissionRequest(
        review_version=version,
        uid=uid,
        group=_text(kind, "group", "request.kind.group"),
        version=_text(kind, "version", "request.kind.version"),
        kind=kind["kind"],
        operation=operation,
        subresource=_text(request, "subResource", "request.subResource"),
        namespace=_text(request, "namespace", "request.namespace"),
        name=_text(request, "name", "request.name"),
        user=user if isinstance(user, str) else "",
        dry_run=dry_run,
        object=obj,
        old_object=old,
    )


def encode_response(
    review_version: str,
    uid: str,
    allowed: bool,
    *,
    code: int | None = None,
    message: str | None = None,
    warnings: Sequence[str] = (),
) -> bytes:
    response: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if code is not None:
        status: dict[str, Any] = {"code": code}
        if message:
            status["message"] = message
        response["status"] = status
    if warnings:
        response["warnings"] = list(warnings)
    return dumps({"apiVersion": review_version, "kind": "AdmissionReview", "response": response})


def _text(mapping: dict, key: str, where: str) -> str:
    value = mapping.get(key)
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    raise BadReview("bad-field", f'"{where}" must be a string')


def _generate_name(obj: dict | None) -> str:
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    value = metadata.get("generateName") if isinstance(metadata, dict) else None
    return f"{value}*" if isinstance(value, str) and value else ""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
