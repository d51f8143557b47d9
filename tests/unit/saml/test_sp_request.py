"""The AuthnRequest BlogIn's service provider sends: unsigned, or signed when the IdP's metadata asks."""

from __future__ import annotations

import base64
import zlib
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from sandbox.saml.backend import BACKENDS, PYTHON_XMLSEC, crypto_settings
from sandbox.saml.enveloped import certificate_key, verify_in_tree
from sandbox.saml.keys import generate_key_pair
from sandbox.saml.metadata import BINDING_POST, BINDING_REDIRECT, build_idp_metadata
from sandbox.saml.sp import ServiceProvider, ServiceProviderSettings

IDP_KEYS = generate_key_pair("IdP")
SP_KEYS = generate_key_pair("SP")
SSO_URL = "http://console.jumpcloud.localhost:5000/saml2/blogin"
ENTITY_ID = "http://acme.blogin.localhost:5001/"
ACS_URL = "http://acme.blogin.localhost:5001/sso/saml/callback"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


def _sp(binding: str, *, signed: bool, backend: str = PYTHON_XMLSEC) -> ServiceProvider:
    metadata = build_idp_metadata("JumpCloud", SSO_URL, IDP_KEYS.certificate_pem, binding=binding)
    if signed:
        metadata = metadata.replace("<md:IDPSSODescriptor ", '<md:IDPSSODescriptor WantAuthnRequestsSigned="true" ', 1)
    return ServiceProvider(
        ServiceProviderSettings(
            ENTITY_ID, ACS_URL, metadata, SP_KEYS.private_key_pem, SP_KEYS.certificate_pem, crypto_settings(backend)
        )
    )


def _read(xml: str) -> etree._Element:
    root = etree.fromstring(xml.encode())
    assert root.tag == f"{{{SAMLP}}}AuthnRequest"
    assert root.get("Destination") == SSO_URL
    assert root.get("AssertionConsumerServiceURL") == ACS_URL
    assert root.get("ProtocolBinding") == BINDING_POST
    assert root.findtext("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer") == ENTITY_ID
    return root


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_http_redirect(signed: bool, backend: str) -> None:
    with _sp(BINDING_REDIRECT, signed=signed, backend=backend) as sp:
        message = sp.authn_request(relay_state="/profile?tab=1")
    assert message.binding == "HTTP-Redirect"
    query = urlsplit(message.url).query
    values = parse_qs(query)
    xml = zlib.decompress(base64.b64decode(values["SAMLRequest"][0]), -15).decode()
    assert xml == message.xml
    assert _read(xml).get("ID") == message.message_id
    assert values["RelayState"] == ["/profile?tab=1"]
    assert ("Signature" in values) is signed
    if signed:
        assert values["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
        signed_part = query.split("&Signature=")[0].encode()
        public_key = x509.load_pem_x509_certificate(SP_KEYS.certificate_pem.encode()).public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        signature = base64.b64decode(unquote_plus(query.split("&Signature=")[1]))
        public_key.verify(signature, signed_part, padding.PKCS1v15(), hashes.SHA256())
        with pytest.raises(InvalidSignature):
            public_key.verify(signature, signed_part + b"x", padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_http_post(signed: bool, backend: str) -> None:
    with _sp(BINDING_POST, signed=signed, backend=backend) as sp:
        message = sp.authn_request(relay_state="/")
        assert sp.backend == backend
    assert (message.binding, message.url) == ("HTTP-POST", SSO_URL)
    xml = base64.b64decode(message.form["SAMLRequest"]).decode()
    root = _read(xml)
    assert message.form["RelayState"] == "/"
    has_signature = root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None
    assert has_signature is signed
    if signed:
        verify_in_tree(root, f"{SAMLP}:AuthnRequest", message.message_id, certificate_key(SP_KEYS.certificate_pem))


def test_each_request_has_its_own_id() -> None:
    with _sp(BINDING_REDIRECT, signed=False) as sp:
        ids = {sp.authn_request(relay_state=None).message_id for _ in range(20)}
    assert len(ids) == 20
    assert all(i.startswith("id-") for i in ids)
