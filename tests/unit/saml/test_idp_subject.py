"""The subject and scoping of an AuthnRequest as the IdP reads and judges them, with either backend."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sandbox.saml.backend import BACKENDS
from sandbox.saml.idp import (
    NAMEID_FORMATS,
    AuthnRequestInfo,
    IdentityProviders,
    IdpError,
    IdpSettings,
    ServiceProviderSettings,
)
from sandbox.saml.idp_refusals import NO_PASSIVE, REQUESTER, RESPONDER
from sandbox.saml.idp_subject import (
    UNKNOWN_PRINCIPAL,
    RequestedSubject,
    Scoping,
    names_user,
    other_user_refusal,
    passive_other_user_refusal,
)
from sandbox.saml.keys import generate_key_pair

IDP_KEYS = generate_key_pair("subject idp")
SSO_URL = "http://console.jumpcloud.localhost:1/saml2/subject"
ENTITY_ID = "https://sp.example.com/"
ACS_URL = "https://sp.example.com/acs"
EMAIL = NAMEID_FORMATS["emailAddress"]


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _read(providers: IdentityProviders, backend: str, children: str) -> AuthnRequestInfo:
    idp = IdpSettings("JumpCloud", SSO_URL, IDP_KEYS.certificate_pem, IDP_KEYS.private_key_pem, backend=backend)
    provider = providers.get(idp, ServiceProviderSettings(ENTITY_ID, (ACS_URL,)))
    instant = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="id-subject-test" Version="2.0" IssueInstant="{instant}" Destination="{SSO_URL}">'
        f"<saml:Issuer>{ENTITY_ID}</saml:Issuer>{children}</samlp:AuthnRequest>"
    )
    return provider.read_authn_request(base64.b64encode(xml.encode()).decode(), "HTTP-POST")


def _subject(inner: str) -> str:
    return f"<saml:Subject>{inner}</saml:Subject>"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_named_subject_is_read_with_its_format_and_qualifiers(providers: IdentityProviders, backend: str) -> None:
    info = _read(
        providers,
        backend,
        _subject(f'<saml:NameID Format="{EMAIL}" NameQualifier="JumpCloud"> ada@<!-- -->example.com </saml:NameID>'),
    )
    assert info.refusal is None
    # A comment inside the value does not cut it short; surrounding white space is not part of the name.
    assert info.options.subject == RequestedSubject("ada@example.com", format=EMAIL, name_qualifier="JumpCloud")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("inner", "words"),
    [
        (f'<saml:NameID Format="{NAMEID_FORMATS["persistent"]}">x1</saml:NameID>', "persistent NameID is x1"),
        ('<saml:NameID NameQualifier="https://other-idp/">ada@example.com</saml:NameID>', "NameQualifier"),
        ('<saml:NameID SPNameQualifier="https://other-sp/">ada@example.com</saml:NameID>', "SPNameQualifier"),
        (
            "<saml:EncryptedID><xenc:EncryptedData xmlns:xenc='http://www.w3.org/2001/04/xmlenc#'/></saml:EncryptedID>",
            "encrypted",
        ),
    ],
    ids=["format", "name-qualifier", "sp-name-qualifier", "encrypted"],
)
def test_a_subject_that_can_name_none_of_the_users_is_unknown_principal_on_arrival(
    providers: IdentityProviders, backend: str, inner: str, words: str
) -> None:
    refusal = _read(providers, backend, _subject(inner)).refusal
    assert refusal is not None and (refusal.status, refusal.second_status) == (RESPONDER, UNKNOWN_PRINCIPAL)
    assert words in refusal.reason and refusal.status_name == "UnknownPrincipal"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_subject_confirmation_is_refused_and_an_empty_subject_asks_nothing(
    providers: IdentityProviders, backend: str
) -> None:
    confirmation = '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/>'
    refusal = _read(providers, backend, _subject(f"<saml:NameID>ada@example.com</saml:NameID>{confirmation}")).refusal
    assert refusal is not None and (refusal.status, refusal.second_status) == (REQUESTER, None)
    assert refusal.message == "SubjectConfirmation is not allowed in an AuthnRequest's Subject."
    empty = _read(providers, backend, _subject(""))
    assert empty.options.subject is None and empty.refusal is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_empty_name_id_or_a_bad_proxy_count_is_malformed(providers: IdentityProviders, backend: str) -> None:
    with pytest.raises(IdpError, match="empty NameID"):
        _read(providers, backend, _subject("<saml:NameID>  </saml:NameID>"))
    with pytest.raises(IdpError, match=r"ProxyCount|proxy_count"):
        _read(providers, backend, '<samlp:Scoping ProxyCount="none"/>')
    for count in ("²", "1" * 12):  # a digit to str.isdigit, not to int(); more digits than a count has
        with pytest.raises(IdpError, match=r"ProxyCount|proxy_count"):
            _read(providers, backend, f'<samlp:Scoping ProxyCount="{count}"/>')


@pytest.mark.parametrize("backend", BACKENDS)
def test_scoping_is_read_and_never_refused(providers: IdentityProviders, backend: str) -> None:
    info = _read(
        providers,
        backend,
        '<samlp:Scoping ProxyCount="0"><samlp:IDPList><samlp:IDPEntry ProviderID="https://other-idp/"/>'
        "</samlp:IDPList><samlp:RequesterID>https://portal/</samlp:RequesterID></samlp:Scoping>",
    )
    assert info.refusal is None
    assert info.options.scoping == Scoping(0, ("https://other-idp/",), ("https://portal/",))


def test_a_subject_names_a_user_whatever_the_case_of_either() -> None:
    subject = RequestedSubject("Ada@Example.com")
    assert names_user(subject, "ada@example.com") and not names_user(subject, "ada@example.org")


def test_the_refusals_when_someone_else_signed_in_say_who_was_asked_for_and_who_came() -> None:
    subject = RequestedSubject("ada@example.com")
    other = other_user_refusal(subject, "bob@example.com")
    assert (other.status, other.second_status) == (RESPONDER, UNKNOWN_PRINCIPAL)
    assert other.error_message == (
        "the service provider asked for ada@example.com, and bob@example.com signed in instead (UnknownPrincipal)"
    )
    assert passive_other_user_refusal(subject, "bob@example.com").second_status == NO_PASSIVE
