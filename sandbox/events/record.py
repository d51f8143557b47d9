"""The one event shape every observer sees, whichever system raised it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    """A 24-hex-digit id, the shape JumpCloud uses for its object ids."""
    return secrets.token_hex(12)


def rfc3339(moment: datetime) -> str:
    """RFC 3339 UTC timestamp with milliseconds, as Directory Insights prints them."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class SandboxEvent:
    """An event of either system.

    ``system`` is ``"jumpcloud"`` or ``"blogin"``; ``data`` is the system's own full record
    (the Directory Insights shape for JumpCloud, the audit-log shape for BlogIn).

    ``kind`` separates what the event log shows (``"event"``) from captured traffic, which the
    tracer panels show: ``"saml"`` (a SAML message as captured at an endpoint, see
    ``sandbox.saml.capture``) and ``"scim"`` (one SCIM HTTP exchange). ``related_id`` links a trace
    and the event it belongs to, in either direction.
    """

    system: str
    id: str
    event_type: str
    timestamp: datetime
    summary: str
    success: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    kind: str = "event"
    related_id: str | None = None

    @property
    def timestamp_text(self) -> str:
        return rfc3339(self.timestamp)
