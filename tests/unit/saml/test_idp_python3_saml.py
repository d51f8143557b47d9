"""The IdP with each signing backend against OneLogin's python3-saml in strict mode, without HTTP.

python3-saml makes the AuthnRequest (HTTP-Redirect, unsigned and signed), the IdP reads it and answers,
and python3-saml judges the Response as its ACS would. The HTTP round trip is covered in
tests/integration/jumpcloud_idp/test_python3_saml_interop.py (with the default backend).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from sandbox.saml.backend import BACKENDS
from sandbox.saml.idp import (
    NAMEID_FORMATS,
    IdentityProvider,
    IdentityProviders,
    IdpError,
    IdpSettings,
    ResponseOptions,
    ServiceProviderSettings,
)
from sandbox.saml.keys import certificate_body, generate_key_pair

IDP_KEYS = generate_key_pair("unit idp")
SP_KEYS = generate_key_pair("unit python3-saml sp")
SP_HOST = "sp.unit.localhost:8443"
SP_ENTITY_ID = f"http://{SP_HOST}/metadata"
ACS_URL = f"http://{SP_HOST}/acs"
ATTRIBUTES = [("email", ["ada@example.com"]), ("firstName", ["Ada"]), ("groups", ["Staff", "R&D"])]


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _idp(backend: str) -> IdpSettings:
    return IdpSettings(
        entity_id="JumpCloud",
        sso_url="http://console.jumpcloud.localhost:1/saml2/unit",
        certificate_pem=IDP_KEYS.certificate_pem,
        private_key_pem=IDP_KEYS.private_key_pem,
        declare_redirect=True,
        backend=backend,
    )


def _settings(idp_metadata: str, **security: bool) -> dict[str, Any]:
    own = {
        "strict": True,
        "sp": {
            "entityId": SP_ENTITY_ID,
            "assertionConsumerService": {"url": ACS_URL, "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST},
            "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS,
            "x509cert": certificate_body(SP_KEYS.certificate_pem),
            "privateKey": SP_KEYS.private_key_pem,
        },
        "security": {
            "wantAssertionsSigned": True,
            "signatureAlgorithm": OneLogin_Saml2_Constants.RSA_SHA256,
            "digestAlgorithm": OneLogin_Saml2_Constants.SHA256,
            "rejectDeprecatedAlgorithm": True,
            "requestedAuthnContext": False,
            **security,
        },
    }
    idp = OneLogin_Saml2_IdPMetadataParser.parse(idp_metadata)
    return OneLogin_Saml2_IdPMetadataParser.merge_settings(own, {"idp": idp["idp"]})


def _request_data(path: str, post: dict[str, str] | None = None) -> dict[str, Any]:
    return {"https": "off", "http_host": SP_HOST, "script_name": path, "get_data": {}, "post_data": post or {}}


def _provider(providers: IdentityProviders, backend: str) -> IdentityProvider:
    return providers.get(_idp(backend), ServiceProviderSettings(SP_ENTITY_ID, (ACS_URL,), SP_KEYS.certificate_pem))


def _sign_in(provider: IdentityProvider, settings: dict[str, Any], options: ResponseOptions) -> tuple[str, str]:
    """python3-saml's login() → the IdP reads the request and answers → (encoded Response, request ID)."""
    auth = OneLogin_Saml2_Auth(_request_data("/login"), settings)
    location = urlsplit(auth.login(return_to="/dashboard"))
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert ("Signature" in query) == settings["security"].get("authnRequestsSigned", False)
    assert query.get("SigAlg", settings["security"]["signatureAlgorithm"]) == settings["security"]["signatureAlgorithm"]
    request = provider.read_authn_request(
        query["SAMLRequest"], "HTTP-Redirect", query["RelayState"], location.query.encode()
    )
    assert request.id == auth.get_last_request_id()
    issued = provider.issue_response(
        name_id="ada@example.com",
        name_id_format=NAMEID_FORMATS["emailAddress"],
        attributes=ATTRIBUTES,
        options=options,
        request=request,
    )
    return issued.encoded, request.id


