"""Faults a tester injects into the SCIM API: latency, a forced status, or failing only the Nth request."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.blogin.models import ScimFault
from sandbox.blogin.models.provisioning import FAULT_ENDPOINTS, FAULT_STATUSES
from sandbox.blogin.services.audit import record_audit


@dataclass(frozen=True)
class FaultOutcome:
    """What one request suffers: a delay, and perhaps a forced status."""

    latency_ms: int = 0
    status: int | None = None
    retry_after_s: int = 0


def endpoint_of(scim_path: str) -> str:
    """``/Users/123`` → ``Users``; discovery and unknown paths → ``Discovery``."""
    first = scim_path.strip("/").split("/", 1)[0]
    return first if first in ("Users", "Groups") else "Discovery"


def all_faults(session: Session) -> dict[str, ScimFault]:
    """Every endpoint's fault row (created switched off on first use)."""
    rows = {row.endpoint: row for row in session.scalars(select(ScimFault))}
    for endpoint in FAULT_ENDPOINTS:
        if endpoint not in rows:
            rows[endpoint] = ScimFault(endpoint=endpoint)
            session.add(rows[endpoint])
    session.flush()
    return {endpoint: rows[endpoint] for endpoint in FAULT_ENDPOINTS}


def save_fault(
    session: Session,
    endpoint: str,
    *,
    latency_ms: int,
    status: int | None,
    only_nth: int,
    retry_after_s: int,
    actor: str,
) -> ScimFault:
    """Set one endpoint's fault; the Nth-request counter starts again from zero."""
    if endpoint not in FAULT_ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint}")
    if status is not None and status not in FAULT_STATUSES:
        raise ValueError(f"status {status} cannot be forced")
    fault = all_faults(session)[endpoint]
    fault.latency_ms = max(0, min(latency_ms, 60_000))
    fault.status = status
    fault.only_nth = max(0, only_nth)
    fault.retry_after_s = max(0, min(retry_after_s, 3600))
    fault.requests_seen = 0
    record_audit(session, "scim_fault_set", f"SCIM test fault on {endpoint}: {describe(fault)}", actor=actor)
    return fault


def clear_faults(session: Session, *, actor: str) -> None:
    """Every endpoint answers normally again; the audit log says so only when a fault was on."""
    faults = all_faults(session).values()
    were_on = any(fault.latency_ms or fault.status is not None for fault in faults)
    for fault in faults:
        fault.latency_ms, fault.status, fault.only_nth, fault.requests_seen = 0, None, 0, 0
    if were_on:
        record_audit(session, "scim_faults_cleared", "All SCIM test faults switched off", actor=actor)


def describe(fault: ScimFault) -> str:
    parts = []
    if fault.latency_ms:
        parts.append(f"{fault.latency_ms} ms latency")
    if fault.status is not None:
        which = f"the request number {fault.only_nth}" if fault.only_nth else "every request"
        parts.append(f"{which} answers {fault.status}")
    return ", ".join(parts) or "off"


def fault_for_request(session: Session, endpoint: str) -> FaultOutcome:
    """The fault this request suffers; counts requests for an Nth-request fault (committed by the caller)."""
    # One light query per request: this runs before every SCIM call.
    row = session.execute(
        select(
            ScimFault.latency_ms, ScimFault.status, ScimFault.only_nth, ScimFault.requests_seen, ScimFault.retry_after_s
        ).where(ScimFault.endpoint == endpoint)
    ).first()
    if row is None or (not row.latency_ms and row.status is None):
        return FaultOutcome()
    status = row.status
    if status is not None and row.only_nth:
        session.execute(
            update(ScimFault).where(ScimFault.endpoint == endpoint).values(requests_seen=ScimFault.requests_seen + 1)
        )
        if row.requests_seen + 1 != row.only_nth:
            status = None
    return FaultOutcome(row.latency_ms, status, row.retry_after_s if status == 429 else 0)
