"""The tracer's list of captured SAML messages."""

from __future__ import annotations

import re

from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN
from sandbox.desktop.trace_model import TraceTableModel, local_time, system_label
from sandbox.events import SandboxEvent
from sandbox.events.traces import SAML

COLUMNS = ("Time", "System", "Direction", "Type", "Verdict")
TIME, SYSTEM, DIRECTION, TYPE, VERDICT = range(len(COLUMNS))
VERDICTS = {"sent": "Sent", "accepted": "Accepted", "rejected": "Rejected"}
_MESSAGE_ID = re.compile(
    r"<(?:[\w.-]+:)?(?:Response|AuthnRequest|LogoutRequest|LogoutResponse)\b[^>]*?\sID=\"([^\"]+)\""
)


def message_id(trace: SandboxEvent) -> str | None:
    """The ID attribute of the captured message's root element, read without parsing the whole message."""
    match = _MESSAGE_ID.search(str(trace.data.get("xml") or "")[:4096])
    return match.group(1) if match else None


class SamlMessageModel(TraceTableModel):
    """Every captured SAML message of both systems, oldest first."""

    kind = SAML
    columns = COLUMNS
    verdict_column = VERDICT
    system_column = SYSTEM

    def cell(self, trace: SandboxEvent, column: int) -> str:
        data = trace.data
        if column == TIME:
            return local_time(trace)
        if column == SYSTEM:
            return system_label(trace.system)
        if column == DIRECTION:
            return str(data.get("direction") or "").capitalize()
        if column == TYPE:
            return str(data.get("message_type") or "")
        if column == VERDICT:
            verdict = str(data.get("verdict") or "")
            return VERDICTS.get(verdict, verdict.capitalize())
        return ""

    def tooltip(self, trace: SandboxEvent, column: int) -> str:
        if column == VERDICT and trace.data.get("reason"):
            return str(trace.data["reason"])
        if column == TIME:
            return trace.timestamp_text
        if column == TYPE:
            # The whole type (the list may shorten it), and what the message was.
            kind = self.cell(trace, TYPE)
            return trace.summary if kind in trace.summary else f"{kind}: {trace.summary}"
        return trace.summary

    def verdict_colour(self, trace: SandboxEvent) -> str | None:
        verdict = trace.data.get("verdict")
        if verdict == "rejected":
            return FAILING_RED
        return HEALTHY_GREEN if verdict == "accepted" else None

    def counterpart(self, trace: SandboxEvent) -> SandboxEvent | None:
        """The same message as the other system recorded it (sent ↔ received), if it is here."""
        wanted = message_id(trace)
        if wanted is None:
            return None
        for other in reversed(self._traces):
            crossed = other.system != trace.system and other.data.get("direction") != trace.data.get("direction")
            if crossed and message_id(other) == wanted:
                return other
        return None
