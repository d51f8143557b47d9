"""RSA signing keys and self-signed X.509 certificates, and facts about a certificate."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class KeyPair:
    private_key_pem: str
    certificate_pem: str


def generate_key_pair(common_name: str, *, valid_days: int = 3650, not_before: datetime | None = None) -> KeyPair:
    """A 2048-bit RSA key and a self-signed certificate for ``common_name``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )


class CertificateError(ValueError):
    """Text that is not a usable X.509 certificate; the message says why."""


_PEM_BODY = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def load_certificate(text: str) -> x509.Certificate:
    """Accepts PEM, or the bare base64 body found in SAML metadata and signatures."""
    text = text.strip()
    match = _PEM_BODY.search(text)
    body = match.group(1) if match else text
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except ValueError as error:
        raise CertificateError("This is not an X.509 certificate (PEM or base64 DER expected).") from error


def certificate_body(text: str) -> str:
    """The base64 DER body of a certificate, one line, as SAML metadata carries it."""
    return base64.b64encode(load_certificate(text).public_bytes(serialization.Encoding.DER)).decode()


def certificate_pem(text: str) -> str:
    return load_certificate(text).public_bytes(serialization.Encoding.PEM).decode()


def sha256_fingerprint(text: str) -> str:
    """``AB:CD:…`` SHA-256 fingerprint, as admin consoles show it."""
    digest = load_certificate(text).fingerprint(hashes.SHA256())
    return ":".join(f"{byte:02X}" for byte in digest)


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) > self.not_after


def certificate_facts(text: str) -> CertificateFacts:
    certificate = load_certificate(text)
    return CertificateFacts(
        subject=certificate.subject.rfc4514_string(),
        fingerprint_sha256=sha256_fingerprint(text),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )
