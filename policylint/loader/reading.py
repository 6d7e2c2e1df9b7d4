"""Bytes to text: size limit, I/O errors, binary and non-UTF-8 files (PL006, PL007)."""
from __future__ import annotations

import codecs
import os
import stat

from .problems import Problem, problem

__all__ = ["DEFAULT_MAX_BYTES", "read_text", "decode", "normalize_newlines"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16: same prefix
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_text(path, display: str, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str | None, Problem | None]:
    """The file's text, or the problem that prevents reading it. Never reads more than max_bytes + 1."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return None, problem("PL006", "cannot read the file: it is a directory", display, 1, 1)
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            return None, too_large(display, info.st_size, max_bytes)
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        return None, problem("PL006", f"cannot read the file: {reason}", display, 1, 1)
    if len(raw) > max_bytes:  # a pipe or a file that grew while we looked
        return None, too_large(display, len(raw), max_bytes, at_least=True)
    return decode(raw, display)


def too_large(display: str, size: int, max_bytes: int, at_least: bool = False) -> Problem:
    more = "more than " if at_least else ""
    return problem("PL007", f"the file is {more}{_size(size)}, over the {_size(max_bytes)} limit, and was not read; "
                            "lint the files it is generated from, exclude it, or raise the limit",
                   display, 1, 1)


def decode(raw: bytes, display: str) -> tuple[str | None, Problem | None]:
    """UTF-8 (BOM optional), or UTF-16/32 with a BOM as YAML allows; anything else is PL006."""
    for bom, encoding in _UTF16_32_BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding).lstrip("\ufeff"), None
            except UnicodeDecodeError as error:
                return None, problem("PL006", f"the file starts with a {encoding.upper()} byte order mark "
                                              f"but is not valid {encoding.upper()} ({error.reason})",
                                     display, 1, 1)
    nul = raw.find(b"\x00")
    if nul != -1:
        line, column = _byte_position(raw, nul)
        return None, problem("PL006", "this is a binary file (it contains NUL bytes), not a text manifest",
                             display, line, column)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _byte_position(raw, error.start)
        return None, problem("PL006", f"the file is not UTF-8: byte 0x{raw[error.start]:02x} cannot be decoded "
                                      "here; save the file as UTF-8", display, line, column)
    return text[1:] if text.startswith("\ufeff") else text, None


def normalize_newlines(text: str, unicode_breaks: bool = False) -> str:
    """CRLF and lone CR to LF, so that counting "\\n" agrees with libyaml's line numbers.

    ``unicode_breaks``: also NEL, LS and PS, which YAML 1.1 treats as line breaks too.  Not for JSON,
    where they are ordinary characters inside strings.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if unicode_breaks:
        for character in ("\x85", "\u2028", "\u2029"):
            if character in text:
                text = text.replace(character, "\n")
    return text


def _byte_position(raw: bytes, index: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, index) + 1
    column = len(raw[line_start:index].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, index) + 1, column


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count} bytes"
