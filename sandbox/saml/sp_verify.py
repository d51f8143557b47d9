"""A SAML Response verified in process: one hardened parse, libxmlsec1 for the signatures, then every check.

The service provider (``sandbox.saml.sp``) has already parsed the message with the hardened parser,
summarised it, checked its shape (status, exactly one assertion, issuers, Destination, which
signatures it carries and with which certificate) and, with ``sandbox.saml.sp_structure``, found
the Assertion directly inside the Response and each signature's place, reference and algorithm.
What is left happens here, on that same tree:

- each of those signatures verifies with the identity provider's certificate from its metadata,
  libxmlsec1 resolving the reference only to the element the signature sits in (only the
  transforms SAML allows are enabled);
- the values are then read from that very Assertion, so a copy hidden elsewhere in the message is
  never what the service provider trusts;
- the response's IssueInstant, the assertion's Issuer, Conditions (NotBefore / NotOnOrAfter with the
  allowed skew, every AudienceRestriction) and the bearer SubjectConfirmation (Recipient,
  NotOnOrAfter, InResponseTo).

Importing this module loads python-xmlsec (not pysaml2): the service provider imports it on first use.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import xmlsec
from lxml import etree

from sandbox.saml.enveloped import (
    SignatureVerificationError,
    certificate_key,
    verify_signature,
)
from sandbox.saml.inspect import SAML, MessageSummary
from sandbox.saml.sp_structure import SignedElement, check_audiences, text_of
from sandbox.saml.sp_types import Check, Reject, VerifiedResponse, clock_text, time_reason, utc_moment

log = logging.getLogger("sandbox.saml.sp")

BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
_ISSUER = f"{{{SAML}}}Issuer"
_CONDITIONS = f"{{{SAML}}}Conditions"
_SUBJECT = f"{{{SAML}}}Subject"
_NAME_ID = f"{{{SAML}}}NameID"
_CONFIRMATION = f"{{{SAML}}}SubjectConfirmation"
_CONFIRMATION_DATA = f"{{{SAML}}}SubjectConfirmationData"
_AUTHN_STATEMENT = f"{{{SAML}}}AuthnStatement"
_ATTRIBUTE = f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute"
_ATTRIBUTE_VALUE = f"{{{SAML}}}AttributeValue"

# The response's IssueInstant may be this far from the clock (plus the skew), as pysaml2 allows.
ISSUE_INSTANT_LEEWAY_S = 24 * 3600

# Common attribute names in urn:oid form and the names BlogIn reads them by (as pysaml2's converters do).
OID_NAMES = {
    "urn:oid:0.9.2342.19200300.100.1.3": "mail",
    "urn:oid:2.5.4.42": "givenName",
    "urn:oid:2.5.4.4": "sn",
    "urn:oid:2.16.840.1.113730.3.1.241": "displayName",
    "urn:oid:2.5.4.20": "telephoneNumber",
    "urn:oid:2.5.4.12": "title",
    "urn:oid:0.9.2342.19200300.100.1.1": "uid",
}


@dataclass(frozen=True)
class TrustedKey:
    """One signing certificate of the identity provider, ready for libxmlsec1."""

    fingerprint: str
    key: xmlsec.Key


def trusted_keys(certificates: Sequence[tuple[str, str]]) -> list[TrustedKey]:
    """Keys for ``(SHA-256 fingerprint, PEM)`` pairs from the identity provider's metadata."""
    return [TrustedKey(fingerprint, certificate_key(pem)) for fingerprint, pem in certificates]


