"""Captured traffic (SAML messages, SCIM exchanges) stored per system and published on the bus.

Both systems keep a ``traces`` table of the same shape; :func:`trace_table` builds it on a system's
own ``Base`` so the systems still share no tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from sandbox.db import queue_event
from sandbox.events import SandboxEvent, new_event_id, utc_now


class TraceColumns:
    """Columns of a ``traces`` table; mixed into each system's own mapped class."""

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    timestamp: Mapped[datetime]
    summary: Mapped[str] = mapped_column(String(512), default="")
    success: Mapped[bool] = mapped_column(default=True)
    related_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


def trace_table(base: type[DeclarativeBase]) -> type[Any]:
    """The ``traces`` mapped class for one system's declarative ``base``."""
    return type(
        "Trace",
        (TraceColumns, base),
        {"__tablename__": "traces", "__table_args__": (Index("ix_traces_kind_seq", "kind", "seq"),)},
    )


@dataclass(frozen=True)
class NewTrace:
    """One trace for :meth:`TraceLog.record_many`."""

    summary: str
    data: dict[str, Any]
    success: bool = True
    related_id: str | None = None


class TraceLog:
    """Records traces of one system into its ``traces`` table."""

    def __init__(self, system: str, table: type[Any]) -> None:
        self.system = system
        self.table = table

    def record(
        self,
        session: Session,
        kind: str,
        summary: str,
        data: dict[str, Any],
        *,
        success: bool = True,
        related_id: str | None = None,
        trace_id: str | None = None,
    ) -> str:
        """Store one trace and publish it when ``session`` commits; returns its id."""
        moment = utc_now()
        trace_id = trace_id or new_event_id()
        # One Core INSERT in the session's transaction: no ORM object to flush (traces are written on
        # every SCIM request and SAML message, and never changed afterwards).
        session.execute(
            insert(self.table.__table__),
            [
                {
                    "id": trace_id,
                    "kind": kind,
                    "timestamp": moment,
                    "summary": summary[:512],
                    "success": success,
                    "related_id": related_id,
                    "data": data,
                }
            ],
        )
        queue_event(session, self._to_event(trace_id, kind, moment, summary, success, related_id, data))
        return trace_id

    def record_many(self, session: Session, kind: str, traces: Sequence[NewTrace]) -> None:
        """Store ``traces`` of one ``kind`` with one INSERT, each published when ``session`` commits."""
        if not traces:
            return
        moment = utc_now()
        ids = [new_event_id() for _ in traces]
        rows = [
            {
                "id": trace_id,
                "kind": kind,
                "timestamp": moment,
                "summary": t.summary[:512],
                "success": t.success,
                "related_id": t.related_id,
                "data": t.data,
            }
            for trace_id, t in zip(ids, traces, strict=True)
        ]
        session.execute(insert(self.table.__table__), rows)
        for trace_id, t in zip(ids, traces, strict=True):
            queue_event(session, self._to_event(trace_id, kind, moment, t.summary, t.success, t.related_id, t.data))

    def recent(self, session: Session, kind: str, limit: int = 500) -> list[SandboxEvent]:
        """The newest ``limit`` traces of ``kind``, oldest first."""
        rows = session.scalars(
            select(self.table).where(self.table.kind == kind).order_by(self.table.seq.desc()).limit(limit)
        ).all()
        return [
            self._to_event(r.id, r.kind, r.timestamp, r.summary, r.success, r.related_id, r.data)
            for r in reversed(rows)
        ]

    def _to_event(
        self,
        trace_id: str,
        kind: str,
        moment: datetime,
        summary: str,
        success: bool,
        related_id: str | None,
        data: dict[str, Any],
    ) -> SandboxEvent:
        return SandboxEvent(
            system=self.system,
            id=trace_id,
            event_type=f"{kind}_trace",
            timestamp=moment,
            summary=summary,
            success=success,
            data=data,
            kind=kind,
            related_id=related_id,
        )
