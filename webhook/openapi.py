"""OpenAPI descriptions of /validate's body and answers, written by hand.

The route reads the raw body (a pydantic model of the whole review would cost more than half the throughput),
so FastAPI cannot derive these; they describe exactly what webhook.review accepts and returns, and the
schemathesis test holds the server to them.
"""
from __future__ import annotations

from .review import OPERATIONS, REVIEW_VERSIONS

_OBJECT_OR_NULL = {"anyOf": [{"type": "object"}, {"type": "null"}]}
_STRING_OR_NULL = {"anyOf": [{"type": "string"}, {"type": "null"}]}

ADMISSION_REVIEW_REQUEST = {
    "type": "object",
    "required": ["apiVersion", "kind", "request"],
    "properties": {
        "apiVersion": {"enum": list(REVIEW_VERSIONS)},
        "kind": {"const": "AdmissionReview"},
        "request": {
            "type": "object",
            "required": ["uid", "kind", "operation"],
            "properties": {
                "uid": {"type": "string", "minLength": 1},
                "kind": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {
                        "group": _STRING_OR_NULL,
                        "version": _STRING_OR_NULL,
                        "kind": {"type": "string", "minLength": 1},
                    },
                },
                "operation": {"enum": list(OPERATIONS)},
                "subResource": _STRING_OR_NULL,
                "namespace": _STRING_OR_NULL,
                "name": _STRING_OR_NULL,
                "userInfo": {"type": "object"},
                "dryRun": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
                "object": _OBJECT_OR_NULL,
                "oldObject": _OBJECT_OR_NULL,
            },
            # CREATE and UPDATE carry the object under review.
            "if": {"properties": {"operation": {"enum": ["CREATE", "UPDATE"]}}},
            "then": {"required": ["object"], "properties": {"object": {"type": "object"}}},
        },
    },
}

ADMISSION_REVIEW_RESPONSE = {
    "type": "object",
    "required": ["apiVersion", "kind", "response"],
    "properties": {
        "apiVersion": {"enum": list(REVIEW_VERSIONS)},
        "kind": {"const": "AdmissionReview"},
        "response": {
            "type": "object",
            "required": ["uid", "allowed"],
            "additionalProperties": False,
            "properties": {
                "uid": {"type": "string"},
                "allowed": {"type": "boolean"},
                "status": {
                    "type": "object",
                    "required": ["code"],
                    "additionalProperties": False,
                    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
                },
                "warnings": {"type": "array", "items": {"type": "string", "maxLength": 256}},
            },
        },
    },
}

ERROR = {
    "type": "object",
    "required": ["detail"],
    "additionalProperties": False,
    "properties": {"detail": {"type": "string"}},
}

REVIEW_REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": ADMISSION_REVIEW_REQUEST}},
}
REVIEW_RESPONSE_BODY = {
    "description": "The AdmissionReview answered in the request's apiVersion",
    "content": {"application/json": {"schema": ADMISSION_REVIEW_RESPONSE}},
}
ERROR_BODY = {
    "description": "Not an AdmissionReview we can answer (reason in `detail`), or not ready",
    "content": {"application/json": {"schema": ERROR}},
}
