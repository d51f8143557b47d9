"""What BlogIn's service provider refuses beyond the everyday rejections: wrapping variants and odd shapes.

Responses are issued unsigned by the sandbox's IdP, bent by each test, then signed with RSA-SHA256 by
python-xmlsec, so each one carries a signature that verifies and only the bent part is wrong.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from sandbox.saml.backend import BACKENDS, PYTHON_XMLSEC, crypto_settings
from sandbox.saml.idp import NAMEID_FORMATS, IdentityProviders, IdpSettings, ResponseOptions
from sandbox.saml.idp import ServiceProviderSettings as ServedSp
from sandbox.saml.keys import generate_key_pair
from sandbox.saml.sp import ResponseRejected, ServiceProvider, ServiceProviderSettings, VerifiedResponse
from tests.integration.blogin_sso.idp import NS, _sign_element

IDP_KEYS = generate_key_pair("JumpCloud unit")
SP_KEYS = generate_key_pair("acme.blogin unit")
ENTITY_ID = "http://acme.blogin.localhost:5001/"
ACS_URL = "http://acme.blogin.localhost:5001/sso/saml/callback"
SAML = NS["saml"]
SAMLP = NS["samlp"]
DS = NS["ds"]
IDP = IdpSettings(
    entity_id="JumpCloud",
    sso_url="http://console.jumpcloud.localhost:5000/saml2/blogin",
    certificate_pem=IDP_KEYS.certificate_pem,
    private_key_pem=IDP_KEYS.private_key_pem,
    backend=PYTHON_XMLSEC,
)

Bend = Callable[[etree._Element], None]


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


@pytest.fixture(scope="module", params=BACKENDS)
def sp(request: pytest.FixtureRequest, providers: IdentityProviders) -> Iterator[ServiceProvider]:
    settings = ServiceProviderSettings(
        entity_id=ENTITY_ID,
        acs_url=ACS_URL,
        idp_metadata_xml=providers.metadata_xml(IDP),
        key_pem=SP_KEYS.private_key_pem,
        certificate_pem=SP_KEYS.certificate_pem,
        crypto=crypto_settings(request.param),
    )
    with ServiceProvider(settings) as provider:
        yield provider


def _unsigned(providers: IdentityProviders, request_id: str) -> etree._Element:
    idp = providers.get(IDP, ServedSp(ENTITY_ID, (ACS_URL,), SP_KEYS.certificate_pem))
    issued = idp.issue_response(
        name_id="mallory@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=[("email", ["mallory@example.com"]), ("lastname", ["Mallory"])],
        options=ResponseOptions(sign_assertion=False, sign_response=False),
        request=None,
    )
    root = etree.fromstring(issued.xml.encode())
    root.set("InResponseTo", request_id)
    data = root.find("saml:Assertion/saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
    data.set("InResponseTo", request_id)
    return root


def _verify(
    sp: ServiceProvider,
    providers: IdentityProviders,
    *,
    before: Bend | None = None,
    after: Bend | None = None,
    sign_response: bool = False,
) -> VerifiedResponse:
    """Issue, bend with ``before``, sign the assertion (and the response), bend with ``after``, verify."""
    root = _unsigned(providers, "id-request-1")
    if before is not None:
        before(root)
    _sign_element(root.find("saml:Assertion", NS), IDP_KEYS)
    if sign_response:
        _sign_element(root, IDP_KEYS)
    if after is not None:
        after(root)
    encoded = base64.b64encode(etree.tostring(root)).decode()
    return sp.verify_response(encoded, known_request_ids={"id-request-1"})


def _refused(sp: ServiceProvider, providers: IdentityProviders, check: str, fragment: str, **bends: object) -> None:
    with pytest.raises(ResponseRejected) as rejected:
        _verify(sp, providers, **bends)  # type: ignore[arg-type]
    if sp.backend == PYTHON_XMLSEC:
        assert rejected.value.check == check
        assert fragment in rejected.value.reason


def _assertion(root: etree._Element) -> etree._Element:
    return root.find("saml:Assertion", NS)


def _forged_copy(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(_assertion(root))
    for signature in forged.findall("ds:Signature", NS):
        forged.remove(signature)
    forged.find("saml:Subject/saml:NameID", NS).text = "admin@example.com"
    forged.set("ID", "_forged")
    return forged


def test_an_untouched_response_is_accepted(sp: ServiceProvider, providers: IdentityProviders) -> None:
    verified = _verify(sp, providers)
    assert verified.name_id == "mallory@example.com"
    assert verified.attributes["lastname"] == ["Mallory"]
    assert verified.in_response_to == "id-request-1"


def test_a_second_unsigned_assertion_after_the_signed_one(sp: ServiceProvider, providers: IdentityProviders) -> None:
    _refused(sp, providers, "one assertion", "carries 2", after=lambda r: _assertion(r).addnext(_forged_copy(r)))


def test_the_signed_assertion_moved_into_extensions_alone(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def move(root: etree._Element) -> None:
        extensions = etree.Element(f"{{{SAMLP}}}Extensions")
        root.find("saml:Issuer", NS).addnext(extensions)
        extensions.append(_assertion(root))

    _refused(sp, providers, "one assertion", "not directly inside the Response", after=move)


def test_the_signed_assertion_moved_into_a_ds_object(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def move(root: etree._Element) -> None:
        assertion = _assertion(root)
        signature = copy.deepcopy(assertion.find("ds:Signature", NS))
        root.find("saml:Issuer", NS).addnext(signature)
        etree.SubElement(signature, f"{{{DS}}}Object").append(assertion)

    # The copied signature in the Response references the Assertion's ID, not the Response's.
    _refused(sp, providers, "signature", "this is how XML signature wrapping attacks look", after=move)


def test_a_reference_to_a_different_id(sp: ServiceProvider, providers: IdentityProviders) -> None:
    """The response's own signature moved into the assertion: it references the Response, not the Assertion."""

    def move(root: etree._Element) -> None:
        assertion = _assertion(root)
        assertion.remove(assertion.find("ds:Signature", NS))
        signature = root.find("ds:Signature", NS)
        assertion.find("saml:Issuer", NS).addnext(signature)

    _refused(sp, providers, "signature", "references #", sign_response=True, after=move)


