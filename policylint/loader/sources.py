"""What to lint: files, directory trees and stdin, in a fixed order, with gitignore-like excludes."""
from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator

from .classify import classify
from .load import STDIN, LoadResult, load_file, load_text
from .reading import DEFAULT_MAX_BYTES, decode, too_large

__all__ = ["Source", "iter_sources", "load_source", "SKIPPED_DIRECTORIES"]

SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})


@dataclass(frozen=True)
class Source:
    """One input. ``path`` is None for stdin, whose bytes are in ``content``. Picklable."""

    display: str
    path: str | None = None
    content: bytes | None = None
    explicit: bool = True  # named on the command line (or stdin), not found by walking a directory

    @property
    def is_stdin(self) -> bool:
        return self.path is None

    def load(self, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
        if self.path is not None:
            return load_file(self.path, display=self.display, max_bytes=max_bytes)
        raw = self.content or b""
        if len(raw) > max_bytes:
            return LoadResult(problems=[too_large(self.display, len(raw), max_bytes)])
        text, failure = decode(raw, self.display)
        if failure is not None:
            return LoadResult(problems=[failure])
        return load_text(text, self.display)


def load_source(source: Source, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """``source.load(max_bytes)``: the seam the engine (and its benchmarks) call."""
    return source.load(max_bytes)


def iter_sources(paths: Iterable[str], excludes: Iterable[str] = (), stdin=None) -> Iterator[Source]:
    """Sources for command-line arguments, in argument order; directory contents sorted by path.

    ``-`` reads stdin.  Directories are walked for ``*.yaml``, ``*.yml``, ``*.json`` and the text inputs
    that :func:`classify` knows, skipping VCS, ``node_modules`` and ``.venv`` directories.  ``excludes``
    are glob patterns matched against the path (as shown and relative to the walked directory) and,
    when they hold no ``/``, against each path component.  Named files are loaded whatever their suffix;
    a path that does not exist still gives a Source, whose load reports the I/O error.
    """
    patterns = _patterns(excludes)
    seen: set[str] = set()
    for argument in paths:
        if argument == "-":
            yield Source(STDIN, None, _read_stdin(stdin if stdin is not None else sys.stdin), True)
            continue
        if os.path.isdir(argument):
            for relative in _walk(argument, patterns):
                full = _display(os.path.join(argument, relative))
                if _first_time(full, seen):
                    yield Source(full, full, None, False)
            continue
        display = _display(argument)
        if patterns and _excluded(display, patterns):
            continue
        if _first_time(argument, seen):
            yield Source(display, argument, None, True)


def _read_stdin(stdin) -> bytes:
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        return buffer.read()
    data = stdin.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _first_time(path: str, seen: set[str]) -> bool:
    key = os.path.realpath(path)
    if key in seen:
        return False
    seen.add(key)
    return True


def _display(path: str) -> str:
    """Forward slashes, no ``./`` or doubled separators; relative paths stay relative."""
    normal = os.path.normpath(path)
    return normal.replace(os.sep, "/") if os.sep != "/" else normal


def _walk(root: str, patterns: list[str]) -> list[str]:
    found: list[str] = []
    for directory, subdirectories, files in os.walk(root):
        relative_dir = os.path.relpath(directory, root)
        relative_dir = "" if relative_dir == "." else relative_dir.replace(os.sep, "/")
        kept = []
        for name in subdirectories:
            relative = f"{relative_dir}/{name}" if relative_dir else name
            if name in SKIPPED_DIRECTORIES:
                continue
            if patterns and _excluded_in_walk(root, relative, patterns, is_dir=True):
                continue
            kept.append(name)
        subdirectories[:] = sorted(kept)
        for name in files:
            relative = f"{relative_dir}/{name}" if relative_dir else name
            if classify(_display(os.path.join(root, relative))) is None:
                continue
            if patterns and _excluded_in_walk(root, relative, patterns):
                continue
            found.append(relative)
    found.sort(key=lambda relative: relative.split("/"))
    return found


def _patterns(excludes: Iterable[str]) -> list[str]:
    patterns = []
    for pattern in excludes:
        pattern = pattern.strip().replace("\\", "/")
        while pattern.startswith("./"):
            pattern = pattern[2:]
        pattern = pattern.strip("/")
        if pattern:
            patterns.append(pattern)
            if pattern.startswith("**/"):
                patterns.append(pattern[3:])
    return patterns


def _excluded_in_walk(root: str, relative: str, patterns: list[str], is_dir: bool = False) -> bool:
    return (_excluded(relative, patterns, is_dir)
            or _excluded(_display(os.path.join(root, relative)), patterns, is_dir))


def _excluded(path: str, patterns: list[str], is_dir: bool = False) -> bool:
    path = path[2:] if path.startswith("./") else path
    parts = path.split("/")
    for pattern in patterns:
        if fnmatch.fnmatchcase(path, pattern) or (is_dir and fnmatch.fnmatchcase(path + "/", pattern)):
            return True
        if "/" not in pattern and any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False
