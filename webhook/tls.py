"""The serving TLS context, and the certificate reloaded when cert-manager (or anyone) rotates the files.

uvicorn is handed one `ssl.SSLContext` for good. Each reload builds a complete new context from the files and,
only once it loaded without error, makes it current; the served context's SNI callback (which OpenSSL calls on
every ClientHello, with or without SNI) moves each new handshake onto the current context. Established
connections keep theirs. Loading into the served context in place would be simpler but not safe: a failed
`load_cert_chain` leaves a context with the new certificate and no key.

The files are polled by content, not mtime (a kubelet secret volume swaps a symlink; copies may keep mtimes).
A half-written or mismatched pair is refused, keeping the previous certificate, until a later poll finds a
valid pair.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
from datetime import datetime
from pathlib import Path
from typing import Callable

from . import logs


class CertificateError(Exception):
    pass


class ReloadingTLS:
    def __init__(self, cert_file: str | Path, key_file: str | Path):
        self.cert_file = Path(cert_file)
        self.key_file = Path(key_file)
        self.not_after: datetime | None = None
        self.serial: int | None = None
        self._digest: bytes | None = None
        self._refused: bytes | None = None  # a pair that failed to load is reported once, not on every poll
        self.on_change: list[Callable[[ReloadingTLS], None]] = []
        self._current = self._load(self._read())
        self.context = self._current  # the context uvicorn serves; handshakes move to `_current`
        self.context.sni_callback = self._use_current

    @property
    def loaded(self) -> bool:
        return self._digest is not None

    def check(self) -> bool:
        """Reload when the files changed; True when a new certificate was loaded. Raises CertificateError."""
        pair = self._read()
        digest = _digest(pair)
        if digest in (self._digest, self._refused):  # unchanged, or the same broken pair as last time
            return False
        try:
            self._current = self._load(pair)
        except CertificateError:
            self._refused = digest
            raise
        return True

    async def watch(self, interval: float, on_result: Callable[[str], None] = lambda result: None) -> None:
        """Poll forever; every reload (ok or error) is logged and reported to `on_result`."""
        while True:
            await asyncio.sleep(interval)
            try:
                changed = self.check()
            except CertificateError as exc:
                on_result("error")
                logs.event(logging.ERROR, "certificate reload failed; keeping the previous one", reason=str(exc))
                continue
            if changed:
                on_result("ok")
                logs.event(
                    logging.INFO,
                    "certificate reloaded",
                    serial=f"{self.serial:x}",
                    not_after=self.not_after.isoformat() if self.not_after else None,
                )

    def _read(self) -> tuple[bytes, bytes]:
        try:
            return self.cert_file.read_bytes(), self.key_file.read_bytes()
        except OSError as exc:
            raise CertificateError(f"cannot read {exc.filename}: {exc.strerror}") from None

    def _use_current(self, connection: ssl.SSLObject, server_name: str | None, context: ssl.SSLContext) -> None:
        if context is not self._current:
            connection.context = self._current

    def _load(self, pair: tuple[bytes, bytes]) -> ssl.SSLContext:
        from cryptography import x509

        cert_pem, _ = pair
        try:
            certificate = x509.load_pem_x509_certificate(cert_pem)
        except ValueError as exc:
            raise CertificateError(f"{self.cert_file} is not a PEM certificate: {exc}") from None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            # From the paths: ssl has no in-memory loader. The digest kept is of what we read; if the files
            # changed in between, the next poll sees a different digest and loads again.
            context.load_cert_chain(self.cert_file, self.key_file)
        except (ssl.SSLError, OSError) as exc:
            raise CertificateError(f"cannot load {self.cert_file} with {self.key_file}: {exc}") from None
        self._digest = _digest(pair)
        self.not_after = certificate.not_valid_after_utc
        self.serial = certificate.serial_number
        for callback in self.on_change:
            callback(self)
        return context

    def expiry_timestamp(self) -> float:
        return self.not_after.timestamp() if self.not_after else 0.0


def _digest(pair: tuple[bytes, bytes]) -> bytes:
    return hashlib.sha256(pair[0] + b"\0" + pair[1]).digest()
