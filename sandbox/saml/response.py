"""A SAML Response carrying one Assertion (or, for a refused request, only an error status), built as an
lxml tree with its signature templates in place.

The IdP fills in the templates where they stand (``sandbox.saml.enveloped.sign_in_place``), or,
with the ``xmlsec1`` program, serialises the tree and has pysaml2 sign the text. Either way the
document is the one pysaml2's own SAML classes wrote before: the same elements in schema order, the
same attributes, the same namespace prefixes (``ns0`` protocol, ``ns1`` assertion, ``ns2`` XML
signature), each AttributeValue typed ``xs:string``, and the same signature templates (exclusive
canonicalization, enveloped, RSA-SHA256 over a SHA-256 digest, the signing certificate in KeyInfo).
Building the tree directly takes a few tens of microseconds instead of pysaml2's milliseconds.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lxml import etree

from sandbox.saml.backend import DIGEST_SHA256, SIG_RSA_SHA256

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XS = "http://www.w3.org/2001/XMLSchema"

NAMEID_FORMAT_ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
SUBJECT_CONFIRMATION_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
ATTRNAME_FORMAT_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
PASSWORD_PROTECTED_TRANSPORT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
TRANSFORM_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
TRANSFORM_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

# What XML 1.0 cannot carry (§2.2): control characters other than tab and line breaks, lone surrogates,
# U+FFFE and U+FFFF. lxml refuses them with a bare ValueError.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class NotXmlText(ValueError):
    """A value for the assertion holds a character no XML document can carry."""

    def __init__(self, what: str, character: str) -> None:
        super().__init__(f"{what} holds the character U+{ord(character):04X}, which no SAML message can carry")
        self.what = what
        self.character = character


def _xml_text(value: str, what: str) -> str:
    found = _NOT_XML.search(value)
    if found is not None:
        raise NotXmlText(what, found.group())
    return value


# NotBefore sits a few seconds before the issue instant, for receivers whose clock is a little behind.
NOT_BEFORE_MARGIN = timedelta(seconds=5)


def new_id() -> str:
    """A fresh SAML ID: ``id-`` and 128 random bits in hex (an NCName, as the schema wants)."""
    return f"id-{secrets.token_hex(16)}"


def timestamp(moment: datetime) -> str:
    """``xs:dateTime`` in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ResponseContent:
    """What a Response says about the user, for whom, and for how long."""

    issuer: str
    acs_url: str
    audience: str
    name_id: str
    name_id_format: str
    attributes: list[tuple[str, list[str]]]
    issued: datetime
    expires: datetime
    in_response_to: str | None = None
    session_index: str | None = None
    # When the user authenticated (the AuthnStatement's AuthnInstant); the issue instant when unknown.
    authn_instant: datetime | None = None


@dataclass(frozen=True)
class StatusContent:
    """A Response without an assertion: the request it answers and why it is refused (core §3.2.2.2)."""

    issuer: str
    acs_url: str
    in_response_to: str
    issued: datetime
    status: str
    second_status: str | None = None
    message: str | None = None


@dataclass
class BuiltResponse:
    """The Response tree and the elements a signature goes into (no assertion in an error Response)."""

    response: etree._Element
    assertion: etree._Element | None
    response_id: str
    assertion_id: str | None

    def to_xml(self) -> str:
        return str(etree.tostring(self.response, encoding="unicode"))


