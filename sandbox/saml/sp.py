"""A SAML 2.0 service provider: pysaml2's client configured from plain values, behind a small typed API.

pysaml2 does the cryptography and most checks; this wrapper adds what it leaves out (the signature
requirement as one choice, the issuer, a Recipient that must be the ACS, a single assertion) and turns
every failure into :class:`ResponseRejected` naming the failed check in words a tester understands.
Request IDs and consumed assertion IDs are state, so they are the caller's: see ``known_request_ids``.
"""

from __future__ import annotations

import base64
import logging
import tempfile
import threading
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sandbox.saml.backend import DIGEST_SHA256, SIG_RSA_SHA256, install_backend
from sandbox.saml.inspect import MessageDecodeError, MessageSummary, decode_message, summarise
from sandbox.saml.keys import certificate_facts
from sandbox.saml.metadata import BINDING_POST, BINDING_REDIRECT, NAMEID_EMAIL, parse_idp_metadata
from sandbox.saml.safe_xml import UnsafeXmlError

log = logging.getLogger("sandbox.saml.sp")

# Which signatures a response must carry.
SIGNATURES_REQUIRED = {
    "assertion": "Assertion signed",
    "response": "Response signed",
    "both": "Response and assertion signed",
    "either": "Response or assertion signed",
}


@dataclass(frozen=True)
class ServiceProviderSettings:
    entity_id: str
    acs_url: str
    idp_metadata_xml: str
    key_pem: str
    certificate_pem: str
    crypto: dict[str, Any]  # from sandbox.saml.backend.crypto_settings()
    slo_url: str | None = None
    signatures_required: str = "assertion"
    allowed_skew_s: int = 60


@dataclass(frozen=True)
class OutgoingMessage:
    """A message ready for the browser: a redirect to ``url``, or a form post of ``form`` to ``url``."""

    message_id: str
    binding: str  # "HTTP-Redirect" or "HTTP-POST"
    url: str
    form: dict[str, str]
    xml: str
    relay_state: str | None


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


class ResponseRejected(Exception):
    """A SAML response that is not accepted; ``reason`` is for the person, ``check`` names the failed test."""

    def __init__(
        self, check: str, reason: str, *, xml: str = "", summary: MessageSummary | None = None, checks: list[Check]
    ) -> None:
        super().__init__(reason)
        self.check = check
        self.reason = reason
        self.xml = xml
        self.summary = summary
        self.checks = [*checks, Check(check, False, reason)]


@dataclass
class VerifiedResponse:
    """What a verified response asserts. Every value comes from the signature-checked assertion."""

    xml: str
    summary: MessageSummary
    issuer: str
    assertion_id: str
    name_id: str
    name_id_format: str | None
    in_response_to: str | None
    session_index: str | None
    attributes: dict[str, list[str]]
    expires: datetime | None
    checks: list[Check] = field(default_factory=list)


