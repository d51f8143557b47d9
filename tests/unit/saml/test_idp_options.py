"""What the IdP makes of an AuthnRequest's options (SAML 2.0 core §3.4.1), with either backend: which
requests it refuses and with what status, how an ACS index is mapped, and the error Response it signs."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from lxml import etree

from sandbox.saml.backend import BACKENDS, PYTHON_XMLSEC
from sandbox.saml.idp import (
    NAMEID_FORMATS,
    AuthnRequestInfo,
    IdentityProvider,
    IdentityProviders,
    IdpError,
    IdpSettings,
    ResponseOptions,
    ServiceProviderSettings,
)
from sandbox.saml.idp_options import NameIdPolicy, RequestedAuthnContext
from sandbox.saml.idp_refusals import (
    INVALID_NAMEID_POLICY,
    NO_AUTHN_CONTEXT,
    NO_PASSIVE,
    REQUESTER,
    RESPONDER,
    UNSUPPORTED_BINDING,
    authn_context_refusal,
    name_id_refusal,
    no_session_refusal,
)
from sandbox.saml.keys import generate_key_pair
from tests.integration.jumpcloud_idp.independent_sp import ACS_URL, ENTITY_ID, IndependentSp, Rejected

IDP_KEYS = generate_key_pair("options idp")
SSO_URL = "http://console.jumpcloud.localhost:1/saml2/options"
SECOND_ACS_URL = "https://sp.interop.localhost/saml/acs/second"
AC = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
EMAIL = NAMEID_FORMATS["emailAddress"]
PERSISTENT = NAMEID_FORMATS["persistent"]
PREFIX = "The SAML AuthnRequest could not be accepted: "


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _provider(
    providers: IdentityProviders,
    backend: str,
    *,
    name_id_format: str = EMAIL,
    acs_indexes: tuple[tuple[int, str], ...] = ((1, ACS_URL), (2, SECOND_ACS_URL)),
) -> IdentityProvider:
    idp = IdpSettings(
        "JumpCloud",
        SSO_URL,
        IDP_KEYS.certificate_pem,
        IDP_KEYS.private_key_pem,
        backend=backend,
        name_id_format=name_id_format,
    )
    return providers.get(idp, ServiceProviderSettings(ENTITY_ID, (ACS_URL, SECOND_ACS_URL), "", acs_indexes))


def _request(children: str = "", **attributes: str) -> str:
    values = {
        "ID": "id-options-test",
        "Version": "2.0",
        "IssueInstant": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Destination": SSO_URL,
        **attributes,
    }
    shown = " ".join(f'{name}="{value}"' for name, value in values.items())
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" {shown}>'
        f"<saml:Issuer>{ENTITY_ID}</saml:Issuer>{children}</samlp:AuthnRequest>"
    )
    return base64.b64encode(xml.encode()).decode()


def _read(providers: IdentityProviders, backend: str, request: str, **provider: object) -> AuthnRequestInfo:
    return _provider(providers, backend, **provider).read_authn_request(request, "HTTP-POST")  # type: ignore[arg-type]


def _context(comparison: str, *classes: str) -> RequestedAuthnContext:
    return RequestedAuthnContext(comparison, tuple(f"{AC}{name}" if "/" not in name else name for name in classes))


@pytest.mark.parametrize(
    ("comparison", "classes", "met"),
    [
        ("exact", ("PasswordProtectedTransport",), True),
        ("exact", ("unspecified",), True),
        ("exact", ("Password",), False),
        ("exact", ("X509", "PasswordProtectedTransport"), True),
        ("exact", ("MobileTwoFactorContract",), False),
        ("minimum", ("Password",), True),
        ("minimum", ("PasswordProtectedTransport",), True),
        ("minimum", ("Smartcard",), False),
        ("minimum", ("https://refeds.org/profile/mfa",), False),
        ("minimum", ("urn:example:something-unknown",), False),
        ("better", ("Password",), True),
        ("better", ("PasswordProtectedTransport",), False),
        ("better", ("TimeSyncToken", "InternetProtocolPassword"), True),
        ("maximum", ("X509",), True),
        ("maximum", ("PasswordProtectedTransport",), True),
        ("maximum", ("Password",), False),
        ("maximum", ("unspecified",), True),
    ],
)
def test_what_a_password_login_over_https_meets(comparison: str, classes: tuple[str, ...], met: bool) -> None:
    refusal = authn_context_refusal(_context(comparison, *classes))
    assert (refusal is None) is met
    if refusal is not None:
        assert (refusal.status, refusal.second_status) == (REQUESTER, NO_AUTHN_CONTEXT)
        assert refusal.error_message.endswith(
            f"({comparison}); JumpCloud signs users in with a password (PasswordProtectedTransport) (NoAuthnContext)"
        )


def test_a_declaration_reference_is_never_met() -> None:
    refusal = authn_context_refusal(RequestedAuthnContext("exact", (), ("urn:example:declaration",)))
    assert refusal is not None and refusal.second_status == NO_AUTHN_CONTEXT


@pytest.mark.parametrize(
    ("policy", "configured", "refused"),
    [
        (NameIdPolicy(), EMAIL, False),
        (NameIdPolicy(NAMEID_FORMATS["unspecified"]), PERSISTENT, False),
        (NameIdPolicy(PERSISTENT, allow_create=False), PERSISTENT, False),
        (NameIdPolicy(EMAIL, allow_create=False), EMAIL, False),
        (NameIdPolicy(PERSISTENT), EMAIL, True),
        (NameIdPolicy(NAMEID_FORMATS["transient"]), EMAIL, True),
        (NameIdPolicy(EMAIL), NAMEID_FORMATS["unspecified"], True),
        (NameIdPolicy("urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted"), EMAIL, True),
        (NameIdPolicy(EMAIL, sp_name_qualifier=ENTITY_ID), EMAIL, False),
        (NameIdPolicy(EMAIL, sp_name_qualifier="https://affiliation.example/"), EMAIL, True),
    ],
)
def test_which_name_id_policies_the_application_meets(policy: NameIdPolicy, configured: str, refused: bool) -> None:
    refusal = name_id_refusal(policy, configured, ENTITY_ID)
    assert (refusal is not None) is refused
    if refusal is not None:
        assert (refusal.status, refusal.second_status) == (REQUESTER, INVALID_NAMEID_POLICY)


@pytest.mark.parametrize("backend", BACKENDS)
def test_both_backends_read_every_option(providers: IdentityProviders, backend: str) -> None:
    request = _request(
        '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" AllowCreate="1"/>'
        '<samlp:RequestedAuthnContext Comparison="minimum">'
        f"<saml:AuthnContextClassRef>{AC}Password</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>",
        ForceAuthn="1",
        IsPassive="false",
        AssertionConsumerServiceIndex="2",
        ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
    )
    info = _read(providers, backend, request)
    assert info.refusal is None
    assert (info.force_authn, info.is_passive, info.acs_url) == (True, False, SECOND_ACS_URL)
    assert info.options.name_id_policy == NameIdPolicy(NAMEID_FORMATS["unspecified"], allow_create=True)
    assert info.options.authn_context == RequestedAuthnContext("minimum", (f"{AC}Password",))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("children", "attributes", "second"),
    [
        ("", {"ProtocolBinding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"}, UNSUPPORTED_BINDING),
        ("", {"ForceAuthn": "true", "IsPassive": "true"}, NO_PASSIVE),
        (f'<samlp:NameIDPolicy Format="{PERSISTENT}"/>', {}, INVALID_NAMEID_POLICY),
        (
            "<samlp:RequestedAuthnContext><saml:AuthnContextClassRef>https://refeds.org/profile/mfa"
            "</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>",
            {},
            NO_AUTHN_CONTEXT,
        ),
        ("", {"AssertionConsumerServiceIndex": "0"}, None),
    ],
    ids=["redirect-binding", "forced-and-passive", "persistent", "mfa", "unknown-index"],
)
def test_both_backends_refuse_alike(
    providers: IdentityProviders, backend: str, children: str, attributes: dict[str, str], second: str | None
) -> None:
    info = _read(providers, backend, _request(children, **attributes))
    assert info.refusal is not None
    assert info.refusal.second_status == second
    # A refusal goes back to a URL JumpCloud trusts: the default ACS URL here.
    assert info.acs_url == ACS_URL


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_indexes_from_metadata_the_acs_urls_are_numbered_from_zero(
    providers: IdentityProviders, backend: str
) -> None:
    info = _read(providers, backend, _request(AssertionConsumerServiceIndex="1"), acs_indexes=())
    assert (info.acs_url, info.refusal) == (SECOND_ACS_URL, None)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("children", "attributes", "words"),
    [
        ("", {"IsPassive": "yes"}, "its IsPassive value “yes” is neither true nor false."),
        ("", {"AssertionConsumerServiceIndex": "-1"}, "its AssertionConsumerServiceIndex “-1” is not a number"),
        ("", {"AssertionConsumerServiceIndex": "²"}, "its AssertionConsumerServiceIndex “²” is not a number"),
        ('<samlp:NameIDPolicy AllowCreate="maybe"/>', {}, "its AllowCreate value “maybe” is neither true nor false."),
        (
            '<samlp:RequestedAuthnContext Comparison="most">'
            f"<saml:AuthnContextClassRef>{AC}Password</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>",
            {},
            "Comparison “most” is not exact, minimum, maximum or better.",
        ),
        (
            "",
            {"AssertionConsumerServiceIndex": "1", "AssertionConsumerServiceURL": ACS_URL},
            "it gives both AssertionConsumerServiceURL and AssertionConsumerServiceIndex",
        ),
    ],
    ids=[
        "passive-not-boolean",
        "negative-index",
        "superscript-index",
        "allow-create-not-boolean",
        "unknown-comparison",
        "url-and-index",
    ],
)
def test_malformed_options_are_refused_with_words(
    providers: IdentityProviders, backend: str, children: str, attributes: dict[str, str], words: str
) -> None:
    with pytest.raises(IdpError) as refused:
        _read(providers, backend, _request(children, **attributes))
    message = str(refused.value)
    assert message.startswith(PREFIX)
    # pysaml2 checks the schema first, in its own words; the in-process reader says what is wrong.
    if backend == PYTHON_XMLSEC or "both" in words:
        assert words in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_error_response_is_signed_on_the_response_and_verifies(providers: IdentityProviders, backend: str) -> None:
    provider = _provider(providers, backend)
    sp = IndependentSp(providers.metadata_xml(provider.settings), backend=backend, want_response_signed=True)
    try:
        sp.outstanding["id-options-test"] = "/"
        info = provider.read_authn_request(_request(IsPassive="true"), "HTTP-POST")
        issued = provider.issue_refusal(
            refusal=no_session_refusal(), options=ResponseOptions(), request=info, relay_state="/back"
        )
        assert issued.assertion_id is None and issued.relay_state == "/back"
        root = etree.fromstring(issued.xml.encode())
        assert root.get("InResponseTo") == "id-options-test"
        codes = [code.get("Value") for code in root.iter("{urn:oasis:names:tc:SAML:2.0:protocol}StatusCode")]
        assert codes == [RESPONDER, NO_PASSIVE]
        with pytest.raises(Rejected, match="StatusNoPassive"):
            sp.accept(issued.encoded)
        # Changing the status breaks the signature: the SP refuses the message, not the sign-in.
        forged = issued.xml.replace(NO_PASSIVE, "urn:oasis:names:tc:SAML:2.0:status:NoAvailableIDP")
        with pytest.raises(Rejected, match="ignature"):
            sp.accept(base64.b64encode(forged.encode()).decode())
    finally:
        sp.close()


def test_an_error_response_is_unsigned_when_the_application_signs_nothing(providers: IdentityProviders) -> None:
    provider = _provider(providers, "python-xmlsec")
    info = provider.read_authn_request(_request(IsPassive="true"), "HTTP-POST")
    issued = provider.issue_refusal(
        refusal=no_session_refusal(), options=ResponseOptions(sign_assertion=False), request=info
    )
    assert "Signature" not in issued.xml
