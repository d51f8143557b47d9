"""XML signatures made and checked in process by libxmlsec1 (python-xmlsec), behind pysaml2's backend interface.

pysaml2's own ``xmlsec1`` backend starts the ``xmlsec1`` program (twice: once for its version) for every
sign or verify, which costs tens of milliseconds. This backend gives pysaml2's ``SecurityContext`` the
same two operations — ``sign_statement`` and ``validate_signature`` — with the same meaning of their
arguments (``node_name`` is ``"<namespace>:<local name>"`` of the signed element, ``node_id`` its ``ID``),
without leaving the process.

It is stricter than the program in what it verifies (the rules of ``sandbox.saml.enveloped``: the
signature a direct child of the one element carrying ``node_id``, that ``ID`` unique, its single
Reference pointing at it, only the transforms SAML allows). Documents with a DTD are refused.
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

from sandbox.saml.enveloped import (
    DSIG_NS,
    SignatureStructureError,
    SignatureVerificationError,
    own_signature,
    target_element,
    verify_in_tree,
)

log = logging.getLogger("sandbox.saml.xmlsec")


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


def _target(root: etree._Element, node_name: str, node_id: str | None) -> etree._Element:
    try:
        return target_element(root, node_name, node_id)
    except SignatureStructureError as error:
        raise SignatureError(str(error)) from error


def _own_signature(element: etree._Element) -> etree._Element:
    try:
        return own_signature(element)
    except SignatureStructureError as error:
        raise SignatureError(str(error)) from error


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
        try:
            verify_in_tree(root, node_name, node_id, key)
        except SignatureStructureError as error:
            raise SignatureError(str(error)) from error
        except SignatureVerificationError as error:
            raise XmlsecError(str(error)) from error
        return True
