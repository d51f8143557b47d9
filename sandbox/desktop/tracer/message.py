"""One captured SAML message read for the tracer: the capture, what the message says, its timing and signatures."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from sandbox.desktop.trace_model import system_label
from sandbox.desktop.tracer.signature import SignatureStatus, check_signatures
from sandbox.events import SandboxEvent
from sandbox.saml.inspect import MessageSummary, summarise_root
from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml
from sandbox.saml.sp_types import utc_moment

OTHER_SYSTEM = {"jumpcloud": "blogin", "blogin": "jumpcloud"}
VERDICT_LABELS = {"sent": "Sent", "accepted": "Accepted", "rejected": "Rejected"}


def duration_text(seconds: float) -> str:
    """``905`` → ``"15 min 5 s"``; ``42`` → ``"42 s"``."""
    whole = round(abs(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _seconds(seconds: float) -> str:
    """``901`` → ``"901 s (15 min 1 s)"``: exact, and readable when it runs to minutes."""
    return f"{seconds:.0f} s" if abs(seconds) < 60 else f"{seconds:.0f} s ({duration_text(seconds)})"


@dataclass(frozen=True)
class ValidityWindow:
    """NotBefore / NotOnOrAfter of an assertion seen from the receiving system's clock."""

    clock: datetime | None
    not_before: datetime | None
    not_on_or_after: datetime | None
    allowed_skew_s: int

    @property
    def known(self) -> bool:
        return self.clock is not None and (self.not_before is not None or self.not_on_or_after is not None)

    def verdict(self) -> str:
        """In words: within the window, not yet valid or expired (allowing for the skew)."""
        if not self.known or self.clock is None:
            return "No validity window in this message."
        skew = self.allowed_skew_s
        if self.not_before is not None and (self.not_before - self.clock).total_seconds() > skew:
            ahead = (self.not_before - self.clock).total_seconds()
            return (
                f"Not yet valid: NotBefore is {_seconds(ahead)} ahead of the receiver's clock (skew allowed: {skew} s)."
            )
        if self.not_on_or_after is not None and (self.clock - self.not_on_or_after).total_seconds() >= skew:
            late = (self.clock - self.not_on_or_after).total_seconds()
            return (
                f"Expired: NotOnOrAfter passed {_seconds(late)} before the receiver's clock (skew allowed: {skew} s)."
            )
        return f"Within the validity window (skew allowed: {skew} s)."

    @property
    def valid(self) -> bool | None:
        return None if not self.known else self.verdict().startswith("Within")


@dataclass
class TracedMessage:
    """What the tracer shows about one captured message."""

    trace: SandboxEvent
    message_type: str
    direction: str
    binding: str
    endpoint: str
    relay_state: str | None
    xml: str
    verdict: str
    reason: str | None
    checks: list[dict[str, Any]]
    expected_certificate_sha256: str | None
    summary: MessageSummary | None
    unreadable: str | None  # why the XML could not be read, when it could not
    window: ValidityWindow
    signatures: list[SignatureStatus] = field(default_factory=list)
    #: the XML indented for reading (only for reading: re-indenting changes what a signature covers)
    pretty_xml: str = ""

    @property
    def sender(self) -> str:
        """The system that sent the message, as a label."""
        system = self.trace.system if self.direction == "sent" else OTHER_SYSTEM.get(self.trace.system, "")
        return system_label(system) if system else "an unknown system"

    @property
    def receiver(self) -> str:
        system = self.trace.system if self.direction == "received" else OTHER_SYSTEM.get(self.trace.system, "")
        return system_label(system) if system else "an unknown system"

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.verdict, self.verdict.capitalize())

    @property
    def base64(self) -> str:
        """The message as the HTTP-POST binding carries it (``SAMLRequest``/``SAMLResponse`` value)."""
        return base64.b64encode(self.xml.encode("utf-8")).decode("ascii")

    def file_name(self) -> str:
        """A file name that says what the message is: ``Response-blogin-received-120102.xml``."""
        moment = self.trace.timestamp.astimezone()
        return f"{self.message_type}-{self.trace.system}-{self.direction}-{moment:%Y%m%d-%H%M%S}.xml"


def read_message(trace: SandboxEvent, expected_certificate_sha256: str | None = None) -> TracedMessage:
    """Read a ``"saml"`` trace; ``expected_certificate_sha256`` stands in when the capture names none."""
    data = trace.data
    xml = str(data.get("xml") or "")
    summary: MessageSummary | None = None
    signatures: list[SignatureStatus] = []
    pretty = ""
    unreadable = None
    expected = data.get("expected_certificate_sha256") or expected_certificate_sha256
    # Parsed once: the summary, the signature checks and the indented text all read the same tree.
    try:
        root = parse_xml(xml)
        summary = summarise_root(root)
    except (UnsafeXmlError, ValueError) as error:
        unreadable = str(error) or "The message is not readable XML."
    else:
        signatures = check_signatures(root, expected)
        pretty = indented(root)
    clock = utc_moment(data.get("clock")) or trace.timestamp
    window = ValidityWindow(
        clock=clock,
        not_before=utc_moment(summary.not_before) if summary else None,
        not_on_or_after=utc_moment(summary.not_on_or_after) if summary else None,
        allowed_skew_s=int(data.get("allowed_skew_s") or 0),
    )
    return TracedMessage(
        trace=trace,
        message_type=str(data.get("message_type") or (summary.message_type if summary else "message")),
        direction=str(data.get("direction") or ""),
        binding=str(data.get("binding") or ""),
        endpoint=str(data.get("endpoint") or ""),
        relay_state=data.get("relay_state"),
        xml=xml,
        verdict=str(data.get("verdict") or ("accepted" if trace.success else "rejected")),
        reason=data.get("reason"),
        checks=list(data.get("checks") or []),
        expected_certificate_sha256=expected,
        summary=summary,
        unreadable=unreadable,
        window=window,
        signatures=signatures,
        pretty_xml=pretty,
    )


def indented(root: etree._Element) -> str:
    """The message indented two spaces a level (this re-indents ``root`` itself: read it before)."""
    etree.indent(root, space="  ")
    return str(etree.tostring(root, encoding="unicode"))
