"""A request's transaction on one pooled connection: direct statements, a Session only when needed, one commit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, select
from sqlalchemy.pool import QueuePool

from sandbox.blogin.models import OutstandingAuthnRequest, Trace, User
from sandbox.blogin.services.audit import record_audit
from sandbox.db import Database
from sandbox.direct_sql import DirectSelect, DirectTraces, DirectWork, DirectWrite, RequestWork, orm_session
from sandbox.events import EventBus, SandboxEvent
from sandbox.traces import TraceLog

_REQUESTS = cast(Table, OutstandingAuthnRequest.__table__)
_INSERT = DirectWrite(_REQUESTS, ("request_id", "relay_state", "created", "answered_at"))
_BY_ID = DirectSelect(
    select(OutstandingAuthnRequest.request_id).where(OutstandingAuthnRequest.request_id == bindparam("request_id"))
)
_USER_BY_NAME = DirectSelect(select(User.id, User.role).where(User.user_name_key == bindparam("key")))


@pytest.fixture
def published(database: Database) -> list[SandboxEvent]:
    events: list[SandboxEvent] = []
    bus = EventBus()
    bus.subscribe(events.append)
    database.publish_on_commit(bus)
    return events


def _request(request_id: str) -> dict[str, object]:
    return {"request_id": request_id, "relay_state": "/", "created": datetime.now(UTC), "answered_at": None}


def _stored_request_ids(database: Database) -> list[str]:
    with database.transaction() as session:
        return list(session.scalars(select(OutstandingAuthnRequest.request_id).order_by("request_id")))


def _checked_out(database: Database) -> int:
    return cast(QueuePool, database.engine.pool).checkedout()


def test_direct_writes_are_committed_and_published_by_the_request_only(
    database: Database, published: list[SandboxEvent]
) -> None:
    traces = DirectTraces(TraceLog("blogin", Trace))
    work = RequestWork(database)
    _INSERT.run(work, _request("id-1"))
    trace_id = traces.record(work, "saml", "AuthnRequest sent", {"message_type": "AuthnRequest"})
    # The request sees its own write; nobody else does, and nothing is published, before the commit.
    assert _BY_ID.first(work, {"request_id": "id-1"}) is not None
    assert _stored_request_ids(database) == []
    assert published == []
    work.commit()
    work.close()
    assert _stored_request_ids(database) == ["id-1"]
    assert [event.id for event in published] == [trace_id]
    assert _checked_out(database) == 0


def test_nothing_is_begun_before_the_first_write(database: Database) -> None:
    work = RequestWork(database)
    try:
        assert _BY_ID.first(work, {"request_id": "id-0"}) is None
        # A read leaves SQLite's write lock free: another change can commit meanwhile.
        other = DirectWork(database.engine)
        _INSERT.run(other, _request("id-0"))
        other.commit()
        other.close()
        assert not work.driver.in_transaction
        _INSERT.run(work, _request("id-9"))
        assert work.driver.in_transaction
        work.commit()
    finally:
        work.close()
    assert _stored_request_ids(database) == ["id-0", "id-9"]


def test_a_session_needed_midway_shares_the_connection_and_the_commit(
    database: Database, published: list[SandboxEvent]
) -> None:
    work = RequestWork(database)
    _INSERT.run(work, _request("id-2"))
    session = orm_session(work)
    assert orm_session(work) is session  # made once per request
    # The Session's statements run in the same transaction: it sees the direct write, and the direct
    # statements see what it flushed.
    assert session.get(OutstandingAuthnRequest, "id-2") is not None
    session.add(User(user_name="ada@example.com", user_name_key="ada@example.com", email="ada@example.com"))
    session.flush()
    assert _USER_BY_NAME.first(work, {"key": "ada@example.com"}) is not None
    audit = record_audit(work, "user_created_jit", "ada@example.com created", actor="ada@example.com")
    assert _checked_out(database) == 1
    work.commit()
    work.close()
    assert _checked_out(database) == 0
    assert _stored_request_ids(database) == ["id-2"]
    with database.transaction() as check:
        assert check.scalars(select(User.user_name)).all() == ["ada@example.com"]
    # Each queued event published once, after the commit.
    assert [event.id for event in published] == [audit["id"]]


def test_a_rollback_keeps_nothing_and_publishes_nothing(database: Database, published: list[SandboxEvent]) -> None:
    for needs_orm in (False, True):
        work = RequestWork(database)
        _INSERT.run(work, _request(f"id-{needs_orm}"))
        record_audit(work, "user_login", "someone signed in")
        if needs_orm:
            orm_session(work).add(User(user_name="bob@example.com", user_name_key="bob@example.com"))
        work.rollback()
        # Committing after a rollback (an error page that keeps its own writes) publishes nothing rolled back.
        work.commit()
        work.close()
    assert _stored_request_ids(database) == []
    with database.transaction() as check:
        assert check.scalars(select(User.user_name)).all() == []
    assert published == []
    assert _checked_out(database) == 0


def test_closing_an_uncommitted_request_rolls_it_back(database: Database) -> None:
    for needs_orm in (False, True):
        work = RequestWork(database)
        _INSERT.run(work, _request("id-3"))
        if needs_orm:
            orm_session(work).get(OutstandingAuthnRequest, "id-3")
        work.close()
        assert _stored_request_ids(database) == []
        assert _checked_out(database) == 0


def test_a_change_of_its_own_has_no_session(database: Database) -> None:
    work = DirectWork(database.engine)
    try:
        with pytest.raises(TypeError):
            orm_session(work)
    finally:
        work.close()