def _judge(settings: dict[str, Any], encoded: str, request_id: str | None) -> OneLogin_Saml2_Response:
    response = OneLogin_Saml2_Response(OneLogin_Saml2_Settings(settings), encoded)
    response.is_valid(_request_data("/acs", {"SAMLResponse": encoded}), request_id, raise_exceptions=True)
    return response


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("signed_request", [False, True], ids=["unsigned-request", "signed-request"])
@pytest.mark.parametrize("sign", [(True, False), (False, True), (True, True)], ids=["assertion", "response", "both"])
def test_python3_saml_accepts_each_signing_choice(
    providers: IdentityProviders, backend: str, signed_request: bool, sign: tuple[bool, bool]
) -> None:
    provider = _provider(providers, backend)
    settings = _settings(
        provider.metadata_xml(),
        authnRequestsSigned=signed_request,
        wantAssertionsSigned=sign[0],
        wantMessagesSigned=sign[1],
    )
    encoded, request_id = _sign_in(provider, settings, ResponseOptions(sign_assertion=sign[0], sign_response=sign[1]))
    response = _judge(settings, encoded, request_id)
    assert response.get_nameid() == "ada@example.com"
    assert response.get_attributes() == {name: values for name, values in ATTRIBUTES}
    assert response.get_in_response_to() == request_id


@pytest.mark.parametrize("backend", BACKENDS)
def test_python3_saml_rejects_a_response_to_another_request(providers: IdentityProviders, backend: str) -> None:
    provider = _provider(providers, backend)
    settings = _settings(provider.metadata_xml())
    encoded, _request_id = _sign_in(provider, settings, ResponseOptions())
    with pytest.raises(OneLogin_Saml2_ValidationError, match="does not match the ID of the AuthNRequest"):
        _judge(settings, encoded, "ONELOGIN_another_request")


@pytest.mark.parametrize("backend", BACKENDS)
def test_python3_saml_rejects_a_tampered_assertion(providers: IdentityProviders, backend: str) -> None:
    provider = _provider(providers, backend)
    settings = _settings(provider.metadata_xml())
    encoded, request_id = _sign_in(provider, settings, ResponseOptions())
    tampered = base64.b64decode(encoded).replace(b">Ada<", b">Eve<")
    assert tampered != base64.b64decode(encoded)
    with pytest.raises(OneLogin_Saml2_ValidationError, match="Signature validation failed"):
        _judge(settings, base64.b64encode(tampered).decode(), request_id)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_request_signed_with_another_key_is_refused(providers: IdentityProviders, backend: str) -> None:
    provider = _provider(providers, backend)
    other = generate_key_pair("another sp")
    settings = _settings(provider.metadata_xml(), authnRequestsSigned=True)
    settings["sp"]["x509cert"] = certificate_body(other.certificate_pem)
    settings["sp"]["privateKey"] = other.private_key_pem
    with pytest.raises(IdpError, match="signature"):
        _sign_in(provider, settings, ResponseOptions())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "algorithm",
    [OneLogin_Saml2_Constants.RSA_SHA1, OneLogin_Saml2_Constants.RSA_SHA384, OneLogin_Saml2_Constants.RSA_SHA512],
    ids=["rsa-sha1", "rsa-sha384", "rsa-sha512"],
)
def test_requests_signed_with_python3_saml_s_other_algorithms_are_read(
    providers: IdentityProviders, backend: str, algorithm: str
) -> None:
    provider = _provider(providers, backend)
    settings = _settings(provider.metadata_xml(), authnRequestsSigned=True, signatureAlgorithm=algorithm)
    encoded, request_id = _sign_in(provider, settings, ResponseOptions())
    # The Response is still signed with RSA-SHA256, which the SP (refusing deprecated algorithms) accepts.
    settings["security"]["signatureAlgorithm"] = OneLogin_Saml2_Constants.RSA_SHA256
    assert _judge(settings, encoded, request_id).get_nameid() == "ada@example.com"
