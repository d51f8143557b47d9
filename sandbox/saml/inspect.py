"""Decoding and summarising SAML messages for people: what a tracer or a rejection page shows.

Nothing here decides whether a message is trustworthy: it reads what the message *says*, signed or
not, so that a tester can see it. Verification is the service provider's or identity provider's job.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from lxml import etree

from sandbox.saml.keys import CertificateError, CertificateFacts, certificate_facts
from sandbox.saml.safe_xml import MAX_XML_BYTES, UnsafeXmlError, parse_xml

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS}


class MessageDecodeError(ValueError):
    """A parameter that does not decode to a SAML message; the message says why."""


def decode_message(value: str, *, deflated: bool = False) -> str:
    """The XML of a ``SAMLRequest``/``SAMLResponse`` parameter (base64, raw-deflated for HTTP-Redirect)."""
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise MessageDecodeError("The SAML message is not valid base64.") from error
    if deflated:
        try:
            decompressor = zlib.decompressobj(-15)
            raw = decompressor.decompress(raw, MAX_XML_BYTES + 1)
        except zlib.error as error:
            raise MessageDecodeError("The SAML message is not DEFLATE-compressed as HTTP-Redirect requires.") from error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MessageDecodeError("The SAML message is not UTF-8 text.") from error


@dataclass
class SignatureFacts:
    """One ``ds:Signature`` and what it covers."""

    element: str  # local name of the element the signature sits in (Response, Assertion, …)
    element_id: str | None
    reference_uri: str | None
    covers_its_element: bool  # the Reference points at the enclosing element's ID
    algorithm: str | None
    certificate_sha256: str | None  # of the certificate in KeyInfo, when one is included
    certificate_subject: str | None


@dataclass
class MessageSummary:
    """What a SAML message says, as plain JSON-ready values."""

    message_type: str
    id: str | None = None
    issue_instant: str | None = None
    destination: str | None = None
    in_response_to: str | None = None
    issuer: str | None = None
    status: str | None = None
    status_message: str | None = None
    assertion_count: int = 0
    encrypted_assertion_count: int = 0
    assertion_id: str | None = None
    assertion_issuer: str | None = None
    name_id: str | None = None
    name_id_format: str | None = None
    audiences: list[str] = field(default_factory=list)
    not_before: str | None = None
    not_on_or_after: str | None = None
    recipient: str | None = None
    confirmation_not_on_or_after: str | None = None
    confirmation_in_response_to: str | None = None
    session_index: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)
    assertion_consumer_service_url: str | None = None
    protocol_binding: str | None = None
    signatures: list[SignatureFacts] = field(default_factory=list)

    def signed(self, element: str) -> bool:
        """Whether an enveloped signature on ``element`` (e.g. ``"Assertion"``) covers that element."""
        return any(s.element == element and s.covers_its_element for s in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    # itertext joins text around comments, as an XML canonicaliser would (defeats comment injection).
    return "".join(element.itertext()).strip()


def _signature_facts(
    signature: etree._Element, known_certificates: Mapping[str, CertificateFacts] | None = None
) -> SignatureFacts:
    parent = signature.getparent()
    element = etree.QName(parent).localname if parent is not None else "?"
    element_id = parent.get("ID") if parent is not None else None
    reference = signature.find("ds:SignedInfo/ds:Reference", NS)
    uri = reference.get("URI") if reference is not None else None
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", NS)
    cert_text = _text(signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS))
    fingerprint = subject = None
    if cert_text:
        known = known_certificates.get("".join(cert_text.split())) if known_certificates else None
        try:
            facts = known or certificate_facts(cert_text)
            fingerprint, subject = facts.fingerprint_sha256, facts.subject
        except CertificateError:
            subject = "(not a readable certificate)"
    return SignatureFacts(
        element=element,
        element_id=element_id,
        reference_uri=uri,
        covers_its_element=bool(uri and element_id and uri == f"#{element_id}"),
        algorithm=method.get("Algorithm") if method is not None else None,
        certificate_sha256=fingerprint,
        certificate_subject=subject,
    )


def _read_assertion(summary: MessageSummary, assertion: etree._Element) -> None:
    summary.assertion_id = assertion.get("ID")
    summary.assertion_issuer = _text(assertion.find("saml:Issuer", NS))
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    summary.name_id = _text(name_id)
    summary.name_id_format = name_id.get("Format") if name_id is not None else None
    data = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    if data is not None:
        summary.recipient = data.get("Recipient")
        summary.confirmation_not_on_or_after = data.get("NotOnOrAfter")
        summary.confirmation_in_response_to = data.get("InResponseTo")
    conditions = assertion.find("saml:Conditions", NS)
    if conditions is not None:
        summary.not_before = conditions.get("NotBefore")
        summary.not_on_or_after = conditions.get("NotOnOrAfter")
        summary.audiences = [_text(a) or "" for a in conditions.findall("saml:AudienceRestriction/saml:Audience", NS)]
    statement = assertion.find("saml:AuthnStatement", NS)
    if statement is not None:
        summary.session_index = statement.get("SessionIndex")
    for attribute in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        name = attribute.get("Name") or attribute.get("FriendlyName") or "?"
        values = [_text(v) or "" for v in attribute.findall("saml:AttributeValue", NS)]
        summary.attributes.setdefault(name, []).extend(values)


def summarise(xml: str | bytes) -> MessageSummary:
    """Read a SAML protocol message (Response, AuthnRequest, LogoutRequest, LogoutResponse).

    Raises :class:`~sandbox.saml.safe_xml.UnsafeXmlError` for XML that is not safe to read.
    """
    return summarise_root(parse_xml(xml))


def summarise_root(
    root: etree._Element, known_certificates: Mapping[str, CertificateFacts] | None = None
) -> MessageSummary:
    """:func:`summarise` for a message already parsed by :func:`~sandbox.saml.safe_xml.parse_xml`.

    ``known_certificates``: facts of certificates already read, by their base64 body without whitespace
    (a service provider knows its IdP's), so a signature's certificate is not parsed again.
    """
    qname = etree.QName(root)
    if qname.namespace != SAMLP:
        raise UnsafeXmlError(f"This is not a SAML 2.0 protocol message (root element {qname.localname}).")
    summary = MessageSummary(
        message_type=qname.localname,
        id=root.get("ID"),
        issue_instant=root.get("IssueInstant"),
        destination=root.get("Destination"),
        in_response_to=root.get("InResponseTo"),
        issuer=_text(root.find("saml:Issuer", NS)),
        assertion_consumer_service_url=root.get("AssertionConsumerServiceURL"),
        protocol_binding=root.get("ProtocolBinding"),
    )
    code = root.find("samlp:Status/samlp:StatusCode", NS)
    if code is not None:
        inner = code.find("samlp:StatusCode", NS)
        summary.status = code.get("Value")
        if inner is not None and inner.get("Value"):
            summary.status = f"{summary.status} / {inner.get('Value')}"
        summary.status_message = _text(root.find("samlp:Status/samlp:StatusMessage", NS))
    # Every assertion anywhere in the document counts: wrapped copies hide in Extensions or Objects.
    assertions = root.findall(f".//{{{SAML}}}Assertion")
    summary.assertion_count = len(assertions)
    summary.encrypted_assertion_count = len(root.findall(f".//{{{SAML}}}EncryptedAssertion"))
    if root.find("saml:Assertion", NS) is not None:
        _read_assertion(summary, root.find("saml:Assertion", NS))
    elif qname.localname in ("LogoutRequest", "AuthnRequest"):
        name_id = root.find("saml:NameID", NS)
        summary.name_id = _text(name_id)
        summary.name_id_format = name_id.get("Format") if name_id is not None else None
        summary.session_index = _text(root.find("samlp:SessionIndex", NS))
        policy = root.find("samlp:NameIDPolicy", NS)
        if policy is not None and summary.name_id_format is None:
            summary.name_id_format = policy.get("Format")
    summary.signatures = [_signature_facts(s, known_certificates) for s in root.iter(f"{{{DS}}}Signature")]
    return summary