def _utc(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _clock(moment: datetime) -> str:
    return f"{moment:%H:%M:%S} UTC" if moment.date() == datetime.now(UTC).date() else f"{moment:%Y-%m-%d %H:%M:%S} UTC"


class ServiceProvider:
    """One service provider configuration, usable for one request; close it (or use ``with``) afterwards."""

    def __init__(self, settings: ServiceProviderSettings) -> None:
        if settings.signatures_required not in SIGNATURES_REQUIRED:
            raise ValueError(f"unknown signature requirement {settings.signatures_required!r}")
        self.settings = settings
        self.idp = parse_idp_metadata(settings.idp_metadata_xml)
        self._fingerprints = tuple(certificate_facts(c).fingerprint_sha256 for c in self.idp.signing_certificates)
        # pysaml2's xmlsec1 backend reads keys from files; they live only as long as this object.
        self._files = tempfile.TemporaryDirectory(prefix="sandbox-sp-")
        key_file = Path(self._files.name) / "sp.key"
        cert_file = Path(self._files.name) / "sp.crt"
        key_file.write_text(settings.key_pem)
        cert_file.write_text(settings.certificate_pem)
        required = settings.signatures_required
        endpoints: dict[str, Any] = {"assertion_consumer_service": [(settings.acs_url, BINDING_POST)]}
        if settings.slo_url:
            endpoints["single_logout_service"] = [
                (settings.slo_url, BINDING_REDIRECT),
                (settings.slo_url, BINDING_POST),
            ]
        # pysaml2 is imported here, not with the module: importing it takes seconds (see backend.py).
        from saml2.client import Saml2Client
        from saml2.config import SPConfig

        config = SPConfig()
        config.load(
            {
                "entityid": settings.entity_id,
                "metadata": {"inline": [settings.idp_metadata_xml]},
                "allow_unknown_attributes": True,
                "accepted_time_diff": settings.allowed_skew_s,
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "encryption_keypairs": [{"key_file": str(key_file), "cert_file": str(cert_file)}],
                "service": {
                    "sp": {
                        "endpoints": endpoints,
                        # InResponseTo is checked against the caller's own store (see verify_response).
                        "allow_unsolicited": True,
                        "want_assertions_signed": required in ("assertion", "both"),
                        "want_response_signed": required in ("response", "both"),
                        "want_assertions_or_response_signed": required == "either",
                        "authn_requests_signed": self.idp.want_authn_requests_signed,
                        "name_id_format": [NAMEID_EMAIL],
                        # pysaml2 signs with SHA-1 unless told here, inside service.sp.
                        "signing_algorithm": SIG_RSA_SHA256,
                        "digest_algorithm": DIGEST_SHA256,
                    }
                },
                **settings.crypto,
            }
        )
        self._client = Saml2Client(config)
        # Without this pysaml2 runs the xmlsec1 program (three times) for every verify.
        install_backend(self._client, settings.crypto)
        # pysaml2's client keeps small caches; one request at a time uses it.
        self._lock = threading.Lock()

    def __enter__(self) -> ServiceProvider:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._files.cleanup()

    @property
    def expected_fingerprints(self) -> list[str]:
        """SHA-256 fingerprints of the IdP's signing certificates, from its metadata."""
        return list(self._fingerprints)

    # -- SP-initiated sign-in -------------------------------------------------------------------------

    def authn_request(self, relay_state: str | None) -> OutgoingMessage:
        """An AuthnRequest to the IdP's SSO URL: HTTP-Redirect, or HTTP-POST when the IdP declares only that."""
        with self._lock:
            return self._authn_request(relay_state)

    def _authn_request(self, relay_state: str | None) -> OutgoingMessage:
        binding, destination = self.idp.sso_endpoint()
        sign = self.idp.want_authn_requests_signed
        request_id, request = self._client.create_authn_request(
            destination,
            binding=BINDING_POST,  # how the Response must come back
            nameid_format=NAMEID_EMAIL,
            sign=sign and binding == BINDING_POST,
            sign_alg=SIG_RSA_SHA256 if sign else None,
            digest_alg=DIGEST_SHA256 if sign else None,
        )
        xml = str(request)
        if binding == BINDING_REDIRECT:
            info = self._client.apply_binding(
                binding, xml, destination, relay_state or "", sigalg=SIG_RSA_SHA256 if sign else None
            )
            url = dict(info["headers"])["Location"]
            return OutgoingMessage(request_id, "HTTP-Redirect", url, {}, xml, relay_state)
        form = {"SAMLRequest": base64.b64encode(xml.encode()).decode()}
        if relay_state:
            form["RelayState"] = relay_state
        return OutgoingMessage(request_id, "HTTP-POST", destination, form, xml, relay_state)

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
        with self._lock:
            return self._verify_response(saml_response, known_request_ids, remote_addr)

    def _verify_response(
        self, saml_response: str, known_request_ids: Container[str], remote_addr: str
    ) -> VerifiedResponse:
        checks: list[Check] = []
        try:
            xml = decode_message(saml_response)
        except MessageDecodeError as error:
            raise ResponseRejected("decoding", str(error), checks=checks) from error
        try:
            summary = summarise(xml)
        except UnsafeXmlError as error:
            raise ResponseRejected("XML parsing", str(error), xml=xml, checks=checks) from error

        def reject(check: str, reason: str) -> ResponseRejected:
            return ResponseRejected(check, reason, xml=xml, summary=summary, checks=checks)

        checks.append(Check("XML parsing", True, "Well-formed, no DTD or entities"))
        self._check_shape(summary, checks, reject)
        self._check_signatures_present(summary, checks, reject)
        response = self._pysaml2_verify(xml, summary, known_request_ids, remote_addr, checks, reject)
        return self._trusted_values(response, xml, summary, checks, reject)

    def _check_shape(self, summary: MessageSummary, checks: list[Check], reject: Any) -> None:
        if summary.message_type != "Response":
            raise reject("message type", f"Expected a SAML Response, got a {summary.message_type}.")
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

    def _check_signatures_present(self, summary: MessageSummary, checks: list[Check], reject: Any) -> None:
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

    def _time_reason(self, summary: MessageSummary) -> str:
        now = datetime.now(UTC)
        skew = self.settings.allowed_skew_s
        tail = f"this server's clock says {_clock(now)}; allowed skew {skew} s"
        ends = [t for t in (_utc(summary.not_on_or_after), _utc(summary.confirmation_not_on_or_after)) if t]
        expired = [t for t in ends if (now - t).total_seconds() >= skew]
        if expired:
            return f"The assertion expired at {_clock(min(expired))}; {tail}."
        start = _utc(summary.not_before)
        if start and (start - now).total_seconds() > skew:
            return f"The assertion is not valid before {_clock(start)}; {tail}."
        return f"The assertion is outside its validity window; {tail}."

    def _pysaml2_verify(
        self,
        xml: str,
        summary: MessageSummary,
        known_request_ids: Container[str],
        remote_addr: str,
        checks: list[Check],
        reject: Any,
    ) -> Any:
        from saml2.response import StatusError, VerificationError
        from saml2.sigver import SignatureError, SigverError
        from saml2.validate import ResponseLifetimeExceed, ToEarly

        encoded = base64.b64encode(xml.encode()).decode()
        claimed = summary.in_response_to
        outstanding = {claimed: "/"} if claimed is not None and claimed in known_request_ids else {}
        conv_info = {"remote_addr": remote_addr, "entity_id": self.settings.entity_id}
        fingerprints = " or ".join(self._fingerprints)
        try:
            response = self._client.parse_authn_request_response(
                encoded, BINDING_POST, outstanding=outstanding, conv_info=conv_info
            )
        except (SignatureError, SigverError) as error:
            log.info("signature rejected: %s", error)
            raise reject(
                "signature",
                "The signature does not verify with the identity provider's certificate "
                f"(SHA-256 {fingerprints}): the message was changed after signing, or signed with another key.",
            ) from error
        except (ResponseLifetimeExceed, ToEarly) as error:
            raise reject("validity window", self._time_reason(summary)) from error
        except StatusError as error:
            raise reject("status", f"The identity provider answered with an error status: {error}.") from error
        except VerificationError as error:
            if "recipient" in str(error).lower():
                raise reject(
                    "recipient",
                    f"The assertion's Recipient is {summary.recipient or '(missing)'}; "
                    f"this service provider's ACS URL is {self.settings.acs_url}.",
                ) from error
            if "condition" in str(error).lower():
                raise reject("validity window", self._time_reason(summary)) from error
            raise reject("verification", f"The assertion could not be verified: {error}.") from error
        except Exception as error:  # pysaml2 raises bare Exception for audience and some structure problems
            if "AudienceRestrictions" in str(error):
                raise reject(
                    "audience",
                    f"The assertion is meant for audience {', '.join(summary.audiences) or '(none)'}; "
                    f"this service provider's entity ID is {self.settings.entity_id}.",
                ) from error
            log.info("response rejected by pysaml2: %s", error)
            raise reject("verification", f"The response could not be verified: {error}.") from error
        if response is None or response.assertion is None:
            # pysaml2 drops responses whose Destination or InResponseTo do not fit without raising.
            raise reject("verification", "The response was not accepted (no verifiable assertion in it).")
        checks.append(Check("signature", True, f"Verified with SHA-256 {fingerprints}"))
        return response

    def _trusted_values(
        self, response: Any, xml: str, summary: MessageSummary, checks: list[Check], reject: Any
    ) -> VerifiedResponse:
        assertion = response.assertion
        if assertion.id != summary.assertion_id:
            raise reject(
                "one assertion",
                "The verified assertion is not the one the response shows first: XML signature wrapping.",
            )
        issuer = (assertion.issuer.text or "").strip() if assertion.issuer is not None else ""
        if issuer != self.idp.entity_id:
            raise reject("issuer", f"The assertion was issued by “{issuer}”; expected “{self.idp.entity_id}”.")
        conditions = assertion.conditions
        audiences = [
            (a.text or "").strip()
            for r in (conditions.audience_restriction if conditions is not None else [])
            for a in r.audience
        ]
        if self.settings.entity_id not in audiences:
            raise reject(
                "audience",
                f"The assertion is meant for audience {', '.join(audiences) or '(none)'}; "
                f"this service provider's entity ID is {self.settings.entity_id}.",
            )
        checks.append(Check("audience", True, self.settings.entity_id))
        confirmation = None
        for subject_confirmation in assertion.subject.subject_confirmation:
            confirmation = subject_confirmation.subject_confirmation_data
        recipient = confirmation.recipient if confirmation is not None else None
        if recipient != self.settings.acs_url:
            raise reject(
                "recipient",
                f"The assertion's Recipient is {recipient or '(missing)'}; "
                f"this service provider's ACS URL is {self.settings.acs_url}.",
            )
        checks.append(Check("recipient", True, recipient))
        in_response_to = response.in_response_to or None
        confirmation_irt = confirmation.in_response_to if confirmation is not None else None
        if confirmation_irt and in_response_to and confirmation_irt != in_response_to:
            raise reject(
                "InResponseTo",
                f"The response answers request {in_response_to} but its assertion answers {confirmation_irt}.",
            )
        checks.append(
            Check("validity window", True, f"Within NotBefore/NotOnOrAfter ± {self.settings.allowed_skew_s} s")
        )
        name_id = response.name_id
        if name_id is not None and (name_id.text or "").strip() != (summary.name_id or ""):
            raise reject(
                "NameID",
                "The NameID reads differently depending on how XML comments inside it are handled; refused.",
            )
        ends = [
            t
            for t in (
                _utc(conditions.not_on_or_after if conditions is not None else None),
                _utc(confirmation.not_on_or_after if confirmation is not None else None),
            )
            if t
        ]
        session_index = None
        if assertion.authn_statement:
            session_index = assertion.authn_statement[0].session_index
        return VerifiedResponse(
            xml=xml,
            summary=summary,
            issuer=issuer,
            assertion_id=assertion.id,
            name_id=(name_id.text or "").strip() if name_id is not None else "",
            name_id_format=name_id.format if name_id is not None else None,
            in_response_to=in_response_to or confirmation_irt,
            session_index=session_index,
            attributes={k: [str(v) for v in vs] for k, vs in (response.ava or {}).items()},
            expires=min(ends) if ends else None,
            checks=checks,
        )
