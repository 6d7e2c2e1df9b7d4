"""Structured JSON log lines, one object per line on stdout (uvicorn's own lines included).

Decision lines carry what an operator needs to answer "why was my apply denied" and never the object's
content, which may hold secrets; failures log the exception type and where it was raised, not its message,
since a message can quote a value from the object.
"""
from __future__ import annotations

import logging
import sys
import time
import traceback
from typing import Any

from .review import dumps

LOGGER_NAME = "policylint.webhook"
log = logging.getLogger(LOGGER_NAME)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        if record.exc_info and record.exc_info[1] is not None and "error" not in line:
            line["error"] = error_fields(record.exc_info[1])
        return dumps(line).decode()


def configure(level: str = "info") -> dict:
    """Route our logger and uvicorn's through the JSON formatter; returns uvicorn's `log_config`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "loggers": {
            LOGGER_NAME: {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def event(level: int, msg: str, **fields: Any) -> None:
    if log.isEnabledFor(level):
        log.log(level, msg, extra={"fields": fields})


def error_fields(exc: BaseException) -> dict[str, Any]:
    """Type and innermost frames of an exception: enough to find the bug, no values from the object."""
    frames = traceback.extract_tb(exc.__traceback__)[-5:]
    return {
        "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "at": [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames],
    }


def _timestamp(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def setup_stdout_fallback() -> None:
    """When the app runs without uvicorn's log_config (tests, embedding), still emit JSON lines."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
