"""Structured JSON log lines, one object per line on stdout (uvicorn's own lines included).

Decision lines carry what an operator needs to answer "why was my apply denied" and never the object's
content, which may hold secrets; failures log the exception type and where it was raised, not its message,
since a message can quote a value from the object.

Decision lines are buffered and written at most `FLUSH_SECONDS` late (or at `FLUSH_BYTES`), and at the end of
the lifespan; a write and a flush per decision cost about a quarter of the webhook's own per-request time. They
skip the logging module (a LogRecord per request is the other large cost) but have the same shape. Every other
line (start-up, shutdown, certificate reloads, bad requests, errors) is written at once, after what is buffered.
"""
from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
import traceback
from typing import Any

from .review import dumps

try:  # the newline appended by orjson saves copying each decision line once more
    import orjson

    def _dumps_line(value: Any) -> bytes:
        return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE)

except ImportError:  # pragma: no cover - without the optional dependency

    def _dumps_line(value: Any) -> bytes:
        return dumps(value) + b"\n"

LOGGER_NAME = "policylint.webhook"
FLUSH_SECONDS = 0.1
FLUSH_BYTES = 32 * 1024
log = logging.getLogger(LOGGER_NAME)


class LineWriter:
    """Newline-terminated lines to a file descriptor, buffered; safe to call from any thread."""

    def __init__(self, fd: int):
        self.fd = fd
        self._chunks: list[bytes] = []
        self._size = 0
        self._oldest = 0.0
        self._lock = threading.Lock()

    def write(self, line: bytes, urgent: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            if not self._chunks:
                self._oldest = now
            self._chunks.append(line)
            self._size += len(line)
            if urgent or self._size >= FLUSH_BYTES or now - self._oldest >= FLUSH_SECONDS:
                self._flush()

    def flush(self) -> None:
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._chunks:
            return
        data = memoryview(b"".join(self._chunks))
        self._chunks.clear()
        self._size = 0
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError:  # stdout closed or gone: nothing better to do with a log line
            pass


_writer: LineWriter | None = None


def writer() -> LineWriter:
    global _writer
    if _writer is None:
        _writer = LineWriter(sys.stdout.fileno())
        atexit.register(_writer.flush)
    return _writer


class JsonLinesHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record).encode() + b"\n"
        except Exception:  # noqa: BLE001 - logging must never take the request down
            self.handleError(record)
            return
        # Written at once: these lines are rare, and uvicorn ends the process by re-raising SIGTERM after its
        # last ones, which leaves no chance to flush a buffer.
        writer().write(line, urgent=True)

    def flush(self) -> None:
        writer().flush()


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
    """Route our logger and uvicorn's through the JSON lines handler; returns uvicorn's `log_config`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stdout": {"()": JsonLinesHandler}},
        "loggers": {
            LOGGER_NAME: {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def setup_stdout_fallback() -> None:
    """When the app runs without uvicorn's log_config (embedding, in-process tests), still emit JSON lines."""
    if not log.handlers:
        log.addHandler(JsonLinesHandler())
        log.setLevel(logging.INFO)
        log.propagate = False


def event(level: int, msg: str, **fields: Any) -> None:
    if log.isEnabledFor(level):
        log.log(level, msg, extra={"fields": fields})


def decision(level: int, fields: dict[str, Any]) -> None:
    """The per-request decision line, written without a LogRecord."""
    if not log.isEnabledFor(level):
        return
    name = _LEVEL_NAMES.get(level) or logging.getLevelName(level).lower()
    line = {"time": _timestamp(time.time()), "level": name, "logger": LOGGER_NAME, "msg": "admission decision",
            **fields}
    (_writer or writer()).write(_dumps_line(line), urgent=level >= logging.ERROR)


async def flush_periodically() -> None:
    """Lines written during a quiet spell would otherwise wait for the next one."""
    import asyncio

    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        writer().flush()


def error_fields(exc: BaseException) -> dict[str, Any]:
    """Type and innermost frames of an exception: enough to find the bug, no values from the object."""
    frames = traceback.extract_tb(exc.__traceback__)[-5:]
    return {
        "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "at": [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames],
    }


_LEVEL_NAMES = {level: logging.getLevelName(level).lower() for level in (logging.INFO, logging.WARNING, logging.ERROR)}
_MILLISECONDS = [f".{ms:03d}Z" for ms in range(1000)]
_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    global _second
    whole = int(created)
    if _second[0] != whole:  # formatting the date is most of the cost: once per second
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return _second[1] + _MILLISECONDS[int(created % 1 * 1000)]
