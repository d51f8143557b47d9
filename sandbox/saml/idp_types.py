"""What the IdP is configured with, what it reads from an AuthnRequest and what it sends back.

Plain values, shared by the IdP (:mod:`sandbox.saml.idp`), its ``xmlsec1`` path
(:mod:`sandbox.saml.idp_pysaml2`) and JumpCloud's sign-in; :mod:`sandbox.saml.idp` re-exports them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.saml.backend import DEFAULT_BACKEND
from sandbox.saml.idp_options import RequestOptions
from sandbox.saml.idp_refusals import Refusal

NAMEID_FORMATS = {
    "emailAddress": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "persistent": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "transient": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
}
# How long a Response stays valid when no edge case shortens it.
DEFAULT_VALIDITY = timedelta(minutes=5)


class IdpError(Exception):
    """A request this IdP refuses; the message says why in words a tester understands."""


@dataclass(frozen=True)
class IdpSettings:
    """This IdP, as one application configures it."""

    entity_id: str
    sso_url: str  # where AuthnRequests are received (both bindings)
    certificate_pem: str
    private_key_pem: str
    declare_redirect: bool = False
    backend: str = DEFAULT_BACKEND
    # The format of the NameIDs this application sends (SAMLSubject NameID Format).
    name_id_format: str = NAMEID_FORMATS["emailAddress"]


@dataclass(frozen=True)
class ServiceProviderSettings:
    entity_id: str
    acs_urls: tuple[str, ...]  # the first is the default
    certificate_pem: str = ""
    # (index, ACS URL) as the SP's metadata numbers its endpoints; none: numbered by position from 0.
    acs_indexes: tuple[tuple[int, str], ...] = ()

    def acs_url_at(self, index: int) -> str | None:
        """The ACS URL an ``AssertionConsumerServiceIndex`` names, if it names one of this SP's."""
        numbered = self.acs_indexes or tuple(enumerate(self.acs_urls))
        return next((url for number, url in numbered if number == index and url in self.acs_urls), None)


@dataclass(frozen=True)
class AuthnRequestInfo:
    """What the IdP needs from a received AuthnRequest."""

    id: str
    issuer: str
    acs_url: str  # where the Response goes: requested by URL or index, or the default
    xml: str
    # HTTP-Redirect only: the algorithm of the query string's signature, verified ("RSA-SHA256").
    query_signature: str | None = None
    options: RequestOptions = field(default_factory=RequestOptions)
    # What JumpCloud cannot give whoever signs in: answered with an error Response, before any login page.
    refusal: Refusal | None = None
    # The AssertionConsumerServiceURL the request named, if it named one (``acs_url`` is where it resolved).
    requested_acs_url: str | None = None

    @property
    def force_authn(self) -> bool:
        return self.options.force_authn

    @property
    def is_passive(self) -> bool:
        return self.options.is_passive


@dataclass(frozen=True)
class ResponseOptions:
    """How to sign and, for testers, how to bend the Response."""

    sign_assertion: bool = True
    sign_response: bool = False
    clock_skew: timedelta = timedelta(0)
    validity: timedelta | None = None
    audience: str | None = None
    # (private key PEM, certificate PEM) used instead of the application's own.
    foreign_key: tuple[str, str] | None = None


@dataclass(frozen=True)
class IssuedResponse:
    xml: str
    acs_url: str
    response_id: str
    assertion_id: str | None  # none in an error Response
    relay_state: str | None = None
    # The assertion's NotOnOrAfter, on the IdP's (possibly skewed) clock; none in an error Response.
    not_on_or_after: datetime | None = None

    @property
    def encoded(self) -> str:
        """The ``SAMLResponse`` form value of the HTTP-POST binding."""
        return base64.b64encode(self.xml.encode("utf-8")).decode("ascii")
