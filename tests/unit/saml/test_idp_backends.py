"""The IdP wrapper and both signing backends against an independent pysaml2 SP, with negative cases."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from sandbox.saml.backend import BACKENDS
from sandbox.saml.idp import NAMEID_FORMATS, IdentityProviders, IdpSettings, ResponseOptions, ServiceProviderSettings
from sandbox.saml.keys import generate_key_pair
from tests.integration.jumpcloud_idp.independent_sp import ACS_URL, ENTITY_ID, IndependentSp, Rejected

IDP_KEYS = generate_key_pair("unit idp")
ATTRIBUTES = [("email", ["ada@example.com"]), ("firstname", ["Ada"]), ("lastname", ["Lovelace"])]


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _pair(providers: IdentityProviders, backend: str, **sp_options: bool) -> tuple[IndependentSp, object]:
    idp = IdpSettings(
        entity_id="JumpCloud",
        sso_url="http://console.jumpcloud.localhost:1/saml2/unit",
        certificate_pem=IDP_KEYS.certificate_pem,
        private_key_pem=IDP_KEYS.private_key_pem,
        backend=backend,
    )
    sp = IndependentSp(providers.metadata_xml(idp), backend=backend, **sp_options)
    provider = providers.get(idp, ServiceProviderSettings(ENTITY_ID, (ACS_URL,), sp.keys.certificate_pem))
    return sp, provider


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sign", [(True, False), (False, True), (True, True)], ids=["assertion", "response", "both"])
def test_signed_responses_verify(providers: IdentityProviders, backend: str, sign: tuple[bool, bool]) -> None:
    sp, provider = _pair(providers, backend, want_assertions_signed=sign[0], want_response_signed=sign[1])
    issued = provider.issue_response(  # type: ignore[attr-defined]
        name_id="ada@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=ATTRIBUTES,
        options=ResponseOptions(sign_assertion=sign[0], sign_response=sign[1]),
    )
    assert sp.accept(issued.encoded)["attributes"]["firstname"] == ["Ada"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_tampered_attribute_is_rejected(providers: IdentityProviders, backend: str) -> None:
    sp, provider = _pair(providers, backend)
    issued = provider.issue_response(  # type: ignore[attr-defined]
        name_id="ada@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=ATTRIBUTES,
        options=ResponseOptions(),
    )
    forged = issued.xml.replace(">Ada<", ">Mallory<")
    assert forged != issued.xml
    with pytest.raises(Rejected):
        sp.accept(base64.b64encode(forged.encode()).decode())


@pytest.mark.parametrize("backend", BACKENDS)
def test_foreign_key_is_rejected(providers: IdentityProviders, backend: str) -> None:
    sp, provider = _pair(providers, backend)
    other = generate_key_pair("someone else")
    issued = provider.issue_response(  # type: ignore[attr-defined]
        name_id="ada@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=ATTRIBUTES,
        options=ResponseOptions(foreign_key=(other.private_key_pem, other.certificate_pem)),
    )
    with pytest.raises(Rejected, match="ignature"):
        sp.accept(issued.encoded)


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrapped_duplicate_assertion_is_rejected(providers: IdentityProviders, backend: str) -> None:
    """Signature wrapping: a forged assertion carrying the signed one's ID next to it."""
    sp, provider = _pair(providers, backend)
    issued = provider.issue_response(  # type: ignore[attr-defined]
        name_id="ada@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=ATTRIBUTES,
        options=ResponseOptions(),
    )
    start = issued.xml.index("<ns1:Assertion")
    end = issued.xml.index("</ns1:Assertion>") + len("</ns1:Assertion>")
    original = issued.xml[start:end]
    forged = original.replace("ada@example.com", "mallory@example.com")
    wrapped = issued.xml[:start] + forged + original + issued.xml[end:]
    with pytest.raises(Rejected):
        sp.accept(base64.b64encode(wrapped.encode()).decode())
