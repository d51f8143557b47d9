"""The Response JumpCloud issues: its shape, whichever backend signs it, and what each option changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import xmlsec
from lxml import etree

from sandbox.saml.backend import BACKENDS, PYTHON_XMLSEC, XMLSEC1
from sandbox.saml.enveloped import verify_in_tree
from sandbox.saml.idp import (
    NAMEID_FORMATS,
    AuthnRequestInfo,
    IdentityProvider,
    IdentityProviders,
    IdpSettings,
    IssuedResponse,
    ResponseOptions,
    ServiceProviderSettings,
)
from sandbox.saml.keys import certificate_body, generate_key_pair
from sandbox.saml.response import DS, SAML, SAMLP, XSI, new_id

IDP_KEYS = generate_key_pair("unit idp")
OTHER_KEYS = generate_key_pair("someone else")
SP = ServiceProviderSettings("http://sp.example/", ("http://sp.example/acs", "http://sp.example/acs2"))
REQUEST = AuthnRequestInfo(id="id-request-1", issuer=SP.entity_id, acs_url=SP.acs_urls[1], xml="")
ATTRIBUTES = [("email", ["ada@example.com"]), ("memberOf", ["Staff", "R&D <lab>"]), ("title", [""]), ("none", [])]
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS}
SIGNING = {"assertion": (True, False), "response": (False, True), "both": (True, True), "neither": (False, False)}


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _provider(providers: IdentityProviders, backend: str) -> IdentityProvider:
    idp = IdpSettings("JumpCloud", "http://jc.example/saml2/app", IDP_KEYS.certificate_pem, IDP_KEYS.private_key_pem)
    return providers.get(IdpSettings(**{**idp.__dict__, "backend": backend}), SP)


def _issue(provider: IdentityProvider, **options: object) -> IssuedResponse:
    return provider.issue_response(
        name_id="ada@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=ATTRIBUTES,
        options=ResponseOptions(**options),  # type: ignore[arg-type]
        request=REQUEST,
        relay_state="/posts/1",
    )


def _skeleton(xml: str) -> list[str]:
    """Every element with its prefix and attribute names, and every text outside signatures and IDs."""
    root = etree.fromstring(xml.encode())
    lines = []
    for element in root.iter():
        attributes = sorted(
            name
            if name in ("ID", "IssueInstant", "NotBefore", "NotOnOrAfter", "AuthnInstant", "SessionIndex", "URI")
            else f"{name}={value}"
            for name, value in element.attrib.items()
        )
        text = "" if element.tag in (f"{{{DS}}}DigestValue", f"{{{DS}}}SignatureValue") else (element.text or "")
        lines.append(f"{element.prefix}:{etree.QName(element).localname} {attributes} {text!r}")
    return lines


def _root(issued: IssuedResponse) -> etree._Element:
    return etree.fromstring(issued.xml.encode())


@pytest.mark.parametrize("signing", SIGNING, ids=list(SIGNING))
def test_both_backends_issue_the_same_document(providers: IdentityProviders, signing: str) -> None:
    sign_assertion, sign_response = SIGNING[signing]
    issued = {
        backend: _issue(_provider(providers, backend), sign_assertion=sign_assertion, sign_response=sign_response)
        for backend in BACKENDS
    }
    assert _skeleton(issued[PYTHON_XMLSEC].xml) == _skeleton(issued[XMLSEC1].xml)
    signatures = _root(issued[PYTHON_XMLSEC]).findall(".//ds:Signature", NS)
    assert len(signatures) == sign_assertion + sign_response


@pytest.mark.parametrize("signing", ["assertion", "response", "both"])
def test_in_process_signatures_verify_with_the_application_certificate(
    providers: IdentityProviders, signing: str
) -> None:
    sign_assertion, sign_response = SIGNING[signing]
    issued = _issue(_provider(providers, PYTHON_XMLSEC), sign_assertion=sign_assertion, sign_response=sign_response)
    root = _root(issued)
    key = xmlsec.Key.from_memory(IDP_KEYS.certificate_pem.encode(), xmlsec.constants.KeyDataFormatCertPem)
    if sign_assertion:
        verify_in_tree(root, f"{SAML}:Assertion", issued.assertion_id, key)
        assertion_signature = root.find("saml:Assertion/ds:Signature", NS)
        assert assertion_signature is not None and assertion_signature.get("Id") == "Signature1"
    if sign_response:
        verify_in_tree(root, f"{SAMLP}:Response", issued.response_id, key)
    certificates = root.findall(".//ds:X509Certificate", NS)
    assert {c.text for c in certificates} == {certificate_body(IDP_KEYS.certificate_pem)}


def test_the_document_says_who_for_whom_and_until_when(providers: IdentityProviders) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    issued = _issue(_provider(providers, PYTHON_XMLSEC))
    root = _root(issued)
    assert issued.acs_url == REQUEST.acs_url and issued.relay_state == "/posts/1"
    assert root.get("Destination") == REQUEST.acs_url and root.get("InResponseTo") == REQUEST.id
    assert root.get("ID") == issued.response_id and root.get("Version") == "2.0"
    assert [child.tag for child in root] == [f"{{{SAML}}}Issuer", f"{{{SAMLP}}}Status", f"{{{SAML}}}Assertion"]
    assertion = root.find("saml:Assertion", NS)
    assert assertion is not None and assertion.get("ID") == issued.assertion_id
    assert [etree.QName(child).localname for child in assertion] == [
        "Issuer",
        "Signature",
        "Subject",
        "Conditions",
        "AuthnStatement",
        "AttributeStatement",
    ]
    assert root.findtext("saml:Issuer", namespaces=NS) == "JumpCloud"
    assert root.find("samlp:Status/samlp:StatusCode", NS).get("Value").endswith(":Success")
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    assert name_id is not None and name_id.text == "ada@example.com"
    assert name_id.get("Format") == NAMEID_FORMATS["emailAddress"]
    data = assertion.find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    assert data is not None and data.get("Recipient") == REQUEST.acs_url and data.get("InResponseTo") == REQUEST.id
    assert assertion.findtext("saml:Conditions/saml:AudienceRestriction/saml:Audience", namespaces=NS) == SP.entity_id
    issued_at = datetime.strptime(root.get("IssueInstant", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    conditions = assertion.find("saml:Conditions", NS)
    assert conditions is not None
    not_after = datetime.strptime(conditions.get("NotOnOrAfter", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= issued_at <= before + timedelta(seconds=5)
    assert not_after - issued_at == timedelta(minutes=5)


def test_attribute_values_travel_as_typed_strings(providers: IdentityProviders) -> None:
    root = _root(_issue(_provider(providers, PYTHON_XMLSEC)))
    found = {
        attribute.get("Name"): [value.text or "" for value in attribute.findall("saml:AttributeValue", NS)]
        for attribute in root.iterfind(".//saml:Attribute", NS)
    }
    assert found == {name: values for name, values in ATTRIBUTES}
    for value in root.iterfind(".//saml:AttributeValue", NS):
        assert value.get(f"{{{XSI}}}type") == "xs:string"
        assert value.nsmap["xs"] == "http://www.w3.org/2001/XMLSchema"


def test_without_attributes_there_is_no_attribute_statement(providers: IdentityProviders) -> None:
    issued = _provider(providers, PYTHON_XMLSEC).issue_response(
        name_id="ada", name_id_format=NAMEID_FORMATS["unspecified"], attributes=[], options=ResponseOptions()
    )
    root = _root(issued)
    assert root.find(".//saml:AttributeStatement", NS) is None
    assert "xsi" not in root.nsmap
    # IdP-initiated: to the first ACS URL, in response to nothing.
    assert issued.acs_url == SP.acs_urls[0] and root.get("InResponseTo") is None
    assert root.find(".//saml:SubjectConfirmationData", NS).get("InResponseTo") is None


def test_tester_options_bend_times_audience_and_key(providers: IdentityProviders) -> None:
    provider = _provider(providers, PYTHON_XMLSEC)
    skewed = _root(_issue(provider, clock_skew=timedelta(minutes=30), validity=timedelta(seconds=10)))
    issued_at = datetime.strptime(skewed.get("IssueInstant", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert issued_at - datetime.now(UTC) > timedelta(minutes=29)
    conditions = skewed.find(".//saml:Conditions", NS)
    assert conditions is not None
    not_after = datetime.strptime(conditions.get("NotOnOrAfter", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert not_after - issued_at == timedelta(seconds=10)

    wrong = _root(_issue(provider, audience="http://sp.example//wrong-audience"))
    assert wrong.findtext(".//saml:Audience", namespaces=NS) == "http://sp.example//wrong-audience"

    foreign = _issue(provider, foreign_key=(OTHER_KEYS.private_key_pem, OTHER_KEYS.certificate_pem))
    root = _root(foreign)
    assert root.findtext(".//ds:X509Certificate", namespaces=NS) == certificate_body(OTHER_KEYS.certificate_pem)
    own_key = xmlsec.Key.from_memory(IDP_KEYS.certificate_pem.encode(), xmlsec.constants.KeyDataFormatCertPem)
    with pytest.raises(ValueError):
        verify_in_tree(root, f"{SAML}:Assertion", foreign.assertion_id, own_key)


def test_ids_are_fresh_ncnames() -> None:
    ids = {new_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"id-[0-9a-f]{32}", value) for value in ids)
