"""The signature of a SAML message sent with HTTP-Redirect, checked over the query string as received.

With HTTP-Redirect the signature is not in the XML: the sender signs the query string parameters
``SAMLRequest=value&RelayState=value&SigAlg=value`` (RelayState only when it is sent), each value
URL-encoded, and adds ``Signature`` (SAML 2.0 Bindings §3.4.4.1). URL encoding is not unique (``%2F``
or ``/``, ``%2b`` or ``%2B``, ``+`` or ``%20``), so the receiver "MUST perform the verification step
using the original URL-encoded values it received on the query string": the octets are taken from the
raw query here, never decoded and encoded again (pysaml2's own check re-encodes, and so refuses a
correctly signed request from a sender that encodes differently from Python's ``urlencode``).

The RSA check is made with ``cryptography``; RSA with SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus
from xml.sax.saxutils import escape

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from sandbox.saml.keys import CertificateError, load_certificate

SIG_RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SIG_RSA_SHA224 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224"
SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SIG_RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
SIG_RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"

# SigAlg URI -> (the name a tester reads, the digest).
SIG_ALGORITHMS: dict[str, tuple[str, type[hashes.HashAlgorithm]]] = {
    SIG_RSA_SHA1: ("RSA-SHA1", hashes.SHA1),
    SIG_RSA_SHA224: ("RSA-SHA224", hashes.SHA224),
    SIG_RSA_SHA256: ("RSA-SHA256", hashes.SHA256),
    SIG_RSA_SHA384: ("RSA-SHA384", hashes.SHA384),
    SIG_RSA_SHA512: ("RSA-SHA512", hashes.SHA512),
}
# Longer than any base64 signature of a 16384-bit key: anything bigger is not a signature.
MAX_SIGNATURE_CHARS = 4096
SIGNATURE_PARAMETERS = ("SigAlg", "Signature")


class QuerySignatureRefused(ValueError):
    """The query string's signature cannot be accepted; the message says why, in words a tester understands."""


@dataclass(frozen=True)
class SignedQuery:
    """The signature parameters of a received HTTP-Redirect query string and the octets they sign."""

    signed: bytes  # "SAMLRequest=…[&RelayState=…]&SigAlg=…", exactly as received
    algorithm: str  # the SigAlg URI
    signature: bytes

    @property
    def algorithm_name(self) -> str:
        """``RSA-SHA256`` and the like, or the SigAlg URI itself when it is not one accepted here."""
        known = SIG_ALGORITHMS.get(self.algorithm)
        return known[0] if known else self.algorithm


