"""A SAML 2.0 service provider behind a small typed API: the AuthnRequest it sends, the Response it accepts.

A response is decoded and parsed once, by the hardened parser (``sandbox.saml.safe_xml``), and read
into a summary for people. Its shape is checked on that summary (status, exactly one assertion,
issuers, Destination, which signatures it carries and whose certificate they name); then, with the
default ``python-xmlsec`` backend, the same tree is verified in process by
:class:`sandbox.saml.sp_verify.InProcessVerifier` (signatures with libxmlsec1, validity window,
audience, bearer Recipient, InResponseTo), and the values come from the element that was verified.
With the ``xmlsec1`` backend pysaml2's client verifies instead (``sandbox.saml.sp_pysaml2``).
Every failure becomes :class:`ResponseRejected` naming the failed check in words a tester understands.

Request IDs and consumed assertion IDs are state, so they are the caller's: see ``known_request_ids``.
Neither pysaml2 nor python-xmlsec is imported with this module: the first sign-in loads what it needs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Container
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING

from sandbox.saml.backend import PYTHON_XMLSEC, XMLSEC1
from sandbox.saml.inspect import MessageDecodeError, MessageSummary, decode_message, summarise_root
from sandbox.saml.keys import certificate_body, certificate_facts
from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml
from sandbox.saml.sp_idp_metadata import describe_idp_metadata, standalone_without_validity
from sandbox.saml.sp_request import AuthnRequestBuilder
from sandbox.saml.sp_structure import check_audiences, signed_elements, the_assertion
from sandbox.saml.sp_types import (
    SIGNATURES_REQUIRED,
    Check,
    OutgoingMessage,
    Reject,
    ResponseRejected,
    ServiceProviderSettings,
    VerifiedResponse,
)

if TYPE_CHECKING:
    from sandbox.saml.sp_pysaml2 import Pysaml2ServiceProvider
    from sandbox.saml.sp_verify import InProcessVerifier

__all__ = [
    "SIGNATURES_REQUIRED",
    "Check",
    "OutgoingMessage",
    "ResponseRejected",
    "ServiceProvider",
    "ServiceProviderSettings",
    "VerifiedResponse",
]

log = logging.getLogger("sandbox.saml.sp")


class ServiceProvider:
    """One service provider configuration, reusable across requests; close it (or use ``with``) afterwards."""

    def __init__(self, settings: ServiceProviderSettings) -> None:
        if settings.signatures_required not in SIGNATURES_REQUIRED:
            raise ValueError(f"unknown signature requirement {settings.signatures_required!r}")
        self.settings = settings
        # Read as the Single Sign-On tab read it; a configuration that has expired since raises here.
        self.document = describe_idp_metadata(settings.idp_metadata_xml, entity_id=settings.idp_entity_id)
        self.idp = self.document.check_usable()
        certificates = self.idp.signing_certificates
        facts = [certificate_facts(c) for c in certificates]
        self._certificates = tuple((f.fingerprint_sha256, c) for f, c in zip(facts, certificates, strict=True))
        # What a signature's KeyInfo certificate says, when it is one of these (read once, not per response).
        self._known_certificates = {certificate_body(c): f for c, f in zip(certificates, facts, strict=True)}
        self._fingerprints = tuple(fingerprint for fingerprint, _pem in self._certificates)
        self.backend = str(settings.crypto.get("sandbox_backend", XMLSEC1))
        binding, destination = self.idp.sso_endpoint()
        self._requests = AuthnRequestBuilder(
            entity_id=settings.entity_id,
            acs_url=settings.acs_url,
            binding=binding,
            destination=destination,
            sign=self.idp.want_authn_requests_signed,
            key_pem=settings.key_pem,
            certificate_pem=settings.certificate_pem,
        )
        self._verifier: InProcessVerifier | None = None
        self._fallback: Pysaml2ServiceProvider | None = None
        # Built lazily and shared by waitress's threads.
        self._lock = threading.Lock()
        if self.backend != PYTHON_XMLSEC:
            self._pysaml2()  # configuration errors surface now, as they always have for this backend

    def __enter__(self) -> ServiceProvider:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._fallback is not None:
                self._fallback.close()
                self._fallback = None

    @property
    def expected_fingerprints(self) -> list[str]:
        """SHA-256 fingerprints of the IdP's signing certificates, from its metadata."""
        return list(self._fingerprints)

    def metadata_problem(self, now: datetime | None = None) -> str | None:
        """Why the identity provider's metadata may no longer be used (``None`` while it may).

        Checked on every sign-in: a provider is built once and kept, while time goes on.
        """
        moment = now or datetime.now(UTC)
        valid_until = self.document.valid_until
        if valid_until is not None and moment > valid_until:
            return (
                f"The identity provider's metadata was valid until {valid_until:%Y-%m-%d %H:%M} UTC (its validUntil). "
                "A BlogIn administrator must fetch it again or upload current metadata on the Single Sign-On tab."
            )
        if all(facts.expired(moment) for facts in self._known_certificates.values()):
            return (
                "Every signing certificate of the identity provider has expired. A BlogIn administrator must "
                "update the identity provider's metadata or certificate on the Single Sign-On tab."
            )
        return None

    def _pysaml2(self) -> Pysaml2ServiceProvider:
        with self._lock:
            if self._fallback is None:
                from sandbox.saml.sp_pysaml2 import Pysaml2ServiceProvider

                self._fallback = Pysaml2ServiceProvider(
                    self.settings, self.idp, self._fingerprints, standalone_without_validity(self.document.xml)
                )
            return self._fallback

    def _in_process(self) -> InProcessVerifier:
        with self._lock:
            if self._verifier is None:
                from sandbox.saml.sp_verify import InProcessVerifier, trusted_keys

                self._verifier = InProcessVerifier(
                    entity_id=self.settings.entity_id,
                    acs_url=self.settings.acs_url,
                    idp_entity_id=self.idp.entity_id,
                    allowed_skew_s=self.settings.allowed_skew_s,
                    keys=trusted_keys(self._certificates),
                )
            return self._verifier

    # -- SP-initiated sign-in -------------------------------------------------------------------------

    def authn_request(self, relay_state: str | None) -> OutgoingMessage:
        """An AuthnRequest to the IdP's SSO URL: HTTP-Redirect, or HTTP-POST when the IdP declares only that."""
        if self.idp.want_authn_requests_signed and self.backend != PYTHON_XMLSEC:
            # Signed with the xmlsec1 program, as the fallback backend promises.
            return self._pysaml2().authn_request(relay_state)
        return self._requests.build(relay_state)

    # -- the assertion consumer service ---------------------------------------------------------------

    def verify_response(
        self, saml_response: str, *, known_request_ids: Container[str], remote_addr: str = "127.0.0.1"
    ) -> VerifiedResponse:
        """Verify a base64 ``SAMLResponse`` (HTTP-POST). Raises :class:`ResponseRejected`.

        ``known_request_ids`` are the caller's outstanding AuthnRequest IDs (asked once, with the
        response's InResponseTo: a container that looks the ID up in a database will do); the caller
        decides whether the InResponseTo found (``VerifiedResponse.in_response_to``) is acceptable and
        not yet used.
        """
        checks: list[Check] = []
        try:
            xml = decode_message(saml_response)
        except MessageDecodeError as error:
            raise ResponseRejected("decoding", str(error), checks=checks) from error
        try:
            root = parse_xml(xml)
            summary = summarise_root(root, self._known_certificates)
        except UnsafeXmlError as error:
            raise ResponseRejected("XML parsing", str(error), xml=xml, checks=checks) from error

        def reject(check: str, reason: str) -> ResponseRejected:
            return ResponseRejected(check, reason, xml=xml, summary=summary, checks=checks)

        checks.append(Check("XML parsing", True, "Well-formed, no DTD or entities"))
        self._check_shape(summary, checks, reject)
        self._check_signatures_present(summary, checks, reject)
        claimed = summary.in_response_to
        request_known = claimed is not None and claimed in known_request_ids
        if self.backend == PYTHON_XMLSEC and summary.encrypted_assertion_count:
            raise reject(
                "encrypted assertion",
                "The assertion is encrypted (EncryptedAssertion); this service provider accepts signed, "
                "unencrypted assertions. Turn assertion encryption off at the identity provider.",
            )
        # Where the assertion and signatures sit, before any crypto (an encrypted one is pysaml2's to find).
        assertion = None if summary.encrypted_assertion_count else the_assertion(root, reject)
        signed = signed_elements(root, assertion, reject)
        if self.backend == PYTHON_XMLSEC and assertion is not None:
            return self._in_process().verify(root, assertion, signed, xml, summary, checks, reject)
        fallback = self._pysaml2()
        with self._lock:  # pysaml2's client keeps small caches: one request at a time
            verified = fallback.verify(xml, summary, request_known, remote_addr, checks, reject)
        if assertion is not None:
            check_audiences(assertion, self.settings.entity_id, reject)
        return verified

    def _check_shape(self, summary: MessageSummary, checks: list[Check], reject: Reject) -> None:
        if summary.message_type != "Response":
            article = "an" if summary.message_type[:1] in "AEIOU" else "a"
            raise reject("message type", f"Expected a SAML Response, got {article} {summary.message_type}.")
        if summary.status and not summary.status.startswith("urn:oasis:names:tc:SAML:2.0:status:Success"):
            message = f" ({summary.status_message})" if summary.status_message else ""
            raise reject("status", f"The identity provider answered with status {summary.status}{message}.")
        checks.append(Check("status", True, "Success"))
        total = summary.assertion_count + summary.encrypted_assertion_count
        if total != 1:
            detail = (
                "none"
                if total == 0
                else f"{total} (a copy hidden elsewhere in the message is how XML signature wrapping attacks look)"
            )
            raise reject("one assertion", f"Exactly one assertion is accepted; this response carries {detail}.")
        checks.append(Check("one assertion", True, "Exactly one assertion"))
        expected = self.idp.entity_id
        for where, issuer in (("response", summary.issuer), ("assertion", summary.assertion_issuer)):
            if issuer is not None and issuer != expected:
                raise reject(
                    "issuer",
                    f"The {where} was issued by “{issuer}”; this service provider trusts only “{expected}”.",
                )
        checks.append(Check("issuer", True, expected))
        destination = summary.destination
        if destination is not None and destination != self.settings.acs_url:
            raise reject(
                "destination",
                f"The response is addressed to {destination} (Destination); "
                f"this service provider's ACS URL is {self.settings.acs_url}.",
            )
        checks.append(Check("destination", True, destination or "(not set)"))

    def _check_signatures_present(self, summary: MessageSummary, checks: list[Check], reject: Reject) -> None:
        for signature in summary.signatures:
            if signature.element in ("Response", "Assertion") and not signature.covers_its_element:
                raise reject(
                    "signature",
                    f"The signature inside the {signature.element} references "
                    f"{signature.reference_uri or '(nothing)'}, "
                    f"not the {signature.element} it sits in ({signature.element_id}): "
                    "this is how XML signature wrapping attacks look.",
                )
        response_signed = summary.signed("Response")
        assertion_signed = summary.signed("Assertion") or summary.encrypted_assertion_count > 0
        required = self.settings.signatures_required
        missing = None
        if required in ("assertion", "both") and not assertion_signed:
            missing = "The assertion is not signed"
        elif required in ("response", "both") and not response_signed:
            missing = "The response is not signed"
        elif required == "either" and not (response_signed or assertion_signed):
            missing = "Neither the response nor the assertion is signed"
        if missing:
            raise reject(
                "signature", f"{missing}; this service provider requires: {SIGNATURES_REQUIRED[required].lower()}."
            )
        expected = self._fingerprints
        for signature in summary.signatures:
            if signature.certificate_sha256 and signature.certificate_sha256 not in expected:
                raise reject(
                    "signing certificate",
                    f"The {signature.element.lower()} is signed with a certificate whose SHA-256 fingerprint is "
                    f"{signature.certificate_sha256}, expected {' or '.join(expected)}.",
                )
        checks.append(Check("signatures present", True, SIGNATURES_REQUIRED[required]))
