"""XML signatures made and checked in process by libxmlsec1 (python-xmlsec), behind pysaml2's backend interface.

pysaml2's own ``xmlsec1`` backend starts the ``xmlsec1`` program (twice: once for its version) for every
sign or verify, which costs tens of milliseconds. This backend gives pysaml2's ``SecurityContext`` the
same two operations — ``sign_statement`` and ``validate_signature`` — with the same meaning of their
arguments (``node_name`` is ``"<namespace>:<local name>"`` of the signed element, ``node_id`` its ``ID``),
without leaving the process.

It is stricter than the program in what it verifies: the signature must be a direct child of the one
element carrying ``node_id``, that ``ID`` must be unique in the document, its single Reference must point
at it, and only the transforms SAML allows are enabled. Documents with a DTD are refused.
Encryption is not offered: neither system encrypts assertions.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from importlib import metadata
from typing import Any

import xmlsec
from lxml import etree
from saml2.sigver import CryptoBackend, SignatureError, XmlsecError
from xmlsec import constants

log = logging.getLogger("sandbox.saml.xmlsec")

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

# SAML core §5.4: enveloped signature plus (exclusive) canonicalization; the digest and signature
# methods count as transforms in libxmlsec1 too.
_REFERENCE_TRANSFORMS = (
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
_SIGNATURE_TRANSFORMS = (
    constants.TransformExclC14N,
    constants.TransformExclC14NWithComments,
    constants.TransformInclC14N,
    constants.TransformInclC14NWithComments,
    constants.TransformRsaSha1,
    constants.TransformRsaSha256,
    constants.TransformRsaSha384,
    constants.TransformRsaSha512,
)


class UnsafeXml(XmlsecError):
    """The document declares a DTD or cannot be parsed; nothing in it is trusted."""


def parse_document(text: str | bytes) -> etree._Element:
    """Parse without entity expansion, network access or DTDs."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise UnsafeXml(f"not well-formed XML: {error}") from error
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXml("documents with a DTD are refused")
    return root


def _split_node_name(node_name: str) -> tuple[str, str]:
    namespace, _, local = node_name.rpartition(":")
    return namespace, local


def _target(root: etree._Element, node_name: str, node_id: str | None) -> etree._Element:
    """The one element named ``node_name`` whose ``ID`` is ``node_id`` (the root if no id is given)."""
    if node_id is None:
        return root
    carriers = [element for element in root.iter() if element.get("ID") == node_id]
    if len(carriers) != 1:
        raise SignatureError(f"{len(carriers)} elements carry ID {node_id!r}; exactly one is required")
    element = carriers[0]
    namespace, local = _split_node_name(node_name)
    if etree.QName(element).localname != local or (namespace and etree.QName(element).namespace != namespace):
        raise SignatureError(f"the element with ID {node_id!r} is not a {local}")
    return element


def _own_signature(element: etree._Element) -> etree._Element:
    signatures = element.findall(f"{{{DSIG_NS}}}Signature")
    if len(signatures) != 1:
        raise SignatureError(f"expected one Signature on the element, found {len(signatures)}")
    return signatures[0]


class InProcessBackend(CryptoBackend):
    """pysaml2 ``CryptoBackend`` on python-xmlsec; keys are cached by content, so reuse is cheap."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, bytes], xmlsec.Key] = {}

    @property
    def version(self) -> str:
        return metadata.version("xmlsec")

    def _key(self, path: str, fmt: int) -> xmlsec.Key:
        with open(path, "rb") as handle:
            content = handle.read()
        cache_key = (str(fmt), hashlib.sha256(content).digest())
        with self._lock:
            key = self._keys.get(cache_key)
            if key is None:
                key = xmlsec.Key.from_memory(content, fmt)
                if len(self._keys) > 256:
                    self._keys.clear()
                self._keys[cache_key] = key
            return key

    def sign_statement(self, statement: Any, node_name: str, key_file: str, node_id: str | None) -> str:
        """Fill in the Signature template on the element ``node_id`` with ``key_file``'s private key."""
        root = parse_document(str(statement))
        if node_id is None:
            signature = root.find(f".//{{{DSIG_NS}}}Signature")
            if signature is None:
                raise SignatureError("no Signature template to fill in")
            element = signature.getparent()
        else:
            element = _target(root, node_name, node_id)
            signature = _own_signature(element)
        context = xmlsec.SignatureContext()
        try:
            context.key = self._key(key_file, constants.KeyDataFormatPem)
            if element is not None and element.get("ID"):
                context.register_id(element, "ID")
            context.sign(signature)
        except xmlsec.Error as error:
            raise SignatureError(f"signing failed: {error}") from error
        return str(etree.tostring(root, encoding="unicode"))

    def validate_signature(
        self, signedtext: str | bytes, cert_file: str, cert_type: str, node_name: str, node_id: str | None
    ) -> bool:
        """True when the element ``node_id`` carries a valid signature by ``cert_file``; raises otherwise."""
        root = parse_document(signedtext)
        fmt = constants.KeyDataFormatCertDer if cert_type == "der" else constants.KeyDataFormatCertPem
        try:
            key = self._key(cert_file, fmt)
        except xmlsec.Error as error:
            raise XmlsecError(f"signature could not be checked: {error}") from error
        verify_in_tree(root, node_name, node_id, key)
        return True


def certificate_key(certificate_pem: str) -> xmlsec.Key:
    """An xmlsec key holding a PEM certificate's public key, for :func:`verify_in_tree`."""
    try:
        return xmlsec.Key.from_memory(certificate_pem.encode("ascii"), constants.KeyDataFormatCertPem)
    except xmlsec.Error as error:
        raise XmlsecError(f"the certificate cannot be read: {error}") from error


def verify_in_tree(root: etree._Element, node_name: str, node_id: str | None, key: xmlsec.Key) -> None:
    """Verify the signature on the element ``node_id`` of an already parsed document; raises if it fails.

    The same checks as ``InProcessBackend.validate_signature``, for a caller that reads the document
    for other things too and parses it once (from :func:`parse_document` or ``safe_xml.parse_xml``).
    """
    element = _target(root, node_name, node_id)
    signature = _own_signature(element)
    references = signature.findall(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference")
    if node_id is not None and (len(references) != 1 or references[0].get("URI") != f"#{node_id}"):
        raise SignatureError("the signature does not reference the signed element")
    context = xmlsec.SignatureContext()
    try:
        context.key = key
        for transform in _REFERENCE_TRANSFORMS:
            context.enable_reference_transform(transform)
        for transform in _SIGNATURE_TRANSFORMS:
            context.enable_signature_transform(transform)
        if node_id is not None:
            context.register_id(element, "ID")
        context.verify(signature)
    except xmlsec.VerificationError as error:
        raise XmlsecError(f"signature does not verify: {error}") from error
    except xmlsec.Error as error:
        raise XmlsecError(f"signature could not be checked: {error}") from error
