"""JumpCloud reads AuthnRequests the same way with either backend: what it accepts, what it refuses,
and (with the in-process reader) the words a tester reads for each refusal."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from lxml import etree

from sandbox.saml.backend import BACKENDS, PYTHON_XMLSEC
from sandbox.saml.idp import IdentityProvider, IdentityProviders, IdpError, IdpSettings, ServiceProviderSettings
from sandbox.saml.keys import generate_key_pair
from sandbox.saml.metadata import BINDING_POST, BINDING_REDIRECT
from sandbox.saml.sp_request import AuthnRequestBuilder

IDP_KEYS = generate_key_pair("request reader idp")
SP_KEYS = generate_key_pair("request reader sp")
OTHER_KEYS = generate_key_pair("someone else")
SSO_URL = "http://console.jumpcloud.localhost:1/saml2/reader"
SP_ENTITY_ID = "http://acme.blogin.localhost:1/"
ACS_URL = "http://acme.blogin.localhost:1/sso/saml/callback"
PREFIX = "The SAML AuthnRequest could not be accepted: "


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _provider(
    providers: IdentityProviders, backend: str, sp_certificate: str = SP_KEYS.certificate_pem
) -> IdentityProvider:
    idp = IdpSettings("JumpCloud", SSO_URL, IDP_KEYS.certificate_pem, IDP_KEYS.private_key_pem, backend=backend)
    return providers.get(idp, ServiceProviderSettings(SP_ENTITY_ID, (ACS_URL,), sp_certificate))


def _builder(binding: str, sign: bool, keys: object = SP_KEYS) -> AuthnRequestBuilder:
    return AuthnRequestBuilder(
        entity_id=SP_ENTITY_ID,
        acs_url=ACS_URL,
        binding=binding,
        destination=SSO_URL,
        sign=sign,
        key_pem=keys.private_key_pem,  # type: ignore[attr-defined]
        certificate_pem=keys.certificate_pem,  # type: ignore[attr-defined]
    )


def _request_xml(**attributes: str) -> str:
    values = {
        "ID": "id-reader-test",
        "Version": "2.0",
        "IssueInstant": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Destination": SSO_URL,
        "AssertionConsumerServiceURL": ACS_URL,
        **attributes,
    }
    shown = " ".join(f'{name}="{value}"' for name, value in values.items() if value != "")
    return (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" {shown}>'
        f"<saml:Issuer>{SP_ENTITY_ID}</saml:Issuer></samlp:AuthnRequest>"
    )


def _posted(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def _redirected(xml: str) -> str:
    deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return base64.b64encode(deflate.compress(xml.encode()) + deflate.flush()).decode()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("binding", ["HTTP-POST", "HTTP-Redirect"])
@pytest.mark.parametrize("sign", [False, True], ids=["unsigned", "signed"])
def test_blogins_requests_are_read(providers: IdentityProviders, backend: str, binding: str, sign: bool) -> None:
    message = _builder(BINDING_POST if binding == "HTTP-POST" else BINDING_REDIRECT, sign).build("/feed")
    value = message.form["SAMLRequest"] if binding == "HTTP-POST" else _query_value(message.url)
    info = _provider(providers, backend).read_authn_request(value, binding, "/feed")
    assert (info.id, info.issuer, info.acs_url, info.force_authn) == (message.message_id, SP_ENTITY_ID, ACS_URL, False)
    assert etree.fromstring(info.xml.encode()).get("ID") == message.message_id


def _query_value(url: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)["SAMLRequest"][0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_deflated_post_is_read_and_force_authn_is_seen(providers: IdentityProviders, backend: str) -> None:
    info = _provider(providers, backend).read_authn_request(_redirected(_request_xml(ForceAuthn="true")), "HTTP-POST")
    assert (info.id, info.force_authn) == ("id-reader-test", True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_request_signed_by_another_key_is_refused(providers: IdentityProviders, backend: str) -> None:
    message = _builder(BINDING_POST, sign=True, keys=OTHER_KEYS).build(None)
    with pytest.raises(IdpError, match="could not be accepted"):
        _provider(providers, backend).read_authn_request(message.form["SAMLRequest"], "HTTP-POST")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_signed_request_changed_after_signing_is_refused(providers: IdentityProviders, backend: str) -> None:
    xml = _builder(BINDING_POST, sign=True).build(None).xml
    forged = xml.replace(ACS_URL, ACS_URL + "?next=elsewhere")
    assert forged != xml
    with pytest.raises(IdpError, match="could not be accepted"):
        _provider(providers, backend).read_authn_request(_posted(forged), "HTTP-POST")


# Each refusal with the words the in-process reader gives; pysaml2 (xmlsec1 backend) refuses the same
# requests, in its own words.
REFUSED = [
    ("not base64", "%%%", "its SAMLRequest is not valid base64."),
    ("not XML", _posted("hello"), "This is not well-formed XML"),
    (
        "a Response",
        _posted(_request_xml().replace("AuthnRequest", "Response")),
        "it is a Response, not a SAML 2.0 AuthnRequest.",
    ),
    ("SAML 1.0", _posted(_request_xml(Version="1.0")), "its Version is 1.0; only SAML 2.0"),
    ("no ID", _posted(_request_xml(ID="")), "it has no ID."),
    ("no Version", _posted(_request_xml(Version="")), "it has no Version."),
    (
        "another Destination",
        _posted(_request_xml(Destination="http://elsewhere.example/sso")),
        "its Destination (http://elsewhere.example/sso) is not this application's SSO IdP URL.",
    ),
    (
        "ForceAuthn maybe",
        _posted(_request_xml(ForceAuthn="maybe")),
        "its ForceAuthn value “maybe” is neither true nor false.",
    ),
    ("a DTD", _posted('<!DOCTYPE x [<!ENTITY a "b">]>' + _request_xml()), "The XML declares a DTD"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("case", "value", "words"), REFUSED, ids=[case for case, _value, _words in REFUSED])
def test_bad_requests_are_refused(
    providers: IdentityProviders, backend: str, case: str, value: str, words: str
) -> None:
    with pytest.raises(IdpError) as refused:
        _provider(providers, backend).read_authn_request(value, "HTTP-POST")
    assert str(refused.value).startswith(PREFIX)
    if backend == PYTHON_XMLSEC:
        assert words in str(refused.value)


def test_a_redirected_request_must_be_deflated(providers: IdentityProviders) -> None:
    with pytest.raises(IdpError, match="not DEFLATE-compressed, as HTTP-Redirect requires"):
        _provider(providers, PYTHON_XMLSEC).read_authn_request(_posted(_request_xml()), "HTTP-Redirect")


def test_a_signed_request_needs_the_sp_certificate(providers: IdentityProviders) -> None:
    message = _builder(BINDING_POST, sign=True).build(None)
    with pytest.raises(IdpError, match="it is signed, but this application has no SP certificate"):
        _provider(providers, PYTHON_XMLSEC, sp_certificate="").read_authn_request(
            message.form["SAMLRequest"], "HTTP-POST"
        )


def test_a_signature_wrapped_around_a_forged_request_is_refused(providers: IdentityProviders) -> None:
    """The signed original moved inside a forged request with another ID: the root itself is unsigned."""
    signed = etree.fromstring(_builder(BINDING_POST, sign=True).build(None).xml.encode())
    forged = etree.fromstring(_request_xml(ID="id-forged", AssertionConsumerServiceURL=ACS_URL).encode())
    forged.append(signed.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    with pytest.raises(IdpError, match="its signature does not verify"):
        _provider(providers, PYTHON_XMLSEC).read_authn_request(_posted(etree.tostring(forged).decode()), "HTTP-POST")


def test_refusals_escape_what_the_request_says(providers: IdentityProviders) -> None:
    value = _posted(_request_xml(Destination="http://x/&lt;script&gt;"))
    with pytest.raises(IdpError) as refused:
        _provider(providers, PYTHON_XMLSEC).read_authn_request(value, "HTTP-POST")
    assert "<script>" not in str(refused.value)
    assert "&lt;script&gt;" in str(refused.value)
