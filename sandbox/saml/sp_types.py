"""The service provider's settings, messages and verdicts, shared by its verification paths.

Plain data and wording only (no lxml, xmlsec or pysaml2), so every path names a failed check the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.saml.inspect import MessageSummary

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
    # Which identity provider of ``idp_metadata_xml`` to trust, when it describes several.
    idp_entity_id: str | None = None


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


# Builds the rejection for a failed check: (check name, reason) → exception to raise.
Reject = Callable[[str, str], ResponseRejected]


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


def utc_moment(value: str | None) -> datetime | None:
    """An xs:dateTime as an aware UTC datetime; ``None`` when absent or unreadable."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def clock_text(moment: datetime) -> str:
    """A moment as a tester reads it: the time alone today, the date too otherwise."""
    return f"{moment:%H:%M:%S} UTC" if moment.date() == datetime.now(UTC).date() else f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def time_reason(summary: MessageSummary, allowed_skew_s: int, now: datetime | None = None) -> str:
    """Why an assertion is outside its validity window, with both clocks and the allowed skew."""
    now = now or datetime.now(UTC)
    tail = f"this server's clock says {clock_text(now)}; allowed skew {allowed_skew_s} s"
    ends = [t for t in (utc_moment(summary.not_on_or_after), utc_moment(summary.confirmation_not_on_or_after)) if t]
    expired = [t for t in ends if (now - t).total_seconds() >= allowed_skew_s]
    if expired:
        return f"The assertion expired at {clock_text(min(expired))}; {tail}."
    start = utc_moment(summary.not_before)
    if start and (start - now).total_seconds() > allowed_skew_s:
        return f"The assertion is not valid before {clock_text(start)}; {tail}."
    return f"The assertion is outside its validity window; {tail}."
