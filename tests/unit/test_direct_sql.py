"""Direct statements read and write what the ORM would, inside the Session's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, event, select

from sandbox.blogin.models import OutstandingAuthnRequest, Trace
from sandbox.db import Database
from sandbox.direct_sql import DirectSelect, DirectTraces, DirectWrite
from sandbox.events import EventBus, SandboxEvent
from sandbox.traces import TraceLog

_REQUESTS = cast(Table, OutstandingAuthnRequest.__table__)
_INSERT = DirectWrite(_REQUESTS, ("request_id", "relay_state", "created", "answered_at"))
_ANSWER = DirectWrite(_REQUESTS, ("answered_at",), key="request_id")
_BY_ID = DirectSelect(
    select(OutstandingAuthnRequest.request_id, OutstandingAuthnRequest.answered_at).where(
        OutstandingAuthnRequest.request_id == bindparam("request_id")
    )
)


def test_rows_written_directly_read_back_through_the_orm(database: Database) -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    with database.transaction() as session:
        _INSERT.run(session, {"request_id": "id-1", "relay_state": "/", "created": created, "answered_at": None})
        # The session's own reads see the write before the commit.
        unanswered = _BY_ID.first(session, {"request_id": "id-1"})
        assert unanswered is not None and unanswered.answered_at is None
    answered = datetime(2026, 1, 2, 3, 5, tzinfo=UTC)
    with database.transaction() as session:
        _ANSWER.run(session, {"request_id": "id-1", "answered_at": answered})
    with database.transaction() as session:
        stored = session.get(OutstandingAuthnRequest, "id-1")
        assert stored is not None
        assert (stored.relay_state, stored.created, stored.answered_at) == ("/", created, answered)
        row = _BY_ID.first(session, {"request_id": "id-1"})
        # Aware datetimes, as the ORM hands them back.
        assert row is not None and row.answered_at == answered and row.answered_at.tzinfo is not None
        assert _BY_ID.first(session, {"request_id": "unknown"}) is None


def test_a_rolled_back_transaction_keeps_nothing_written_directly(database: Database) -> None:
    session = database.sessions()
    _INSERT.run(session, {"request_id": "id-2", "relay_state": "/", "created": datetime.now(UTC), "answered_at": None})
    session.rollback()
    session.close()
    with database.transaction() as session:
        assert _BY_ID.first(session, {"request_id": "id-2"}) is None


def test_traces_are_stored_and_published_as_the_trace_log_does(database: Database) -> None:
    published: list[SandboxEvent] = []
    bus = EventBus()
    bus.subscribe(published.append)
    database.publish_on_commit(bus)
    traces = DirectTraces(TraceLog("blogin", Trace))
    statements: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    data = {"message_type": "Response", "checks": [{"name": "replay", "ok": True}]}
    with database.transaction() as session:
        trace_id = traces.record(session, "saml", "Response accepted", data, related_id="user-1")
        assert published == []  # not before the commit
    assert any(sql.startswith("INSERT INTO traces") for sql in statements)
    with database.transaction() as session:
        stored = session.scalars(select(Trace).where(Trace.id == trace_id)).one()
        assert (stored.kind, stored.summary, stored.success, stored.related_id, stored.data) == (
            "saml",
            "Response accepted",
            True,
            "user-1",
            data,
        )
    assert [(e.id, e.event_type, e.kind, e.related_id, e.data) for e in published] == [
        (trace_id, "saml_trace", "saml", "user-1", data)
    ]
