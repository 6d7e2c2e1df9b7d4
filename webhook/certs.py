"""A private CA and a serving certificate for the webhook's Service, for clusters without cert-manager.

The apiserver verifies the webhook against the ValidatingWebhookConfiguration's caBundle and the Service DNS
name `<service>.<namespace>.svc`, so those names go into the subjectAltName.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class CertificateSet:
    ca_cert: bytes  # PEM
    ca_key: bytes  # PEM, PKCS#8
    cert: bytes  # PEM: serving certificate
    key: bytes  # PEM, PKCS#8

    @property
    def ca_bundle(self) -> str:
        """base64 of the CA PEM: the ValidatingWebhookConfiguration's `clientConfig.caBundle`."""
        return base64.b64encode(self.ca_cert).decode()

    def write(self, directory: str | Path) -> dict[str, Path]:
        """ca.crt, ca.key, tls.crt, tls.key (the names of a kubernetes.io/tls Secret); keys are mode 0600."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        files = {"ca.crt": self.ca_cert, "ca.key": self.ca_key, "tls.crt": self.cert, "tls.key": self.key}
        paths = {}
        for name, data in files.items():
            path = out / name
            path.write_bytes(data)
            if name.endswith(".key"):
                path.chmod(0o600)
            paths[name] = path
        return paths


def service_dns_names(service: str, namespace: str) -> list[str]:
    return [service, f"{service}.{namespace}", f"{service}.{namespace}.svc", f"{service}.{namespace}.svc.cluster.local"]


def generate(
    dns_names: Iterable[str],
    *,
    ip_addresses: Iterable[str] = (),
    days: int = 365,
    ca: tuple[bytes, bytes] | None = None,
    now: dt.datetime | None = None,
) -> CertificateSet:
    """A serving certificate for `dns_names`, signed by `ca` (PEM cert, PEM key) or by a new CA."""
    now = now or dt.datetime.now(dt.timezone.utc)
    names = list(dns_names)
    if ca is None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policylint-webhook-ca")])
        ca_cert = (
            _builder(ca_name, ca_name, ca_key.public_key(), now, days * 2)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
    else:
        ca_cert = x509.load_pem_x509_certificate(ca[0])
        ca_key = serialization.load_pem_private_key(ca[1], password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "policylint-webhook")])
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(ip_address(a)) for a in ip_addresses]
    cert = (
        _builder(subject, ca_cert.subject, key.public_key(), now, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return CertificateSet(
        ca_cert=ca_cert.public_bytes(serialization.Encoding.PEM),
        ca_key=_pem_key(ca_key),
        cert=cert.public_bytes(serialization.Encoding.PEM),
        key=_pem_key(key),
    )


def _builder(subject: x509.Name, issuer: x509.Name, public_key, now: dt.datetime, days: int) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # tolerate clock skew between nodes
        .not_valid_after(now + dt.timedelta(days=days))
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
