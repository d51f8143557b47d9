"""The shape of one recorded SCIM HTTP exchange, as both sides keep it for the traffic view.

An exchange is the ``data`` of a ``"scim"`` trace (see ``sandbox.traces``)::

    {
      "direction": "sent" | "received",     # from the recording system's point of view
      "method": "GET", "url": "http://…/sso/scim/V2/Users?filter=…", "path": "/Users?filter=…",  # under the base URL
      "resource_type": "User" | "Group" | "ServiceProviderConfig" | …,
      "request_headers": {…},               # Authorization masked
      "request_body": str | None,
      "status": int | None,                 # None when no response arrived
      "response_headers": {…},
      "response_body": str | None,
      "latency_ms": float,
      "sent_at": str,                       # RFC 3339 UTC time the request went out (ms precision)
      "error": str | None,                  # transport failure (refused, timed out, …)
      "operation": str | None,              # e.g. "user_create_provision" on the client side
      "attempt": int,                       # 1 for the first try, 2… for retries
    }
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

SENSITIVE_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "set-cookie"})


def mask_secret(value: str) -> str:
    """``Bearer abcd…wxyz`` → ``Bearer abcd••••``: enough to tell tokens apart, not to use one."""
    scheme, _, secret = value.partition(" ")
    if not secret:
        scheme, secret = "", value
    shown = secret[:4] if len(secret) > 8 else ""
    masked = f"{shown}••••"
    return f"{scheme} {masked}" if scheme else masked


def masked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: mask_secret(value) if name.lower() in SENSITIVE_HEADERS else value for name, value in headers.items()}


def mask_passwords(body: str) -> str:
    """Passwords travel to the application but never into the traffic record."""
    if '"password"' not in body:
        return body
    try:
        document = json.loads(body)
    except ValueError:
        return body
    _mask_in(document)
    return json.dumps(document)


def _mask_in(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if (key == "password" and isinstance(value, str)) or (key == "value" and node.get("path") == "password"):
                node[key] = "••••"
            else:
                _mask_in(value)
    elif isinstance(node, list):
        for item in node:
            _mask_in(item)


def resource_type_of(path: str) -> str:
    """``/Users/123`` → ``User``; ``/Groups`` → ``Group``; others by their first segment."""
    first = path.strip("/").split("/", 1)[0].split("?", 1)[0]
    return {"Users": "User", "Groups": "Group"}.get(first, first or "root")


def exchange(
    *,
    direction: str,
    method: str,
    url: str,
    path: str,
    request_headers: Mapping[str, str],
    request_body: str | None,
    status: int | None,
    response_headers: Mapping[str, str],
    response_body: str | None,
    latency_ms: float,
    error: str | None = None,
    operation: str | None = None,
    attempt: int = 1,
) -> dict[str, Any]:
    return {
        "direction": direction,
        "method": method,
        "url": url,
        "path": path,
        "resource_type": resource_type_of(path),
        "request_headers": masked_headers(request_headers),
        "request_body": request_body,
        "status": status,
        "response_headers": masked_headers(response_headers),
        "response_body": response_body,
        "latency_ms": round(latency_ms, 2),
        # Recorded when the answer arrives: the request went out latency_ms earlier.
        "sent_at": (datetime.now(UTC) - timedelta(milliseconds=latency_ms)).isoformat(timespec="milliseconds"),
        "error": error,
        "operation": operation,
        "attempt": attempt,
    }


def sent_at(record: Mapping[str, Any]) -> datetime | None:
    """When the request of an exchange ``record`` went out, if it says (records before ``sent_at`` don't)."""
    value = record.get("sent_at")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
