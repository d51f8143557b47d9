"""BlogIn's service provider wrapper with each signing backend: what it accepts and what it refuses."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from dataclasses import replace

import pytest

from sandbox.saml.backend import BACKENDS, PYTHON_XMLSEC, crypto_settings
from sandbox.saml.idp import (
    NAMEID_FORMATS,
    IdentityProvider,
    IdentityProviders,
    IdpSettings,
    IssuedResponse,
    ResponseOptions,
)
from sandbox.saml.idp import ServiceProviderSettings as ServedSp
from sandbox.saml.keys import generate_key_pair
from sandbox.saml.sp import ResponseRejected, ServiceProvider, ServiceProviderSettings

IDP_KEYS = generate_key_pair("JumpCloud unit")
SP_KEYS = generate_key_pair("acme.blogin unit")
ENTITY_ID = "http://acme.blogin.localhost:5001/"
ACS_URL = "http://acme.blogin.localhost:5001/sso/saml/callback"
ATTRIBUTES = [("email", ["ada@example.com"]), ("firstname", ["Ada"]), ("lastname", ["Lovelace"])]


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _idp_settings(backend: str) -> IdpSettings:
    return IdpSettings(
        entity_id="JumpCloud",
        sso_url="http://console.jumpcloud.localhost:5000/saml2/blogin",
        certificate_pem=IDP_KEYS.certificate_pem,
        private_key_pem=IDP_KEYS.private_key_pem,
        backend=backend,
    )


def _sp_settings(providers: IdentityProviders, backend: str, **changes: object) -> ServiceProviderSettings:
    settings = ServiceProviderSettings(
        entity_id=ENTITY_ID,
        acs_url=ACS_URL,
        idp_metadata_xml=providers.metadata_xml(_idp_settings(backend)),
        key_pem=SP_KEYS.private_key_pem,
        certificate_pem=SP_KEYS.certificate_pem,
        crypto=crypto_settings(backend),
    )
    return replace(settings, **changes)  # type: ignore[arg-type]


def _idp(providers: IdentityProviders, backend: str) -> IdentityProvider:
    return providers.get(_idp_settings(backend), ServedSp(ENTITY_ID, (ACS_URL,), SP_KEYS.certificate_pem))


def _issue(idp: IdentityProvider, sp: ServiceProvider, options: ResponseOptions) -> tuple[IssuedResponse, str]:
    request = sp.authn_request(relay_state="/profile")
    answered = idp.read_authn_request(request.form["SAMLRequest"], request.binding, request.relay_state)
    issued = idp.issue_response(
        name_id="ada@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=ATTRIBUTES,
        options=options,
        request=answered,
    )
    return issued, request.message_id


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("sign", "required"),
    [((True, False), "assertion"), ((False, True), "response"), ((True, True), "both")],
    ids=["assertion", "response", "both"],
)
def test_signed_responses_are_accepted(
    providers: IdentityProviders, backend: str, sign: tuple[bool, bool], required: str
) -> None:
    with ServiceProvider(_sp_settings(providers, backend, signatures_required=required)) as sp:
        issued, request_id = _issue(
            _idp(providers, backend), sp, ResponseOptions(sign_assertion=sign[0], sign_response=sign[1])
        )
        verified = sp.verify_response(issued.encoded, known_request_ids={request_id})
    assert verified.name_id == "ada@example.com"
    assert verified.in_response_to == request_id
    assert verified.attributes["lastname"] == ["Lovelace"]
    assert [check.name for check in verified.checks if check.name == "signature"] == ["signature"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_changed_attribute_breaks_the_signature(providers: IdentityProviders, backend: str) -> None:
    with ServiceProvider(_sp_settings(providers, backend)) as sp:
        issued, request_id = _issue(_idp(providers, backend), sp, ResponseOptions())
        forged = issued.xml.replace(">Lovelace<", ">Mallory<")
        assert forged != issued.xml
        with pytest.raises(ResponseRejected) as rejected:
            sp.verify_response(base64.b64encode(forged.encode()).decode(), known_request_ids={request_id})
    assert rejected.value.check == "signature"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_response_for_another_audience_is_refused(providers: IdentityProviders, backend: str) -> None:
    with ServiceProvider(_sp_settings(providers, backend)) as sp:
        issued, request_id = _issue(_idp(providers, backend), sp, ResponseOptions(audience="https://other.example/"))
        with pytest.raises(ResponseRejected) as rejected:
            sp.verify_response(issued.encoded, known_request_ids={request_id})
    assert rejected.value.check == "audience"


def test_the_in_process_backend_never_runs_the_xmlsec1_program(providers: IdentityProviders) -> None:
    """With python-xmlsec chosen, a broken xmlsec1 program changes nothing: nothing runs it."""
    broken = shutil.which("false")
    assert broken is not None
    crypto = {**crypto_settings(PYTHON_XMLSEC), "crypto_backend": "xmlsec1", "xmlsec_binary": broken}
    with ServiceProvider(_sp_settings(providers, PYTHON_XMLSEC, crypto=crypto)) as sp:
        issued, request_id = _issue(_idp(providers, PYTHON_XMLSEC), sp, ResponseOptions(sign_response=True))
        verified = sp.verify_response(issued.encoded, known_request_ids={request_id})
    assert verified.name_id == "ada@example.com"
