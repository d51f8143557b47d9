"""Directory Insights: recording events in the real API's shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from sandbox.db import queue_event
from sandbox.events import SandboxEvent, new_event_id, utc_now
from sandbox.events.record import rfc3339
from sandbox.jumpcloud.models import DirectoryInsightsEvent

ORGANIZATION_ID = "5f0c1b2a3d4e5f6a7b8c9d0e"


@dataclass(frozen=True)
class Initiator:
    """Who caused an event: ``initiated_by`` in Directory Insights."""

    id: str
    type: str  # "admin", "user", "system"
    username_or_email: str

    def as_record(self) -> dict[str, str]:
        key = "email" if self.type == "admin" else "username"
        return {"id": self.id, "type": self.type, key: self.username_or_email}


SYSTEM = Initiator(id="", type="system", username_or_email="jumpcloud")


def record_event(
    session: Session,
    event_type: str,
    *,
    service: str,
    initiated_by: Initiator = SYSTEM,
    resource: dict[str, Any] | None = None,
    changes: list[dict[str, Any]] | None = None,
    success: bool = True,
    error_message: str | None = None,
    client_ip: str = "127.0.0.1",
    summary: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store one Directory Insights event and publish it when the transaction commits."""
    event = new_event(
        event_type,
        service=service,
        initiated_by=initiated_by,
        resource=resource,
        changes=changes,
        success=success,
        error_message=error_message,
        client_ip=client_ip,
        extra=extra,
    )
    published = to_sandbox_event(event.record, event.moment, summary)
    session.add(
        DirectoryInsightsEvent(
            id=event.record["id"],
            event_type=event_type,
            service=service,
            timestamp=event.moment,
            success=success,
            summary=published.summary[:512],
            record=event.record,
        )
    )
    queue_event(session, published)
    return event.record


@dataclass(frozen=True)
class NewEvent:
    """A Directory Insights record not yet stored, and the moment it happened."""

    record: dict[str, Any]
    moment: datetime


def new_event(
    event_type: str,
    *,
    service: str,
    initiated_by: Initiator = SYSTEM,
    resource: dict[str, Any] | None = None,
    changes: list[dict[str, Any]] | None = None,
    success: bool = True,
    error_message: str | None = None,
    client_ip: str = "127.0.0.1",
    extra: dict[str, Any] | None = None,
) -> NewEvent:
    """One event in the real API's shape, for :func:`record_events` to store with others."""
    moment = utc_now()
    record: dict[str, Any] = {
        "@version": "1",
        "id": new_event_id(),
        "event_type": event_type,
        "service": service,
        "organization": ORGANIZATION_ID,
        "timestamp": rfc3339(moment),
        "client_ip": client_ip,
        "initiated_by": initiated_by.as_record(),
        "success": success,
    }
    if resource is not None:
        record["resource"] = resource
    if changes:
        record["changes"] = changes
    if error_message:
        record["error_message"] = error_message
    if extra:
        record.update(extra)
    return NewEvent(record, moment)


def record_events(session: Session, events: Sequence[NewEvent]) -> None:
    """Store many events with one Core INSERT in the session's transaction (events are append-only:
    no ORM object to flush), in order, each published when the transaction commits."""
    if not events:
        return
    published = [to_sandbox_event(e.record, e.moment) for e in events]
    session.execute(
        insert(cast(Table, DirectoryInsightsEvent.__table__)),
        [
            {
                "id": e.record["id"],
                "event_type": e.record["event_type"],
                "service": e.record["service"],
                "timestamp": e.moment,
                "success": e.record["success"],
                "summary": p.summary[:512],
                "record": e.record,
            }
            for e, p in zip(events, published, strict=True)
        ],
    )
    for p in published:
        queue_event(session, p)


