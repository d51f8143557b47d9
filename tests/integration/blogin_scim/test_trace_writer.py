"""The exchange writer stores what it was given, in order, as the desktop's SCIM traffic view reads it."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from sqlalchemy import event, text

from sandbox.app import Sandbox
from sandbox.db import stored_json
from sandbox.events import SandboxEvent


def _published(running: Sandbox) -> tuple[list[SandboxEvent], Any]:
    seen: list[SandboxEvent] = []
    return seen, running.blogin.bus.subscribe(lambda e: seen.append(e) if e.event_type == "probe_trace" else None)


def test_batches_keep_every_trace_and_its_order(running: Sandbox) -> None:
    traces = running.blogin.traces
    seen, subscription = _published(running)
    data: list[dict[str, Any]] = [
        {"n": n, "text": "naïve ☃ \u2028", "nested": {"list": [1, 2.5, None, True]}, "empty": {}} for n in range(1203)
    ]
    try:
        # More than two INSERTs' worth (500 rows each) from several threads at once, each its own order.
        ids: list[list[str]] = [[] for _ in range(3)]

        def record(part: int) -> None:
            for n in range(part, len(data), 3):
                ids[part].append(
                    traces.record_soon(
                        "probe",
                        f"probe {n}",
                        data[n],
                        success=n % 2 == 0,
                        related_id=f"audit-{n}" if n % 5 else None,
                    )
                )

        threads = [threading.Thread(target=record, args=(part,)) for part in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stored = running.blogin.recent_traces("probe", limit=len(data))
    finally:
        subscription.close()
    assert sorted(t.id for t in stored) == sorted(e.id for e in seen)
    for part in range(3):  # the table keeps each thread's calls in their order
        mine = set(ids[part])
        assert [t.id for t in stored if t.id in mine] == ids[part]
    published_by_id = {e.id: e for e in seen}
    for trace in stored:
        published = published_by_id[trace.id]
        assert trace.summary == published.summary
        assert trace.success == published.success
        assert trace.related_id == published.related_id
        assert trace.timestamp == published.timestamp
        assert trace.data == published.data == data[int(published.summary.split()[1])]
    with running.blogin.database.engine.connect() as connection:
        [raw] = connection.execute(text("SELECT data FROM traces WHERE id = :id"), {"id": stored[7].id}).one()
    assert raw == stored_json(data[int(stored[7].summary.split()[1])])


def test_a_batch_that_cannot_be_stored_is_logged_and_the_next_one_is_kept(
    running: Sandbox, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    traces = running.blogin.traces
    monkeypatch.setattr(traces, "new_trace_id", lambda: "f" * 24)
    traces.record_soon("probe", "first", {})
    traces.flush()
    with caplog.at_level(logging.ERROR, logger="sandbox.traces"):
        traces.record_soon("probe", "same id again", {})  # refused by the unique id
        traces.flush()
    assert "could not store 1 captured exchanges" in caplog.text
    monkeypatch.undo()
    kept = traces.record_soon("probe", "after the failure", {})
    [last] = running.blogin.recent_traces("probe", limit=1)
    assert last.id == kept and last.summary == "after the failure"
    # The failed batch left no transaction or lock behind: another writer gets SQLite's write lock at once.
    with running.blogin.database.engine.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.rollback()


def test_the_writer_statements_pass_through_the_engine_events(running: Sandbox) -> None:
    engine = running.blogin.database.engine
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        running.blogin.traces.record_soon("probe", "watched", {})
        running.blogin.traces.flush()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert any(s.startswith("INSERT INTO traces") for s in statements)