def test_a_second_element_with_the_assertion_id(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def duplicate(root: etree._Element) -> None:
        extensions = etree.Element(f"{{{SAMLP}}}Extensions")
        root.find("saml:Issuer", NS).addnext(extensions)
        etree.SubElement(extensions, "{urn:example}Decoy", ID=_assertion(root).get("ID"))

    _refused(sp, providers, "signature", "2 elements carry the ID", after=duplicate)


def test_an_xml_id_naming_the_assertion(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def duplicate(root: etree._Element) -> None:
        extensions = etree.Element(f"{{{SAMLP}}}Extensions")
        root.find("saml:Issuer", NS).addnext(extensions)
        decoy = etree.SubElement(extensions, "{urn:example}Decoy")
        decoy.set("{http://www.w3.org/XML/1998/namespace}id", _assertion(root).get("ID"))

    with pytest.raises(ResponseRejected) as rejected:
        _verify(sp, providers, after=duplicate)
    if sp.backend == PYTHON_XMLSEC:
        assert rejected.value.check == "signature"


def test_a_signature_in_an_unexpected_place(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def stray(root: etree._Element) -> None:
        extensions = etree.Element(f"{{{SAMLP}}}Extensions")
        root.find("saml:Issuer", NS).addnext(extensions)
        extensions.append(copy.deepcopy(_assertion(root).find("ds:Signature", NS)))

    _refused(sp, providers, "signature", "A signature sits inside <Extensions>", after=stray)


def test_a_signature_method_that_is_not_rsa(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def hmac(root: etree._Element) -> None:
        method = _assertion(root).find("ds:Signature/ds:SignedInfo/ds:SignatureMethod", NS)
        method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")

    _refused(sp, providers, "signature algorithm", "hmac-sha1", after=hmac)


def test_a_broken_response_signature_over_a_good_assertion(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def tamper(root: etree._Element) -> None:
        root.set("Destination", ACS_URL + "?x")  # after the response was signed

    with pytest.raises(ResponseRejected):
        _verify(sp, providers, sign_response=True, after=tamper)


def test_a_changed_response_signature_value(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def tamper(root: etree._Element) -> None:
        value = root.find("ds:Signature/ds:SignatureValue", NS)
        value.text = base64.b64encode(b"\0" * 256).decode()

    _refused(sp, providers, "signature", "does not verify", sign_response=True, after=tamper)


def test_markup_inside_the_name_id(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def markup(root: etree._Element) -> None:
        name_id = _assertion(root).find("saml:Subject/saml:NameID", NS)
        name_id.text = "admin@example.com"
        etree.SubElement(name_id, "{urn:example}b").tail = ".evil.test"

    _refused(sp, providers, "NameID", "markup", before=markup)


def test_no_bearer_subject_confirmation(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def holder_of_key(root: etree._Element) -> None:
        confirmation = _assertion(root).find("saml:Subject/saml:SubjectConfirmation", NS)
        confirmation.set("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")

    _refused(sp, providers, "recipient", "no bearer SubjectConfirmation", before=holder_of_key)


def test_an_audience_restriction_without_this_service_provider(
    sp: ServiceProvider, providers: IdentityProviders
) -> None:
    def second_restriction(root: etree._Element) -> None:
        conditions = _assertion(root).find("saml:Conditions", NS)
        restriction = etree.SubElement(conditions, f"{{{SAML}}}AudienceRestriction")
        etree.SubElement(restriction, f"{{{SAML}}}Audience").text = "https://other.example/"

    _refused(sp, providers, "audience", "https://other.example/", before=second_restriction)


def test_subject_confirmation_answering_another_request(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def other(root: etree._Element) -> None:
        data = _assertion(root).find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
        data.set("InResponseTo", "id-another-request")

    _refused(sp, providers, "InResponseTo", "its assertion answers id-another-request", before=other)


def test_subject_confirmation_expired_while_conditions_are_not(
    sp: ServiceProvider, providers: IdentityProviders
) -> None:
    def expire(root: etree._Element) -> None:
        data = _assertion(root).find("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData", NS)
        data.set("NotOnOrAfter", (datetime.now(UTC) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ"))

    _refused(sp, providers, "validity window", "The assertion expired at", before=expire)


def test_a_response_issued_days_ago(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def old(root: etree._Element) -> None:
        root.set("IssueInstant", (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ"))

    _refused(sp, providers, "validity window", "more than a day apart", before=old)


def test_another_saml_version(sp: ServiceProvider, providers: IdentityProviders) -> None:
    _refused(sp, providers, "message version", "not 2.0", before=lambda r: r.set("Version", "2.1"))


def test_an_encrypted_assertion_is_refused_by_name(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def encrypt(root: etree._Element) -> None:
        assertion = _assertion(root)
        encrypted = etree.Element(f"{{{SAML}}}EncryptedAssertion")
        etree.SubElement(encrypted, "{http://www.w3.org/2001/04/xmlenc#}EncryptedData")
        root.replace(assertion, encrypted)

    with pytest.raises(ResponseRejected) as rejected:
        root = _unsigned(providers, "id-request-1")
        encrypt(root)
        sp.verify_response(base64.b64encode(etree.tostring(root)).decode(), known_request_ids=set())
    if sp.backend == PYTHON_XMLSEC:
        assert rejected.value.check == "encrypted assertion"


def test_an_error_status_is_refused_with_its_code(sp: ServiceProvider, providers: IdentityProviders) -> None:
    def requester(root: etree._Element) -> None:
        code = root.find("samlp:Status/samlp:StatusCode", NS)
        code.set("Value", "urn:oasis:names:tc:SAML:2.0:status:Requester")
        etree.SubElement(code, f"{{{SAMLP}}}StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied")

    with pytest.raises(ResponseRejected) as rejected:
        _verify(sp, providers, sign_response=True, before=requester)
    assert rejected.value.check == "status"
    assert "status:Requester / urn:oasis:names:tc:SAML:2.0:status:RequestDenied" in rejected.value.reason


def test_a_request_posted_to_the_acs_is_refused(sp: ServiceProvider) -> None:
    request = sp.authn_request(relay_state=None)
    with pytest.raises(ResponseRejected) as rejected:
        sp.verify_response(base64.b64encode(request.xml.encode()).decode(), known_request_ids=set())
    assert rejected.value.check == "message type"
    assert "got an AuthnRequest" in rejected.value.reason
