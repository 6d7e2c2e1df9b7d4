"""On-disk cache of compiled rule files, so that a warm start never imports lark.

One entry per rule file, named by a sha256 of everything the generated code depends on: the file's bytes, the
compiler's own sources (every file of this package), the builtin registry's signatures and the Python version.
An entry is a `marshal` blob (like a .pyc) holding the metadata, the generated source and its code object.
Entries are written atomically (temporary file + rename); any problem reading or writing one only means
compiling again, never an error.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
from pathlib import Path

FORMAT = 1
_fingerprint: str | None = None


def cache_dir() -> Path | None:
    """`$POLICYLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/policylint`, else `~/.cache/policylint`; `None` when
    `POLICYLINT_NO_CACHE=1`."""
    if os.environ.get("POLICYLINT_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("POLICYLINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "policylint"


def compiler_fingerprint(registry: dict) -> str:
    global _fingerprint
    if _fingerprint is None:
        digest = hashlib.sha256(f"{FORMAT}\0{sys.implementation.cache_tag}\0{marshal.version}\0".encode())
        folder = Path(__file__).parent
        for path in sorted(folder.iterdir()):  # every source of the compiler: grammar, codegen, runtime
            if path.suffix in (".py", ".lark"):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _fingerprint = digest.hexdigest()
    signatures = ";".join(f"{b.name}/{b.min_args}/{b.max_args}/{b.context}" for b in sorted(
        registry.values(), key=lambda b: b.name))
    return hashlib.sha256(f"{_fingerprint}\0{signatures}".encode()).hexdigest()


def entry_key(content: bytes, fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode() + b"\0" + content).hexdigest()


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "rules"

    def load(self, key: str) -> dict | None:
        try:
            with open(self.folder / f"{key}.bin", "rb") as handle:
                entry = marshal.loads(handle.read())  # one read: marshal.load(handle) reads piecemeal
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        return entry

    def store(self, key: str, entry: dict) -> None:
        target = self.folder / f"{key}.bin"
        temporary = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as handle:
                marshal.dump({**entry, "format": FORMAT}, handle)
            os.replace(temporary, target)
        except (OSError, ValueError):
            try:
                temporary.unlink()
            except OSError:
                pass
