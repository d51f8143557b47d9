"""A service provider built on OneLogin's python3-saml, served on loopback: a strict, independent SP.

It is set up the way a developer sets python3-saml up against JumpCloud: the IdP settings come from
the application's metadata URL (fetched over HTTP, read by ``OneLogin_Saml2_IdPMetadataParser``),
``strict`` is on, SHA-256 everywhere, and the signatures it wants follow JumpCloud's defaults (Sign
Assertion on, Sign Response off). It is a small Flask app like any python3-saml integration:

- ``GET /login?next=…``: ``auth.login()``, remembering the AuthnRequest's ID in its own session
  (``force=1`` and ``passive=1`` ask for ``ForceAuthn`` and ``IsPassive``, ``policy=0`` sends no NameIDPolicy);
- ``POST /acs``: ``auth.process_response(request_id=…)`` with that ID; answers 200 with what it learnt
  of the user, or 403 with python3-saml's errors and reason;
- ``GET /metadata``: its own SP metadata.

It shares nothing with the sandbox's SAML code: only python3-saml reads what JumpCloud sends.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, jsonify, redirect, request, session
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from werkzeug.wrappers import Response

from sandbox.http import http_client
from sandbox.saml.keys import KeyPair, certificate_body, generate_key_pair
from sandbox.server import ServerThread

HOST = "sp.onelogin.localhost"
REQUEST_ID_KEY = "AuthNRequestID"


@functools.cache
def sp_keys() -> KeyPair:
    """The SP's key and certificate: one pair for every SP of the process (making one takes ~0.1 s of CPU)."""
    return generate_key_pair("python3-saml SP")


@dataclass
class OneLoginSpOptions:
    """The SP's security settings that the tests vary; the rest is fixed as a careful developer sets it."""

    want_assertions_signed: bool = True  # JumpCloud's default: Sign Assertion on
    want_messages_signed: bool = False  # JumpCloud's default: Sign Response off
    authn_requests_signed: bool = False
    want_attribute_statement: bool = True  # python3-saml's default
    # A certificate to trust instead of the one in the IdP metadata (a misconfigured SP).
    idp_certificate_override: str | None = None
    # The NameID format the SP asks for in its NameIDPolicy (python3-saml's sp.NameIDFormat).
    name_id_format: str = OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS
    # python3-saml's security.requestedAuthnContext: True asks for PasswordProtectedTransport.
    requested_authn_context: bool | list[str] = True
    requested_authn_context_comparison: str = "exact"


@dataclass
class Outcome:
    """What the ACS concluded about one posted Response."""

    errors: list[str]
    reason: str | None
    name_id: str | None = None
    name_id_format: str | None = None
    attributes: dict[str, list[str]] = field(default_factory=dict)
    in_response_to: str | None = None
    relay_state: str | None = None