# Identity Management's per-resource events, as sentences: (done, failed), filled with the resource's
# name and the application's display label.
_PROVISIONING_SENTENCES = {
    "user_lookup_provision": ("{name} looked up in {app}", "Looking up {name} in {app} failed"),
    "user_create_provision": ("{name} provisioned to {app}", "Provisioning {name} to {app} failed"),
    "user_update_provision": ("{name} updated in {app}", "Updating {name} in {app} failed"),
    "user_deprovision": ("{name} deactivated in {app}", "Deactivating {name} in {app} failed"),
    "user_delete_provision": ("{name} deleted from {app}", "Deleting {name} from {app} failed"),
    "group_create_provision": ("Group {name} created in {app}", "Creating group {name} in {app} failed"),
    "group_update_provision": ("Group {name} updated in {app}", "Updating group {name} in {app} failed"),
    "group_delete_provision": ("Group {name} deleted from {app}", "Deleting group {name} from {app} failed"),
}


def summary_text(
    event_type: str,
    resource_name: str | None,
    success: bool,
    error_message: str | None,
    application: str | None = None,
) -> str:
    """The one-line summary of an event: what happened to what and, when it failed, why.

    Identity Management's events read as sentences; other events give their type and what they were about.
    """
    sentences = _PROVISIONING_SENTENCES.get(event_type)
    if sentences is not None and resource_name:
        done, failed = sentences
        values = {"name": resource_name, "app": application or "the application"}
        return done.format(**values) if success else f"{failed.format(**values)}: {error_message or 'no reason given'}"
    failure = "" if success else f"— failed: {error_message or ''}"
    return " ".join(str(part) for part in (event_type, resource_name or "", failure) if part)


def to_sandbox_event(record: dict[str, Any], moment: datetime, summary: str = "") -> SandboxEvent:
    resource = record.get("resource") or {}
    application = record.get("application") or {}
    text = summary or summary_text(
        record["event_type"],
        resource.get("username") or resource.get("name") or resource.get("email"),
        bool(record.get("success", True)),
        record.get("error_message"),
        application.get("display_label") or application.get("name"),
    )
    return SandboxEvent(
        system="jumpcloud",
        id=record["id"],
        event_type=record["event_type"],
        timestamp=moment,
        summary=text,
        success=bool(record.get("success", True)),
        data=record,
    )


def recent_events(session: Session, limit: int = 1000) -> list[SandboxEvent]:
    """The newest ``limit`` events, oldest first."""
    rows = session.scalars(
        select(DirectoryInsightsEvent).order_by(DirectoryInsightsEvent.seq.desc()).limit(limit)
    ).all()
    return [to_sandbox_event(row.record, row.timestamp, row.summary) for row in reversed(rows)]


def event_log_page(session: Session, limit: int = 1000) -> list[SandboxEvent]:
    """The newest ``limit`` events as an event log lists them, oldest first, without their records.

    One query reads only the listed columns and the few fields of the record the summary needs,
    instead of decoding every full record; :func:`event_records` reads those for the events shown.
    """
    table = DirectoryInsightsEvent
    resource = table.record["resource"]
    rows = session.execute(
        select(
            table.id,
            table.event_type,
            table.timestamp,
            table.success,
            table.summary,
            resource["username"].as_string(),
            resource["name"].as_string(),
            resource["email"].as_string(),
            table.record["error_message"].as_string(),
        )
        .order_by(table.seq.desc())
        .limit(limit)
    ).all()
    return [
        SandboxEvent(
            system="jumpcloud",
            id=event_id,
            event_type=event_type,
            timestamp=moment,
            summary=summary or summary_text(event_type, username or name or email, success, error),
            success=success,
        )
        for event_id, event_type, moment, success, summary, username, name, email, error in reversed(rows)
    ]


def event_records(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The full Directory Insights records of the events ``ids`` (unknown ids are left out)."""
    table = DirectoryInsightsEvent
    rows = session.execute(select(table.id, table.record).where(table.id.in_(ids)))
    return {event_id: record for event_id, record in rows}