def signed_query(query: bytes, message: str = "SAMLRequest") -> SignedQuery | None:
    """The signature of ``query`` (the raw query string) and what it covers; ``None`` when unsigned.

    ``message`` names the parameter carrying the SAML message (``SAMLRequest`` or ``SAMLResponse``).
    Raises :class:`QuerySignatureRefused` when the signature parameters are incomplete or repeated.
    """
    raw = _raw_parameters(query, (message, "RelayState", *SIGNATURE_PARAMETERS))
    if "SigAlg" not in raw and "Signature" not in raw:
        return None
    if "Signature" not in raw:
        raise QuerySignatureRefused("its query string has a SigAlg but no Signature.")
    if "SigAlg" not in raw:
        raise QuerySignatureRefused(
            "its query string has a Signature but no SigAlg, so the signature algorithm is unknown."
        )
    if message not in raw:
        raise QuerySignatureRefused(f"its query string is signed but carries no {message}.")
    # Bindings §3.4.4.1: this order whatever the order received; RelayState only when it was sent.
    signed = b"&".join(raw[name] for name in (message, "RelayState", "SigAlg") if name in raw)
    algorithm = unquote(_value(raw["SigAlg"]).decode("utf-8", "replace")).strip()
    encoded_signature = unquote(_value(raw["Signature"]).decode("utf-8", "replace"))
    if len(encoded_signature) > MAX_SIGNATURE_CHARS:
        raise QuerySignatureRefused("its Signature is far longer than any RSA signature.")
    try:
        # A raw "+" is kept as "+": base64 senders that do not encode it mean "+", never a space.
        signature = base64.b64decode("".join(encoded_signature.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise QuerySignatureRefused("its Signature is not valid base64.") from error
    if not signature:
        raise QuerySignatureRefused("its Signature is empty.")
    return SignedQuery(signed=signed, algorithm=algorithm, signature=signature)


def verify_signed_query(signed: SignedQuery, key: CertificatePublicKeyTypes) -> str:
    """Check ``signed`` with the sender's public ``key``; the algorithm's name when it verifies.

    Raises :class:`QuerySignatureRefused` for an algorithm not accepted here, a key that is not RSA,
    or a signature that does not verify.
    """
    known = SIG_ALGORITHMS.get(signed.algorithm)
    if known is None:
        shown = escape(signed.algorithm[:200]) or "(empty)"
        raise QuerySignatureRefused(
            f"its SigAlg {shown} is not a signature algorithm JumpCloud accepts; sign with RSA-SHA256 "
            f"({SIG_RSA_SHA256})."
        )
    name, digest = known
    if not isinstance(key, rsa.RSAPublicKey):
        raise QuerySignatureRefused(
            f"it is signed with {name}, but the application's SP certificate does not hold an RSA key."
        )
    try:
        key.verify(signed.signature, signed.signed, padding.PKCS1v15(), digest())
    except InvalidSignature:
        raise QuerySignatureRefused(
            f"its {name} signature over the query string does not verify with the application's SP "
            "certificate: the request, its RelayState or its SigAlg was changed after signing, or it was "
            "signed with another key."
        ) from None
    return name


class SpQuerySignature:
    """The check of signed HTTP-Redirect queries from one SP, with the SP certificate configured for it.

    The rule is the one for a request signed inside its XML (:mod:`sandbox.saml.idp_request`): a
    signature is checked when there is one, and refused when there is no SP certificate to check it
    with; an unsigned query is accepted, as JumpCloud does not require signed AuthnRequests.
    """

    def __init__(self, certificate_pem: str) -> None:
        self._certificate_pem = certificate_pem
        self._key: CertificatePublicKeyTypes | None = None

    def check(self, query: bytes) -> str | None:
        """The verified signature's algorithm name (``RSA-SHA256``), or ``None`` for an unsigned ``query``.

        Raises :class:`QuerySignatureRefused`.
        """
        signed = signed_query(query)
        if signed is None:
            return None
        if self._key is None:
            # Loaded once: a new SP certificate makes a new identity provider, and with it a new check.
            self._key = certificate_public_key(self._certificate_pem)
        if self._key is None:
            raise QuerySignatureRefused(
                f"it is signed ({escape(signed.algorithm_name[:200])}), but this application has no SP "
                "certificate to check the signature with; upload the service provider's metadata or certificate."
            )
        return verify_signed_query(signed, self._key)


def certificate_public_key(certificate_pem: str) -> CertificatePublicKeyTypes | None:
    """The public key of an SP certificate (PEM or bare base64); ``None`` without a usable certificate."""
    if not certificate_pem.strip():
        return None
    try:
        return load_certificate(certificate_pem).public_key()
    except (CertificateError, ValueError):
        return None


def _raw_parameters(query: bytes, wanted: tuple[str, ...]) -> dict[str, bytes]:
    """The ``name=value`` pieces of ``query`` whose decoded name is in ``wanted``, as received.

    Names are decoded as the web framework decodes them (``&``-separated, ``+`` a space, then
    percent-decoded), so the pieces checked here are the ones the request is read from. In a signed
    query a name given twice is refused: the framework reads the first, and the signature might
    cover another. An unsigned query is left to the framework, as before signatures were checked.
    """
    found: dict[str, bytes] = {}
    repeated: list[str] = []
    for piece in query.split(b"&"):
        if not piece:
            continue
        name = unquote_plus(piece.partition(b"=")[0].decode("utf-8", "replace"))
        if name not in wanted:
            continue
        if name in found:
            repeated.append(name)
        else:
            found[name] = piece
    if repeated and any(name in found for name in SIGNATURE_PARAMETERS):
        raise QuerySignatureRefused(f"its query string gives {escape(repeated[0])} more than once.")
    return found


def _value(piece: bytes) -> bytes:
    return piece.partition(b"=")[2]
