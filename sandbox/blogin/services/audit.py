"""BlogIn's audit log: stored, and published to observers when the transaction commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from sandbox.blogin.models import AuditEvent
from sandbox.blogin.models.base import column_length, new_resource_id
from sandbox.db import queue_event
from sandbox.direct_sql import DirectWrite, Work
from sandbox.events import SandboxEvent, utc_now
from sandbox.events.record import rfc3339

ACTOR_LENGTH = column_length(AuditEvent, "actor")
# How a NUL character in an actor's name is kept (U+2400 SYMBOL FOR NULL).
NUL_SHOWN = "\u2400"

# ``Session.info`` key: ids of the audit events written in the session, oldest first.
AUDIT_IDS_KEY = "blogin.audit_ids"

# Audit events are only ever appended: one INSERT compiled once, run in the session's transaction.
_INSERT_EVENT = DirectWrite(
    cast(Table, AuditEvent.__table__), ["id", "event_type", "timestamp", "actor", "success", "record"]
)


def record_audit(
    session: Work,
    event_type: str,
    summary: str,
    *,
    actor: str = "",
    success: bool = True,
    detail: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Append one audit event. ``detail`` carries anything an observer needs (a decoded SAML message, ...).

    ``event_id``: the id the event gets, when something recorded first (a trace) already names it.
    """
    moment = utc_now()
    if "\x00" in actor:
        # Typed into a form or sent by a client; PostgreSQL cannot keep a NUL character in a column.
        actor = actor.replace("\x00", NUL_SHOWN)
    record: dict[str, Any] = {
        "id": event_id or new_resource_id(),
        "event_type": event_type,
        "timestamp": rfc3339(moment),
        "actor": actor,
        "success": success,
        "summary": summary,
    }
    if detail:
        record["detail"] = detail
    _INSERT_EVENT.run(
        session,
        {
            "id": record["id"],
            "event_type": event_type,
            "timestamp": moment,
            # The column holds an email address's length; the record keeps the whole name.
            "actor": actor[:ACTOR_LENGTH],
            "success": success,
            "record": record,
        },
    )
    queue_event(session, to_sandbox_event(record, moment))
    # The request's own record of itself (a SCIM exchange) links to the first event it wrote.
    session.info.setdefault(AUDIT_IDS_KEY, []).append(record["id"])
    return record


def to_sandbox_event(record: dict[str, Any], moment: datetime) -> SandboxEvent:
    return SandboxEvent(
        system="blogin",
        id=record["id"],
        event_type=record["event_type"],
        timestamp=moment,
        summary=record.get("summary", ""),
        success=bool(record.get("success", True)),
        data=record,
    )


def recent_audit_events(session: Session, limit: int = 1000) -> list[SandboxEvent]:
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)).all()
    return [to_sandbox_event(row.record, row.timestamp) for row in reversed(rows)]


def audit_log_page(session: Session, limit: int = 1000) -> list[SandboxEvent]:
    """The newest ``limit`` audit events as an event log lists them, oldest first, without their records.

    One query reads only the listed columns and the summary out of the record, instead of decoding
    every full record; :func:`audit_records` reads those for the events shown.
    """
    rows = session.execute(
        select(
            AuditEvent.id,
            AuditEvent.event_type,
            AuditEvent.timestamp,
            AuditEvent.success,
            AuditEvent.record["summary"].as_string(),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    ).all()
    return [
        SandboxEvent(
            system="blogin",
            id=event_id,
            event_type=event_type,
            timestamp=moment,
            summary=summary or "",
            success=success,
        )
        for event_id, event_type, moment, success, summary in reversed(rows)
    ]


def audit_records(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The full audit records of the events ``ids`` (unknown ids are left out)."""
    rows = session.execute(select(AuditEvent.id, AuditEvent.record).where(AuditEvent.id.in_(ids)))
    return {event_id: record for event_id, record in rows}