class InProcessVerifier:
    """The checks after the shape checks, for one service provider (entity ID, ACS, skew, trusted keys)."""

    def __init__(
        self, *, entity_id: str, acs_url: str, idp_entity_id: str, allowed_skew_s: int, keys: Sequence[TrustedKey]
    ) -> None:
        self.entity_id = entity_id
        self.acs_url = acs_url
        self.idp_entity_id = idp_entity_id
        self.allowed_skew_s = allowed_skew_s
        self.keys = tuple(keys)

    def verify(
        self,
        root: etree._Element,
        assertion: etree._Element,
        signed: Sequence[SignedElement],
        xml: str,
        summary: MessageSummary,
        checks: list[Check],
        reject: Reject,
    ) -> VerifiedResponse:
        """The verified response, its values read from the signature-checked elements; raises via ``reject``."""
        now = datetime.now(UTC)
        for element in signed:
            self._verify_one(element, summary, reject)
        checks.append(Check("signature", True, f"Verified with SHA-256 {self._fingerprints()}"))
        self._check_issue_instant(root, now, reject)
        issuer = text_of(assertion.find(_ISSUER))
        if issuer != self.idp_entity_id:
            raise reject(
                "issuer", f"The assertion was issued by “{issuer or '(nobody)'}”; expected “{self.idp_entity_id}”."
            )
        ends = self._check_conditions(assertion, summary, now, checks, reject)
        subject = assertion.find(_SUBJECT)
        data = self._bearer_confirmation(subject, reject)
        recipient = data.get("Recipient")
        if recipient != self.acs_url:
            raise reject(
                "recipient",
                f"The assertion's Recipient is {recipient or '(missing)'}; "
                f"this service provider's ACS URL is {self.acs_url}.",
            )
        checks.append(Check("recipient", True, recipient))
        confirmation_end = utc_moment(data.get("NotOnOrAfter"))
        if data.get("NotOnOrAfter") is not None and confirmation_end is None:
            raise reject("validity window", "The SubjectConfirmationData's NotOnOrAfter is not a valid time.")
        if confirmation_end is not None:
            if (now - confirmation_end).total_seconds() >= self.allowed_skew_s:
                raise reject("validity window", time_reason(summary, self.allowed_skew_s, now))
            ends.append(confirmation_end)
        in_response_to = root.get("InResponseTo") or None
        confirmation_irt = data.get("InResponseTo") or None
        if confirmation_irt and in_response_to and confirmation_irt != in_response_to:
            raise reject(
                "InResponseTo",
                f"The response answers request {in_response_to} but its assertion answers {confirmation_irt}.",
            )
        checks.append(Check("validity window", True, f"Within NotBefore/NotOnOrAfter ± {self.allowed_skew_s} s"))
        name_id = subject.find(_NAME_ID) if subject is not None else None
        if name_id is not None and next(name_id.iterchildren(tag=etree.Element), None) is not None:
            raise reject("NameID", "The NameID contains markup where SAML allows only text; refused.")
        statement = assertion.find(_AUTHN_STATEMENT)
        return VerifiedResponse(
            xml=xml,
            summary=summary,
            issuer=issuer,
            assertion_id=assertion.get("ID") or "",
            name_id=text_of(name_id),
            name_id_format=name_id.get("Format") if name_id is not None else None,
            in_response_to=in_response_to or confirmation_irt,
            session_index=statement.get("SessionIndex") if statement is not None else None,
            attributes=_attributes(assertion),
            expires=min(ends) if ends else None,
            checks=checks,
        )

    def _fingerprints(self) -> str:
        return " or ".join(key.fingerprint for key in self.keys)

    # -- signatures -----------------------------------------------------------------------------------

    def _verify_one(self, signed: SignedElement, summary: MessageSummary, reject: Reject) -> None:
        # With a certificate in KeyInfo (already found among the trusted ones) only its key is tried.
        claimed = next((s.certificate_sha256 for s in summary.signatures if s.element_id == signed.element_id), None)
        keys = [k for k in self.keys if k.fingerprint == claimed] or list(self.keys)
        failure: SignatureVerificationError | None = None
        for trusted in keys:
            try:
                verify_signature(signed.signature, trusted.key, signed.element)
                return
            except SignatureVerificationError as error:
                failure = error
        log.info("signature on the %s rejected: %s", signed.name, failure)
        raise reject(
            "signature",
            "The signature does not verify with the identity provider's certificate "
            f"(SHA-256 {self._fingerprints()}): the message was changed after signing, or signed with another key.",
        )

    # -- time, audience, subject ----------------------------------------------------------------------

    def _check_issue_instant(self, root: etree._Element, now: datetime, reject: Reject) -> None:
        issued = utc_moment(root.get("IssueInstant"))
        if issued is None:
            raise reject("validity window", "The response has no valid IssueInstant.")
        if abs((now - issued).total_seconds()) > ISSUE_INSTANT_LEEWAY_S + self.allowed_skew_s:
            raise reject(
                "validity window",
                f"The response was issued at {clock_text(issued)}; this server's clock says {clock_text(now)}, "
                f"more than a day apart (allowed skew {self.allowed_skew_s} s).",
            )

    def _check_conditions(
        self,
        assertion: etree._Element,
        summary: MessageSummary,
        now: datetime,
        checks: list[Check],
        reject: Reject,
    ) -> list[datetime]:
        conditions = assertion.find(_CONDITIONS)
        ends: list[datetime] = []
        if conditions is not None:
            start, end = conditions.get("NotBefore"), conditions.get("NotOnOrAfter")
            not_before, not_on_or_after = utc_moment(start), utc_moment(end)
            if (start is not None and not_before is None) or (end is not None and not_on_or_after is None):
                raise reject("validity window", "The assertion's Conditions carry a time that is not valid.")
            too_late = not_on_or_after is not None and (now - not_on_or_after).total_seconds() >= self.allowed_skew_s
            too_early = not_before is not None and (not_before - now).total_seconds() > self.allowed_skew_s
            if too_late or too_early:
                raise reject("validity window", time_reason(summary, self.allowed_skew_s, now))
            if not_on_or_after is not None:
                ends.append(not_on_or_after)
        check_audiences(assertion, self.entity_id, reject)
        checks.append(Check("audience", True, self.entity_id))
        return ends

    def _bearer_confirmation(self, subject: etree._Element | None, reject: Reject) -> etree._Element:
        confirmations = subject.findall(_CONFIRMATION) if subject is not None else []
        for confirmation in confirmations:
            data = confirmation.find(_CONFIRMATION_DATA)
            if confirmation.get("Method") == BEARER and data is not None:
                return data
        raise reject(
            "recipient",
            "The assertion has no bearer SubjectConfirmation with a Recipient; "
            f"this service provider's ACS URL is {self.acs_url}.",
        )


def _attributes(assertion: etree._Element) -> dict[str, list[str]]:
    attributes: dict[str, list[str]] = {}
    for attribute in assertion.iterfind(_ATTRIBUTE):
        name = attribute.get("Name") or ""
        if name.startswith("urn:oid:"):
            name = OID_NAMES.get(name) or attribute.get("FriendlyName") or name
        if not name:
            continue
        attributes.setdefault(name, []).extend(text_of(v) for v in attribute.iterfind(_ATTRIBUTE_VALUE))
    return attributes
