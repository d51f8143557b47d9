"""Reading a received AuthnRequest with lxml and libxmlsec1, for the IdP on the in-process backend.

pysaml2 reads an AuthnRequest by building its SAML classes from the XML (about half a millisecond),
and importing it compiles its XML schemas (seconds of CPU, about 24 MB kept). The in-process backend
reads the request here instead, with the checks pysaml2 makes and clearer words for each refusal:

- the message decodes (base64; raw DEFLATE for HTTP-Redirect, either for HTTP-POST as pysaml2 allows)
  and is small, plain XML without a DTD (:mod:`sandbox.saml.safe_xml`);
- its root is a SAML 2.0 ``samlp:AuthnRequest`` with an ``ID``, ``Version="2.0"`` and an ``IssueInstant``;
- a ``Destination``, when given, is one of this IdP's SSO URLs;
- what it asks beyond that (``ForceAuthn``, ``IsPassive``, ``NameIDPolicy``, ``RequestedAuthnContext``, …)
  is well-formed (:func:`sandbox.saml.idp_options.read_options`); whether JumpCloud can give it is judged
  by the caller (:mod:`sandbox.saml.idp_refusals`);
- an enveloped signature on the request, when there is one, verifies with the SP's certificate.

JumpCloud does not require signed AuthnRequests: an unsigned one is accepted even when the application
has an SP certificate. A signature in the query string of HTTP-Redirect is checked by the caller before
the request is read (:mod:`sandbox.saml.query_signature`), with the same rule as an enveloped one. The
IssueInstant window, the Issuer and the requested ACS URL are checked by the caller too, for both
backends alike.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Container
from dataclasses import dataclass
from xml.sax.saxutils import escape

import xmlsec
from lxml import etree

from sandbox.saml.enveloped import (
    DSIG_NS,
    SignatureStructureError,
    SignatureVerificationError,
    certificate_key,
    verify_in_tree,
)
from sandbox.saml.idp_options import MalformedOption, RequestOptions, read_options
from sandbox.saml.inspect import SAML, SAMLP
from sandbox.saml.safe_xml import MAX_XML_BYTES, UnsafeXmlError, parse_xml

AUTHN_REQUEST = f"{{{SAMLP}}}AuthnRequest"
ISSUER = f"{{{SAML}}}Issuer"
SIGNATURE = f"{{{DSIG_NS}}}Signature"


class RequestRefused(ValueError):
    """The AuthnRequest cannot be accepted; the message says why, in words a tester understands."""


@dataclass(frozen=True)
class ReadRequest:
    """What a received AuthnRequest says, once decoded and checked."""

    id: str
    issuer: str
    issue_instant: str
    acs_url: str | None
    options: RequestOptions
    xml: str

    @property
    def force_authn(self) -> bool:
        return self.options.force_authn


def decode_request(saml_request: str, redirect: bool) -> str:
    """The XML text of a ``SAMLRequest`` value: base64, raw-DEFLATE-compressed for HTTP-Redirect.

    On HTTP-POST a deflated request is read too, as pysaml2 reads it.
    """
    try:
        raw = base64.b64decode("".join(saml_request.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise RequestRefused("its SAMLRequest is not valid base64.") from error
    if redirect or not raw.lstrip().startswith(b"<"):
        try:
            inflated = zlib.decompressobj(-15).decompress(raw, MAX_XML_BYTES + 1)
        except zlib.error as error:
            if redirect:
                raise RequestRefused("its SAMLRequest is not DEFLATE-compressed, as HTTP-Redirect requires.") from error
        else:
            raw = inflated
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestRefused("its SAMLRequest is not UTF-8 text.") from error


def read_request(
    saml_request: str, redirect: bool, endpoints: Container[str], sp_key: xmlsec.Key | None
) -> ReadRequest:
    """Decode and check an AuthnRequest received at one of ``endpoints``.

    ``sp_key`` holds the SP certificate's public key (:func:`sp_signature_key`), ``None`` when the
    application has none. Raises :class:`RequestRefused`.
    """
    xml = decode_request(saml_request, redirect)
    try:
        root = parse_xml(xml)
    except UnsafeXmlError as error:
        raise RequestRefused(escape(str(error))) from error
    if root.tag != AUTHN_REQUEST:
        name = etree.QName(root)
        namespace = f" ({name.namespace})" if name.namespace and name.namespace != SAMLP else ""
        raise RequestRefused(f"it is a {escape(name.localname)}{escape(namespace)}, not a SAML 2.0 AuthnRequest.")
    request_id = _required(root, "ID")
    version = _required(root, "Version")
    if version != "2.0":
        raise RequestRefused(f"its Version is {escape(version)}; only SAML 2.0 requests (Version=“2.0”) are accepted.")
    issue_instant = _required(root, "IssueInstant")
    destination = root.get("Destination")
    if destination and destination not in endpoints:
        raise RequestRefused(f"its Destination ({escape(destination)}) is not this application's SSO IdP URL.")
    options = request_options(root)
    _check_signature(root, request_id, sp_key)
    issuer = root.find(ISSUER)
    return ReadRequest(
        id=request_id,
        issuer=(issuer.text or "").strip() if issuer is not None else "",
        issue_instant=issue_instant,
        acs_url=root.get("AssertionConsumerServiceURL") or None,
        options=options,
        xml=xml,
    )


def request_options(root: etree._Element) -> RequestOptions:
    """What the AuthnRequest ``root`` asks (:func:`~sandbox.saml.idp_options.read_options`); raises
    :class:`RequestRefused` when a value is malformed."""
    try:
        return read_options(root)
    except MalformedOption as error:
        raise RequestRefused(str(error)) from error


def sp_signature_key(certificate_pem: str) -> xmlsec.Key | None:
    """The SP certificate's key for checking signed requests; ``None`` without a usable certificate."""
    if not certificate_pem.strip():
        return None
    try:
        return certificate_key(certificate_pem)
    except SignatureVerificationError:
        return None


def _required(root: etree._Element, attribute: str) -> str:
    value = (root.get(attribute) or "").strip()
    if not value:
        raise RequestRefused(f"it has no {attribute}.")
    return value


def _check_signature(root: etree._Element, request_id: str, sp_key: xmlsec.Key | None) -> None:
    signatures = root.findall(SIGNATURE)
    if not signatures:
        return
    if sp_key is None:
        raise RequestRefused(
            "it is signed, but this application has no SP certificate to check the signature with; "
            "upload the service provider's metadata or certificate."
        )
    try:
        verify_in_tree(root, f"{SAMLP}:AuthnRequest", request_id, sp_key)
    except (SignatureStructureError, SignatureVerificationError) as error:
        raise RequestRefused(
            f"its signature does not verify with the application's SP certificate: {escape(str(error))}."
        ) from error
