"""An identity provider typed in by hand: the certificates an administrator pasted, and metadata for them."""

from __future__ import annotations

import re

from sandbox.saml.keys import CertificateError, certificate_facts, certificate_pem
from sandbox.saml.metadata import BINDING_REDIRECT, NAMEID_EMAIL, MetadataError
from sandbox.saml.sp_idp_metadata import IdpCertificate, IdpDocument, standalone_metadata

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")


def certificates_from_text(text: str) -> list[str]:
    """The certificates an administrator pasted: PEM blocks (one or several, for a rollover) or a bare
    base64 body, with any line ends and spaces. Raises :class:`MetadataError` saying what was pasted instead."""
    text = text.replace("\r", "").strip()
    blocks = _PEM_BLOCK.findall(text)
    kinds = {kind for kind, _body in blocks}
    if "PRIVATE KEY" in text.upper() and "-----BEGIN" in text:
        raise MetadataError(
            "private_key", "This is a private key. Paste the identity provider's certificate; a key never leaves it."
        )
    if blocks and "CERTIFICATE" not in kinds:
        kind = sorted(kinds)[0].lower()
        raise MetadataError("not_certificate", f"This is a {kind}, not a certificate (BEGIN CERTIFICATE).")
    if not blocks:
        if "-----BEGIN CERTIFICATE-----" in text:
            raise MetadataError(
                "incomplete_certificate",
                "The certificate is incomplete: it starts with -----BEGIN CERTIFICATE----- but has no "
                "-----END CERTIFICATE----- line. Copy all of it.",
            )
        if not _BASE64.match(text):
            raise MetadataError(
                "not_certificate", "This is not an X.509 certificate (PEM, or its base64 body, expected)."
            )
        bodies = [text]
    else:
        bodies = [body for kind, body in blocks if kind == "CERTIFICATE"]
    certificates: list[str] = []
    for number, body in enumerate(bodies, start=1):
        try:
            pem = certificate_pem(body)
        except CertificateError as error:
            which = f"Certificate {number} of {len(bodies)}" if len(bodies) > 1 else "This"
            message = str(error) if len(bodies) == 1 else f"{which} cannot be read: {error}"
            raise MetadataError("unreadable_certificate", message) from error
        if pem not in certificates:
            certificates.append(pem)
    return certificates


def manual_idp_metadata(
    entity_id: str, sso_url: str, certificates: list[str], *, binding: str = BINDING_REDIRECT
) -> str:
    """Metadata for an identity provider typed in by hand (Issuer, SSO URL, one or more certificates)."""
    facts = [certificate_facts(pem) for pem in certificates]
    document = IdpDocument(
        entity_id=entity_id.strip(),
        display_name="",
        sso_urls={binding: sso_url.strip()},
        slo_urls={},
        certificates=tuple(
            IdpCertificate(pem, f.fingerprint_sha256, f.subject, f.not_before, f.not_after)
            for pem, f in zip(certificates, facts, strict=True)
        ),
        want_authn_requests_signed=False,
        name_id_formats=(NAMEID_EMAIL,),
        valid_until=None,
        entity_count=1,
        xml="",
    )
    return standalone_metadata(document)
