"""The shape of a captured SAML message, as both systems record it for the desktop's tracer.

A capture is the ``data`` of a ``"saml"`` trace (see ``sandbox.traces``)::

    {
      "message_type": "AuthnRequest" | "Response" | "LogoutRequest" | "LogoutResponse",
      "direction": "sent" | "received",       # from the recording system's point of view
      "binding": "HTTP-Redirect" | "HTTP-POST",
      "endpoint": "http://…",                # where it was sent to / received at
      "relay_state": str | None,
      "xml": str,                            # the decoded message, as it travelled
      "verdict": "sent" | "accepted" | "rejected",
      "reason": str | None,                  # the rejection, in words a tester understands
      "checks": [{"name": str, "ok": bool, "detail": str}],   # what the receiver verified
      "clock": RFC 3339 str,                 # the recording system's clock at capture time
      "allowed_skew_s": int | None,
      "expected_certificate_sha256": str | None,  # what the receiver has configured
      "application": str | None,             # JumpCloud application name, or BlogIn tenant
      "flow_id": str | None,                 # ties request and response of one login
    }
"""

from __future__ import annotations

from typing import Any

from sandbox.events import utc_now
from sandbox.events.record import rfc3339


def capture(
    *,
    message_type: str,
    direction: str,
    binding: str,
    endpoint: str,
    xml: str,
    verdict: str,
    relay_state: str | None = None,
    reason: str | None = None,
    checks: list[dict[str, Any]] | None = None,
    allowed_skew_s: int | None = None,
    expected_certificate_sha256: str | None = None,
    application: str | None = None,
    flow_id: str | None = None,
) -> dict[str, Any]:
    return {
        "message_type": message_type,
        "direction": direction,
        "binding": binding,
        "endpoint": endpoint,
        "relay_state": relay_state,
        "xml": xml,
        "verdict": verdict,
        "reason": reason,
        "checks": checks or [],
        "clock": rfc3339(utc_now()),
        "allowed_skew_s": allowed_skew_s,
        "expected_certificate_sha256": expected_certificate_sha256,
        "application": application,
        "flow_id": flow_id,
    }
