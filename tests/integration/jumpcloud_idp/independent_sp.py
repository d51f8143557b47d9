"""An SP built only from pysaml2, with its own keys: the IdP's counterpart in the interop tests.

It shares nothing with the mock BlogIn: it is configured from the IdP's metadata as any third-party
SP would be, and it rejects what a careful SP rejects (InResponseTo it did not send, replays, a
missing assertion, a missing required attribute).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig

from sandbox.saml.backend import DEFAULT_BACKEND, crypto_settings, install_backend
from sandbox.saml.keys import generate_key_pair

ENTITY_ID = "https://sp.interop.localhost/saml/metadata"
ACS_URL = "https://sp.interop.localhost/saml/acs"
REQUIRED_ATTRIBUTES = ("email", "firstname", "lastname")


class Rejected(Exception):
    """The SP refused the Response; the message says why."""


@dataclass
class IndependentSp:
    idp_metadata_xml: str
    want_assertions_signed: bool = True
    want_response_signed: bool = False
    backend: str = DEFAULT_BACKEND
    accepted_time_diff: int = 0
    # More HTTP-POST ACS URLs after ACS_URL, numbered 2, 3, … in the SP's metadata (ACS_URL is 1).
    extra_acs_urls: tuple[str, ...] = ()
    outstanding: dict[str, str] = field(default_factory=dict)
    consumed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.last_request_id = ""
        self.keys = generate_key_pair("interop-sp")
        self._dir = tempfile.TemporaryDirectory(prefix="interop-sp-")
        key_file = Path(self._dir.name, "sp.key")
        key_file.write_text(self.keys.private_key_pem)
        cert_file = Path(self._dir.name, "sp.crt")
        cert_file.write_text(self.keys.certificate_pem)
        config: dict[str, Any] = {
            "entityid": ENTITY_ID,
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "accepted_time_diff": self.accepted_time_diff,
            "allow_unknown_attributes": True,
            "metadata": {"inline": [self.idp_metadata_xml]},
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [
                            (url, BINDING_HTTP_POST) for url in (ACS_URL, *self.extra_acs_urls)
                        ]
                    },
                    "allow_unsolicited": True,
                    "want_assertions_signed": self.want_assertions_signed,
                    "want_response_signed": self.want_response_signed,
                    "authn_requests_signed": False,
                }
            },
            **crypto_settings(self.backend),
        }
        sp_config = SPConfig()
        sp_config.load(config)
        self.client = Saml2Client(config=sp_config)
        install_backend(self.client, self.backend)

    def close(self) -> None:
        self._dir.cleanup()

    def redirect_url(self, relay_state: str = "", **asked: Any) -> str:
        """Where the SP sends the browser for SP-initiated SSO with HTTP-Redirect.

        ``asked``: what pysaml2's ``prepare_for_authenticate`` puts in the AuthnRequest (``force_authn``,
        ``is_passive``, ``nameid_format``, ``requested_authn_context``, ``response_binding``, …).
        """
        request_id, info = self.client.prepare_for_authenticate(
            relay_state=relay_state, binding=BINDING_HTTP_REDIRECT, **asked
        )
        self.outstanding[request_id] = "/"
        self.last_request_id = request_id
        return str(dict(info["headers"])["Location"])

    def post_form(self, relay_state: str = "", **asked: Any) -> tuple[str, dict[str, str]]:
        """The action and fields of the auto-submitting form for SP-initiated SSO with HTTP-POST."""
        request_id, info = self.client.prepare_for_authenticate(
            relay_state=relay_state, binding=BINDING_HTTP_POST, **asked
        )
        self.outstanding[request_id] = "/"
        self.last_request_id = request_id
        return form_of(str(info["data"]))

    def accept(self, saml_response: str, acs_url: str = ACS_URL) -> dict[str, Any]:
        """The identity the Response asserts (received at ``acs_url``); raises :class:`Rejected` otherwise."""
        try:
            parsed = self.client.parse_authn_request_response(
                saml_response,
                BINDING_HTTP_POST,
                outstanding=self.outstanding,
                conv_info={"remote_addr": "127.0.0.1", "request_uri": acs_url, "entity_id": ENTITY_ID},
            )
        except Exception as error:
            raise Rejected(f"{type(error).__name__}: {error}") from error
        if parsed is None or parsed.assertion is None:
            raise Rejected("no valid assertion")
        assertion_id = parsed.assertion.id
        if assertion_id in self.consumed:
            raise Rejected("replayed assertion")
        self.consumed.add(assertion_id)
        if parsed.in_response_to:
            self.outstanding.pop(parsed.in_response_to, None)
        identity = {name: list(values) for name, values in parsed.ava.items()}
        missing = [name for name in REQUIRED_ATTRIBUTES if name not in identity]
        if missing:
            raise Rejected(f"required attribute missing: {', '.join(missing)}")
        return {"name_id": parsed.name_id.text, "attributes": identity, "in_response_to": parsed.in_response_to}


_FORM = re.compile(r'<form[^>]*action="([^"]*)"', re.I)
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)


def form_of(html: str) -> tuple[str, dict[str, str]]:
    """The action and named hidden fields of the first form in ``html``."""
    action = _FORM.search(html)
    if action is None:
        raise AssertionError(f"no form in page: {html[:500]}")
    return unescape(action.group(1)), {name: unescape(value) for name, value in _INPUT.findall(html)}
