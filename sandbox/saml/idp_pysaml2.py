"""The IdP's ``xmlsec1`` path: pysaml2's ``Server``, configured from dicts, reads the AuthnRequests and
signs through its security context (which runs the ``xmlsec1`` program).

Kept as the reference the in-process path (:mod:`sandbox.saml.idp_request`, :mod:`sandbox.saml.enveloped`)
is tested against. Importing this module imports pysaml2, which compiles its XML schemas (1-5 s of CPU):
:mod:`sandbox.saml.idp` imports it only for an application on this backend, and its warm-up loads it
ahead of the first sign-in.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from saml2.config import IdPConfig
from saml2.server import Server

from sandbox.saml.backend import DIGEST_SHA256, SIG_RSA_SHA256, crypto_settings, install_backend
from sandbox.saml.idp import NAMEID_FORMATS, IdpError, IdpSettings, ServiceProviderSettings
from sandbox.saml.idp_request import ReadRequest, RequestRefused, request_options
from sandbox.saml.keys import certificate_body
from sandbox.saml.metadata import BINDING_POST, BINDING_REDIRECT
from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml

log = logging.getLogger("sandbox.saml.idp")

BINDINGS = {"HTTP-Redirect": BINDING_REDIRECT, "HTTP-POST": BINDING_POST}


def sp_metadata_xml(sp: ServiceProviderSettings) -> str:
    """Minimal SP metadata so pysaml2 knows the one SP this application serves."""
    key = ""
    if sp.certificate_pem:
        key = (
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            f"{certificate_body(sp.certificate_pem)}"
            "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        )
    services = "".join(
        f'<md:AssertionConsumerService Binding="{BINDING_POST}" Location={quoteattr(url)} index="{index}"/>'
        for index, url in enumerate(sp.acs_urls)
    )
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID={quoteattr(sp.entity_id)}>'
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{key}{services}</md:SPSSODescriptor></md:EntityDescriptor>"
    )


class Pysaml2Idp:
    """pysaml2's ``Server`` for one application, with the ``xmlsec1`` program signing and verifying."""

    def __init__(self, idp: IdpSettings, sp: ServiceProviderSettings, key_file: Path, cert_file: Path) -> None:
        # Both bindings are accepted whatever the metadata declares (Declare Redirect Endpoint).
        endpoints = [(idp.sso_url, BINDING_REDIRECT), (idp.sso_url, BINDING_POST)]
        config = IdPConfig()
        config.load(
            {
                "entityid": idp.entity_id,
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "accepted_time_diff": 120,
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": endpoints},
                        "name_id_format": list(NAMEID_FORMATS.values()),
                        "want_authn_requests_signed": False,
                        "signing_algorithm": SIG_RSA_SHA256,
                        "digest_algorithm": DIGEST_SHA256,
                    }
                },
                **crypto_settings(idp.backend),
                "metadata": {"inline": [sp_metadata_xml(sp)]},
            }
        )
        self.server = Server(config=config)
        install_backend(self.server, idp.backend)

    def read(self, saml_request: str, binding: str, relay_state: str | None) -> ReadRequest:
        """Decode and check an AuthnRequest as pysaml2 does; raises :class:`IdpError`."""
        try:
            parsed = self.server.parse_authn_request(saml_request, BINDINGS[binding], relay_state=relay_state)
        except Exception as error:
            log.info("AuthnRequest refused: %s", error)
            raise IdpError(f"The SAML AuthnRequest could not be accepted: {_reason(error)}") from error
        if parsed is None:
            raise IdpError("The SAML AuthnRequest could not be accepted.")
        message = parsed.message
        xml = parsed.xmlstr.decode("utf-8") if isinstance(parsed.xmlstr, bytes) else str(parsed.xmlstr)
        try:
            # The options are read from the XML as the in-process reader reads them, so both backends
            # judge a request alike (pysaml2's classes keep their values as text).
            options = request_options(parse_xml(xml))
        except (RequestRefused, UnsafeXmlError) as error:
            raise IdpError(f"The SAML AuthnRequest could not be accepted: {error}") from error
        return ReadRequest(
            id=message.id,
            issuer=(message.issuer.text or "").strip() if message.issuer is not None else "",
            issue_instant=str(message.issue_instant or ""),
            acs_url=message.assertion_consumer_service_url,
            options=options,
            xml=xml,
        )

    def sign(self, xml: str, node_name: str, key_file: Path, node_id: str | None) -> str:
        """Fill in the signature template of the element ``node_id`` with the ``xmlsec1`` program."""
        signed: Any = self.server.sec.sign_statement(xml, node_name, key_file=str(key_file), node_id=node_id)
        return str(signed)


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    if "Not destined for me" in text:
        return "its Destination is not this application's SSO IdP URL."
    if "issue_instant" in text.lower() or "ToEarly" in type(error).__name__ or "Exceed" in type(error).__name__:
        return "its IssueInstant is outside the accepted clock skew."
    return escape(text.splitlines()[0])[:300]
