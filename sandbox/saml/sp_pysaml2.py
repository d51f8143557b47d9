"""The service provider's pysaml2 path: the fallback for the ``xmlsec1`` backend and encrypted assertions.

pysaml2's client verifies the response (schema validation, signatures through the configured crypto
backend, lifetimes, audience, recipient); this module maps its exceptions onto the checks a tester
reads and takes the values from pysaml2's verified assertion. pysaml2 is imported when one is built.
"""

from __future__ import annotations

import base64
import logging
import tempfile
from pathlib import Path
from typing import Any

from sandbox.saml.backend import DIGEST_SHA256, SIG_RSA_SHA256, install_backend
from sandbox.saml.inspect import MessageSummary
from sandbox.saml.metadata import BINDING_POST, BINDING_REDIRECT, NAMEID_EMAIL, IdpMetadata
from sandbox.saml.sp_types import (
    Check,
    OutgoingMessage,
    Reject,
    ServiceProviderSettings,
    VerifiedResponse,
    time_reason,
    utc_moment,
)

log = logging.getLogger("sandbox.saml.sp")


class Pysaml2ServiceProvider:
    """pysaml2's ``Saml2Client`` configured from plain values; close it to remove its key files."""

    def __init__(
        self, settings: ServiceProviderSettings, idp: IdpMetadata, fingerprints: tuple[str, ...], metadata_xml: str
    ) -> None:
        self.settings = settings
        self.idp = idp
        self._fingerprints = fingerprints
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
        from saml2.client import Saml2Client
        from saml2.config import SPConfig

        config = SPConfig()
        config.load(
            {
                "entityid": settings.entity_id,
                "metadata": {"inline": [metadata_xml]},
                "allow_unknown_attributes": True,
                "accepted_time_diff": settings.allowed_skew_s,
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "encryption_keypairs": [{"key_file": str(key_file), "cert_file": str(cert_file)}],
                "service": {
                    "sp": {
                        "endpoints": endpoints,
                        # InResponseTo is checked against the caller's own store (see ServiceProvider).
                        "allow_unsolicited": True,
                        "want_assertions_signed": required in ("assertion", "both"),
                        "want_response_signed": required in ("response", "both"),
                        "want_assertions_or_response_signed": required == "either",
                        "authn_requests_signed": idp.want_authn_requests_signed,
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

    def close(self) -> None:
        self._files.cleanup()

    def authn_request(self, relay_state: str | None) -> OutgoingMessage:
        """A signed AuthnRequest made by pysaml2 (HTTP-Redirect, or HTTP-POST when that is all there is)."""
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

    def verify(
        self,
        xml: str,
        summary: MessageSummary,
        request_known: bool,
        remote_addr: str,
        checks: list[Check],
        reject: Reject,
    ) -> VerifiedResponse:
        """pysaml2's verification of the response, then the values from its verified assertion."""
        response = self._parse(xml, summary, request_known, remote_addr, checks, reject)
        return self._trusted_values(response, xml, summary, checks, reject)

    def _parse(
        self,
        xml: str,
        summary: MessageSummary,
        request_known: bool,
        remote_addr: str,
        checks: list[Check],
        reject: Reject,
    ) -> Any:
        from saml2.response import StatusError, VerificationError
        from saml2.sigver import SignatureError, SigverError
        from saml2.validate import ResponseLifetimeExceed, ToEarly

        encoded = base64.b64encode(xml.encode()).decode()
        claimed = summary.in_response_to
        outstanding = {claimed: "/"} if claimed is not None and request_known else {}
        conv_info = {"remote_addr": remote_addr, "entity_id": self.settings.entity_id}
        fingerprints = " or ".join(self._fingerprints)
        skew = self.settings.allowed_skew_s
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
            raise reject("validity window", time_reason(summary, skew)) from error
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
                raise reject("validity window", time_reason(summary, skew)) from error
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
        self, response: Any, xml: str, summary: MessageSummary, checks: list[Check], reject: Reject
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
                utc_moment(conditions.not_on_or_after if conditions is not None else None),
                utc_moment(confirmation.not_on_or_after if confirmation is not None else None),
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