class OneLoginSp:
    """The python3-saml SP on a free loopback port; ``close()`` stops it."""

    def __init__(self, options: OneLoginSpOptions | None = None) -> None:
        self.options = options or OneLoginSpOptions()
        self.keys: KeyPair = sp_keys()
        self.idp_metadata_xml = ""
        self.outcomes: list[Outcome] = []
        # Served like the sandbox's own systems (waitress's parser and WSGI tasks), on its own port.
        self._server = ServerThread(self._app(), system="python3-saml SP", port=0, option="port", threads=2)
        self.base_url = f"http://{HOST}:{self._server.port}"
        self._server.start()

    def load_idp_metadata(self, url: str) -> None:
        """Fetch the IdP metadata from its URL (JumpCloud's **Copy Metadata URL**)."""
        with http_client() as client:
            metadata = client.get(url)
        metadata.raise_for_status()
        self.idp_metadata_xml = metadata.text

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/metadata"

    @property
    def acs_url(self) -> str:
        return f"{self.base_url}/acs"

    def sp_settings(self) -> dict[str, Any]:
        """This SP's own python3-saml settings: its entity ID, ACS, keys and strict security."""
        return {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": self.entity_id,
                "assertionConsumerService": {
                    "url": self.acs_url,
                    "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
                },
                "NameIDFormat": self.options.name_id_format,
                "x509cert": certificate_body(self.keys.certificate_pem),
                "privateKey": self.keys.private_key_pem,
            },
            "security": {
                "authnRequestsSigned": self.options.authn_requests_signed,
                "wantAssertionsSigned": self.options.want_assertions_signed,
                "wantMessagesSigned": self.options.want_messages_signed,
                "wantAttributeStatement": self.options.want_attribute_statement,
                "wantNameId": True,
                # python3-saml's default: ask for PasswordProtectedTransport, exactly; and here also insist on it.
                "requestedAuthnContext": self.options.requested_authn_context,
                "requestedAuthnContextComparison": self.options.requested_authn_context_comparison,
                "failOnAuthnContextMismatch": True,
                "signatureAlgorithm": OneLogin_Saml2_Constants.RSA_SHA256,
                "digestAlgorithm": OneLogin_Saml2_Constants.SHA256,
                "rejectDeprecatedAlgorithm": True,
                "rejectUnsolicitedResponsesWithInResponseTo": True,
            },
        }

    def settings(self) -> dict[str, Any]:
        """python3-saml settings: the IdP from its metadata, and this SP's own."""
        assert self.idp_metadata_xml, "load_idp_metadata() first"
        idp = OneLogin_Saml2_IdPMetadataParser.parse(self.idp_metadata_xml)
        if self.options.idp_certificate_override is not None:
            idp["idp"].pop("x509certMulti", None)
            idp["idp"]["x509cert"] = certificate_body(self.options.idp_certificate_override)
        # Only the IdP part: the parser also turns the metadata's WantAuthnRequestsSigned="false" into
        # authnRequestsSigned=False, which would override this SP's own choice to sign.
        return OneLogin_Saml2_IdPMetadataParser.merge_settings(self.sp_settings(), {"idp": idp["idp"]})

    def metadata_xml(self) -> str:
        """This SP's metadata, as python3-saml writes it (for JumpCloud's Upload Metadata)."""
        settings = OneLogin_Saml2_Settings(self.sp_settings(), sp_validation_only=True)
        metadata = settings.get_sp_metadata()
        errors = settings.validate_metadata(metadata)
        assert not errors, errors
        return metadata.decode() if isinstance(metadata, bytes) else str(metadata)

    def close(self) -> None:
        self._server.stop()

    def _auth(self) -> OneLogin_Saml2_Auth:
        request_data = {
            "https": "off",
            "http_host": request.host,
            "script_name": request.path,
            "get_data": request.args.copy(),
            "post_data": request.form.copy(),
            "query_string": request.query_string.decode("latin-1"),
        }
        return OneLogin_Saml2_Auth(request_data, self.settings())

    def _app(self) -> Flask:
        app = Flask("onelogin_sp")
        app.secret_key = secrets.token_hex(16)

        @app.get("/login")
        def login() -> Response:
            auth = self._auth()
            url = auth.login(
                return_to=request.args.get("next"),
                force_authn=request.args.get("force") == "1",
                is_passive=request.args.get("passive") == "1",
                set_nameid_policy=request.args.get("policy") != "0",
            )
            session[REQUEST_ID_KEY] = auth.get_last_request_id()
            return redirect(url)

        @app.post("/acs")
        def acs() -> tuple[Response, int]:
            auth = self._auth()
            request_id = session.pop(REQUEST_ID_KEY, None)
            auth.process_response(request_id=request_id)
            errors = auth.get_errors()
            outcome = Outcome(errors=errors, reason=auth.get_last_error_reason())
            outcome.relay_state = request.form.get("RelayState")
            if not errors and auth.is_authenticated():
                outcome.name_id = auth.get_nameid()
                outcome.name_id_format = auth.get_nameid_format()
                outcome.attributes = {name: list(values) for name, values in auth.get_attributes().items()}
                outcome.in_response_to = auth.get_last_response_in_response_to()
            self.outcomes.append(outcome)
            return jsonify(outcome.__dict__), 200 if not errors else 403

        @app.get("/metadata")
        def metadata() -> Response:
            return Response(self.metadata_xml(), mimetype="application/xml")

        return app
