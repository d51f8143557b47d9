"""Safe parsing of untrusted XML, and the human-readable summary of SAML messages."""

from __future__ import annotations

import base64
import zlib

import pytest

from sandbox.saml.inspect import MessageDecodeError, decode_message, summarise
from sandbox.saml.keys import generate_key_pair, sha256_fingerprint
from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml

RESPONSE = """<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"
 ID="r1" Version="2.0" IssueInstant="2024-05-01T10:00:00Z" Destination="https://sp/acs" InResponseTo="req-1">
 <saml:Issuer>https://idp</saml:Issuer>
 <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
 <saml:Assertion ID="a1" Version="2.0" IssueInstant="2024-05-01T10:00:00Z">
  <saml:Issuer>https://idp</saml:Issuer>
  <ds:Signature><ds:SignedInfo><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
   <ds:Reference URI="#a1"/></ds:SignedInfo>
   <ds:KeyInfo><ds:X509Data><ds:X509Certificate>CERT</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>
  <saml:Subject>
   <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">ada@<!---->acme.example</saml:NameID>
   <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
    <saml:SubjectConfirmationData Recipient="https://sp/acs" NotOnOrAfter="2024-05-01T10:05:00Z" InResponseTo="req-1"/>
   </saml:SubjectConfirmation></saml:Subject>
  <saml:Conditions NotBefore="2024-05-01T09:59:00Z" NotOnOrAfter="2024-05-01T10:05:00Z">
   <saml:AudienceRestriction><saml:Audience>https://sp/</saml:Audience></saml:AudienceRestriction></saml:Conditions>
  <saml:AttributeStatement>
   <saml:Attribute Name="firstname"><saml:AttributeValue>Ada</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion>
</samlp:Response>"""


@pytest.fixture(scope="module")
def response_xml() -> tuple[str, str]:
    keys = generate_key_pair("idp")
    body = "".join(keys.certificate_pem.splitlines()[1:-1])
    return RESPONSE.replace("CERT", body), sha256_fingerprint(keys.certificate_pem)


def test_summary_of_a_response(response_xml: tuple[str, str]) -> None:
    xml, fingerprint = response_xml
    summary = summarise(xml)
    assert summary.message_type == "Response"
    assert (summary.issuer, summary.destination, summary.in_response_to) == ("https://idp", "https://sp/acs", "req-1")
    assert summary.name_id == "ada@acme.example"  # text around a comment is joined, as canonical XML reads it
    assert summary.name_id_format.endswith("emailAddress")
    assert summary.audiences == ["https://sp/"]
    assert (summary.not_before, summary.not_on_or_after) == ("2024-05-01T09:59:00Z", "2024-05-01T10:05:00Z")
    assert summary.recipient == "https://sp/acs"
    assert summary.attributes == {"firstname": ["Ada"]}
    assert summary.signed("Assertion") and not summary.signed("Response")
    assert summary.signatures[0].certificate_sha256 == fingerprint
    assert summary.status.endswith("Success")
    assert summary.to_dict()["signatures"][0]["reference_uri"] == "#a1"


def test_a_signature_pointing_elsewhere_does_not_count(response_xml: tuple[str, str]) -> None:
    summary = summarise(response_xml[0].replace('URI="#a1"', 'URI="#other"'))
    assert not summary.signed("Assertion")
    assert summary.signatures[0].covers_its_element is False


def test_decode_post_and_redirect_encodings() -> None:
    xml = "<samlp:AuthnRequest xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol' ID='x'/>"
    assert decode_message(base64.b64encode(xml.encode()).decode()) == xml
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = deflater.compress(xml.encode()) + deflater.flush()
    assert decode_message(base64.b64encode(deflated).decode(), deflated=True) == xml
    assert summarise(xml).message_type == "AuthnRequest"


@pytest.mark.parametrize("value", ["not base64 !!", base64.b64encode(b"\xff\xfe").decode()])
def test_undecodable_messages_are_named(value: str) -> None:
    with pytest.raises(MessageDecodeError):
        decode_message(value)


@pytest.mark.parametrize(
    "xml",
    [
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        '<!DOCTYPE r [<!ENTITY a "aa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>',
        '<!DOCTYPE r SYSTEM "http://example.invalid/dtd"><r/>',
    ],
    ids=["external-entity", "entity-expansion", "external-dtd"],
)
def test_dtds_and_entities_are_refused(xml: str) -> None:
    with pytest.raises(UnsafeXmlError, match="DTD"):
        parse_xml(xml)


def test_dtd_in_another_encoding_is_refused_and_nothing_is_read_from_disk() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(UnsafeXmlError, match="DTD") as refused:
        parse_xml(xml.encode("utf-16"))
    assert "root:" not in str(refused.value)


def test_doctype_text_inside_an_element_is_only_text() -> None:
    root = parse_xml("<r><![CDATA[<!DOCTYPE r>]]> and &lt;!DOCTYPE&gt;</r>")
    assert root.text == "<!DOCTYPE r> and <!DOCTYPE>"


def test_size_limit_and_garbage() -> None:
    with pytest.raises(UnsafeXmlError, match="at most"):
        parse_xml("<r>" + "a" * 100 + "</r>", max_bytes=50)
    with pytest.raises(UnsafeXmlError, match="not well-formed"):
        parse_xml("<r><unclosed></r>")
    with pytest.raises(UnsafeXmlError, match="empty"):
        parse_xml("  ")


def test_non_saml_root_is_refused() -> None:
    with pytest.raises(UnsafeXmlError, match=r"not a SAML 2\.0 protocol message"):
        summarise("<html/>")
