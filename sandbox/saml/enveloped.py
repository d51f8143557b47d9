"""Enveloped XML signatures of SAML messages made and checked in an already parsed document, with libxmlsec1.

Only python-xmlsec and lxml: no pysaml2, whose import compiles XML schemas for more than a second, so
the IdP can sign and read requests, and a reader of captured messages (the desktop's SAML tracer) can
check signatures, without it. The pysaml2 backend (``xmlsec_backend``) checks with the same rules and
turns these errors into pysaml2's.

The rules: the signature must be a direct child of the one element carrying the ``ID``, that ``ID``
must be unique in the document, its single Reference must point at it, and only the transforms SAML
allows are enabled.
"""

from __future__ import annotations

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lxml import etree
from xmlsec import constants

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

# SAML core §5.4: enveloped signature plus (exclusive) canonicalization; the digest and signature
# methods count as transforms in libxmlsec1 too.
REFERENCE_TRANSFORMS = (
    constants.TransformEnveloped,
    constants.TransformExclC14N,
    constants.TransformExclC14NWithComments,
    constants.TransformInclC14N,
    constants.TransformInclC14NWithComments,
    constants.TransformSha1,
    constants.TransformSha256,
    constants.TransformSha384,
    constants.TransformSha512,
)
SIGNATURE_TRANSFORMS = (
    constants.TransformExclC14N,
    constants.TransformExclC14NWithComments,
    constants.TransformInclC14N,
    constants.TransformInclC14NWithComments,
    constants.TransformRsaSha1,
    constants.TransformRsaSha256,
    constants.TransformRsaSha384,
    constants.TransformRsaSha512,
)


class SignatureStructureError(ValueError):
    """The signed element or its signature is not where and what a SAML signature must be."""


class SignatureVerificationError(ValueError):
    """The signature does not verify, or could not be checked (unreadable key, unknown algorithm)."""


class SigningError(ValueError):
    """A signature could not be made: the key cannot be read, or libxmlsec1 failed."""


def target_element(root: etree._Element, node_name: str, node_id: str | None) -> etree._Element:
    """The one element named ``node_name`` (``"<namespace>:<local name>"``) whose ``ID`` is ``node_id``.

    The root when no id is given.
    """
    if node_id is None:
        return root
    carriers = [element for element in root.iter() if element.get("ID") == node_id]
    if len(carriers) != 1:
        raise SignatureStructureError(f"{len(carriers)} elements carry ID {node_id!r}; exactly one is required")
    element = carriers[0]
    namespace, _, local = node_name.rpartition(":")
    if etree.QName(element).localname != local or (namespace and etree.QName(element).namespace != namespace):
        raise SignatureStructureError(f"the element with ID {node_id!r} is not a {local}")
    return element


def own_signature(element: etree._Element) -> etree._Element:
    """The one ``ds:Signature`` directly inside ``element``."""
    signatures = element.findall(f"{{{DSIG_NS}}}Signature")
    if len(signatures) != 1:
        raise SignatureStructureError(f"expected one Signature on the element, found {len(signatures)}")
    return signatures[0]


def certificate_key(certificate_pem: str) -> xmlsec.Key:
    """An xmlsec key holding a PEM certificate's public key, for :func:`verify_in_tree`.

    The key is the bare public key, without the certificate: libxmlsec1 copies the key into every
    signature context, and copying a certificate with it took about 0.13 ms of each verification.
    Nothing is lost: a key set on the context is used as it is, its certificate never consulted.
    """
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
        public_pem = certificate.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        return xmlsec.Key.from_memory(public_pem, constants.KeyDataFormatPem)
    except (ValueError, UnicodeEncodeError, xmlsec.Error) as error:
        raise SignatureVerificationError(f"the certificate cannot be read: {error}") from error


def verify_in_tree(root: etree._Element, node_name: str, node_id: str | None, key: xmlsec.Key) -> None:
    """Verify the signature on the element ``node_id`` of a parsed document with ``key``; raises if it fails."""
    element = target_element(root, node_name, node_id)
    signature = own_signature(element)
    references = signature.findall(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference")
    if node_id is not None and (len(references) != 1 or references[0].get("URI") != f"#{node_id}"):
        raise SignatureStructureError("the signature does not reference the signed element")
    verify_signature(signature, key, element if node_id is not None else None)


def verify_signature(signature: etree._Element, key: xmlsec.Key, signed: etree._Element | None = None) -> None:
    """Verify one ``ds:Signature`` with ``key``, SAML's transforms only; ``signed``'s ``ID`` is registered
    so a ``#id`` Reference resolves to that element. Raises :class:`SignatureVerificationError`."""
    context = xmlsec.SignatureContext()
    try:
        context.key = key
        for transform in REFERENCE_TRANSFORMS:
            context.enable_reference_transform(transform)
        for transform in SIGNATURE_TRANSFORMS:
            context.enable_signature_transform(transform)
        if signed is not None:
            context.register_id(signed, "ID")
        context.verify(signature)
    except xmlsec.VerificationError as error:
        raise SignatureVerificationError(f"signature does not verify: {error}") from error
    except xmlsec.Error as error:
        raise SignatureVerificationError(f"signature could not be checked: {error}") from error


def signing_key(private_key_pem: str) -> xmlsec.Key:
    """A PEM private key loaded for :func:`sign_in_place` (load once, sign many times)."""
    try:
        return xmlsec.Key.from_memory(private_key_pem.encode("ascii"), constants.KeyDataFormatPem)
    except (xmlsec.Error, UnicodeEncodeError) as error:
        raise SigningError(f"the signing key could not be loaded: {error}") from error


def sign_in_place(element: etree._Element, signature: etree._Element, key: xmlsec.Key) -> None:
    """Fill in ``signature``, the enveloped signature template of ``element`` (referenced by its ``ID``).

    The tree is signed where it stands, without serialising and parsing it again; the caller built
    both elements, so they are where a SAML signature belongs.
    """
    context = xmlsec.SignatureContext()
    try:
        context.key = key
        context.register_id(element, "ID")
        context.sign(signature)
    except xmlsec.Error as error:
        raise SigningError(f"signing failed: {error}") from error
