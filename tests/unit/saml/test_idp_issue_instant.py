"""JumpCloud refuses an AuthnRequest whose IssueInstant is more than a day away (pysaml2 ignores its own check)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.saml.idp import IdentityProvider, IdentityProviders, IdpError, IdpSettings, ServiceProviderSettings
from sandbox.saml.keys import generate_key_pair

IDP_KEYS = generate_key_pair("issue instant idp")
SSO_URL = "http://console.jumpcloud.localhost:1/saml2/unit"
SP_ENTITY_ID = "http://acme.blogin.localhost:1/"
ACS_URL = "http://acme.blogin.localhost:1/sso/saml/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    providers = IdentityProviders()
    idp = IdpSettings(
        entity_id="JumpCloud",
        sso_url=SSO_URL,
        certificate_pem=IDP_KEYS.certificate_pem,
        private_key_pem=IDP_KEYS.private_key_pem,
    )
    sp_keys = generate_key_pair("issue instant sp")
    yield providers.get(idp, ServiceProviderSettings(SP_ENTITY_ID, (ACS_URL,), sp_keys.certificate_pem))
    providers.close()


def _posted(issue_instant: str) -> str:
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="id-issue-instant-test" Version="2.0" '
        f'IssueInstant="{issue_instant}" Destination="{SSO_URL}" AssertionConsumerServiceURL="{ACS_URL}" '
        'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">'
        f"<saml:Issuer>{SP_ENTITY_ID}</saml:Issuer></samlp:AuthnRequest>"
    )
    return base64.b64encode(xml.encode()).decode()


def _instant(shift: timedelta) -> str:
    return (datetime.now(UTC) + shift).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_current_request_is_read(provider: IdentityProvider) -> None:
    info = provider.read_authn_request(_posted(_instant(timedelta(seconds=-5))), "HTTP-POST")
    assert (info.id, info.issuer, info.acs_url) == ("id-issue-instant-test", SP_ENTITY_ID, ACS_URL)


@pytest.mark.parametrize("shift", [timedelta(days=-2), timedelta(days=3)], ids=["two days old", "three days ahead"])
def test_a_request_issued_days_away_is_refused_by_name(provider: IdentityProvider, shift: timedelta) -> None:
    with pytest.raises(IdpError, match=r"IssueInstant .* is more than a day away from JumpCloud's clock"):
        provider.read_authn_request(_posted(_instant(shift)), "HTTP-POST")