def _element(parent: etree._Element, namespace: str, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _issuer(parent: etree._Element, entity_id: str) -> None:
    _element(parent, SAML, "Issuer", entity_id).set("Format", NAMEID_FORMAT_ENTITY)


def _response(
    nsmap: dict[str, str], response_id: str, in_response_to: str | None, issued: str, acs_url: str, issuer: str
) -> etree._Element:
    response = etree.Element(f"{{{SAMLP}}}Response", nsmap=nsmap)
    response.set("ID", response_id)
    if in_response_to is not None:
        response.set("InResponseTo", in_response_to)
    response.set("Version", "2.0")
    response.set("IssueInstant", issued)
    response.set("Destination", acs_url)
    _issuer(response, issuer)
    return response


def build_status_response(content: StatusContent) -> BuiltResponse:
    """The unsigned error Response: Issuer, then the status codes (and a message, when there is one)."""
    response_id = new_id()
    response = _response(
        {"ns0": SAMLP, "ns1": SAML, "ns2": DS},
        response_id,
        content.in_response_to,
        timestamp(content.issued),
        content.acs_url,
        content.issuer,
    )
    status = _element(response, SAMLP, "Status")
    code = _element(status, SAMLP, "StatusCode")
    code.set("Value", content.status)
    if content.second_status is not None:
        _element(code, SAMLP, "StatusCode").set("Value", content.second_status)
    if content.message is not None:
        _element(status, SAMLP, "StatusMessage", content.message)
    return BuiltResponse(response, None, response_id, None)


def build_response(content: ResponseContent) -> BuiltResponse:
    """The unsigned Response with its Assertion, IDs freshly made."""
    response_id, assertion_id = new_id(), new_id()
    issued = timestamp(content.issued)
    expires = timestamp(content.expires)
    nsmap = {"ns0": SAMLP, "ns1": SAML, "ns2": DS}
    if any(values for _name, values in content.attributes):
        nsmap["xsi"] = XSI
    response = _response(nsmap, response_id, content.in_response_to, issued, content.acs_url, content.issuer)
    status = _element(response, SAMLP, "Status")
    _element(status, SAMLP, "StatusCode").set("Value", STATUS_SUCCESS)

    assertion = _element(response, SAML, "Assertion")
    assertion.set("Version", "2.0")
    assertion.set("ID", assertion_id)
    assertion.set("IssueInstant", issued)
    _issuer(assertion, content.issuer)
    subject = _element(assertion, SAML, "Subject")
    _element(subject, SAML, "NameID", _xml_text(content.name_id, "The NameID")).set("Format", content.name_id_format)
    confirmation = _element(subject, SAML, "SubjectConfirmation")
    confirmation.set("Method", SUBJECT_CONFIRMATION_BEARER)
    data = _element(confirmation, SAML, "SubjectConfirmationData")
    data.set("NotOnOrAfter", expires)
    data.set("Recipient", content.acs_url)
    if content.in_response_to is not None:
        data.set("InResponseTo", content.in_response_to)
    conditions = _element(assertion, SAML, "Conditions")
    conditions.set("NotBefore", timestamp(content.issued - NOT_BEFORE_MARGIN))
    conditions.set("NotOnOrAfter", expires)
    _element(_element(conditions, SAML, "AudienceRestriction"), SAML, "Audience", content.audience)
    statement = _element(assertion, SAML, "AuthnStatement")
    statement.set("AuthnInstant", timestamp(content.authn_instant) if content.authn_instant else issued)
    statement.set("SessionIndex", content.session_index or new_id())
    context = _element(statement, SAML, "AuthnContext")
    _element(context, SAML, "AuthnContextClassRef", PASSWORD_PROTECTED_TRANSPORT)
    if content.attributes:
        attributes = _element(assertion, SAML, "AttributeStatement")
        for name, values in content.attributes:
            attribute = _element(attributes, SAML, "Attribute")
            attribute.set("Name", _xml_text(name, "An attribute name"))
            attribute.set("NameFormat", ATTRNAME_FORMAT_BASIC)
            for value in values:
                attribute_value = etree.SubElement(attribute, f"{{{SAML}}}AttributeValue", nsmap={"xs": XS})
                attribute_value.set(f"{{{XSI}}}type", "xs:string")
                # An empty value stays an empty element, as pysaml2 wrote it.
                attribute_value.text = _xml_text(value, f"The attribute {name}") or None
    return BuiltResponse(response, assertion, response_id, assertion_id)


def add_signature_template(element: etree._Element, certificate_body: str, number: int) -> etree._Element:
    """An empty enveloped ``ds:Signature`` for ``element`` (by its ``ID``), right after its Issuer.

    ``number`` makes the signature's ``Id`` (``Signature1``, ``Signature2``); ``certificate_body`` is
    the base64 DER certificate the receiver finds in KeyInfo.
    """
    signature = etree.Element(f"{{{DS}}}Signature")
    signature.set("Id", f"Signature{number}")
    signed_info = _element(signature, DS, "SignedInfo")
    _element(signed_info, DS, "CanonicalizationMethod").set("Algorithm", TRANSFORM_EXC_C14N)
    _element(signed_info, DS, "SignatureMethod").set("Algorithm", SIG_RSA_SHA256)
    reference = _element(signed_info, DS, "Reference")
    reference.set("URI", f"#{element.get('ID')}")
    transforms = _element(reference, DS, "Transforms")
    _element(transforms, DS, "Transform").set("Algorithm", TRANSFORM_ENVELOPED)
    _element(transforms, DS, "Transform").set("Algorithm", TRANSFORM_EXC_C14N)
    _element(reference, DS, "DigestMethod").set("Algorithm", DIGEST_SHA256)
    _element(reference, DS, "DigestValue")
    _element(signature, DS, "SignatureValue")
    x509_data = _element(_element(signature, DS, "KeyInfo"), DS, "X509Data")
    _element(x509_data, DS, "X509Certificate", certificate_body)
    # Schema order: Issuer, then Signature.
    element.insert(1, signature)
    return signature
