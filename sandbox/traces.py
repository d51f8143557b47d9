"""Captured traffic (SAML messages, SCIM exchanges) stored per system and published on the bus.

Both systems keep a ``traces`` table of the same shape; :func:`trace_table` builds it on a system's
own ``Base`` so the systems still share no tables.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Engine, Index, String, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from sandbox.db import queue_event
from sandbox.events import SandboxEvent, utc_now

log = logging.getLogger("sandbox.traces")

Publish = Callable[[SandboxEvent], None]


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
    """Records traces of one system into its ``traces`` table.

    :meth:`record` writes in the caller's transaction. :meth:`record_soon` (after :meth:`write_in_background`)
    publishes at once and leaves the row to a writer thread that inserts what has gathered in one
    transaction: a busy SCIM API then costs one commit per batch instead of one per request, and a GET
    writes nothing at all. Reads (:meth:`recent`) and :meth:`close` write what is pending first, so a
    reader never misses an exchange and the order of the table is the order of the calls.
    """

    def __init__(self, system: str, table: type[Any]) -> None:
        self.system = system
        self.table = table
        # Taken by the writer thread while it inserts; other writers of the same database may take it
        # around their own transaction so neither side waits in SQLite's busy loop.
        # Re-entrant: a bus subscriber reading traces from inside such a transaction must not deadlock.
        self.write_lock = threading.RLock()
        self._writer: _BackgroundWriter | None = None
        self._writer_guard = threading.Lock()
        # Trace ids name traces and are no secret: a generator of the log's own (seeded from the system's
        # randomness; code that seeds the shared ``random`` module cannot make ids repeat) instead of
        # ``os.urandom``, a system call that hands the interpreter lock to another thread and waits to
        # get it back, on every SCIM exchange and SAML message.
        self._ids = random.Random()

    def new_trace_id(self) -> str:
        """24 hex digits, the shape of ``sandbox.events.new_event_id``."""
        return f"{self._ids.getrandbits(96):024x}"

    def new_trace(
        self,
        kind: str,
        summary: str,
        data: dict[str, Any],
        *,
        success: bool = True,
        related_id: str | None = None,
        trace_id: str | None = None,
        moment: datetime | None = None,
    ) -> tuple[dict[str, Any], SandboxEvent]:
        """A new trace: its row for the traces table, and the event published for it."""
        moment = moment or utc_now()
        trace_id = trace_id or self.new_trace_id()
        row = {
            "id": trace_id,
            "kind": kind,
            "timestamp": moment,
            "summary": summary[:512],
            "success": success,
            "related_id": related_id,
            "data": data,
        }
        return row, self._to_event(trace_id, kind, moment, summary, success, related_id, data)

    def write_in_background(self, sessions: sessionmaker[Session], publish: Publish) -> None:
        """Let :meth:`record_soon` write through ``sessions`` and publish with ``publish`` (idempotent)."""
        with self._writer_guard:
            if self._writer is None:
                self._writer = _BackgroundWriter(self.table, sessions, self.write_lock, publish)

    def record_soon(
        self,
        kind: str,
        summary: str,
        data: dict[str, Any],
        *,
        success: bool = True,
        related_id: str | None = None,
    ) -> str:
        """Publish one trace now and store it with the next batch; returns its id."""
        writer = self._writer
        if writer is None:
            raise RuntimeError("record_soon needs write_in_background first")
        row, event = self.new_trace(kind, summary, data, success=success, related_id=related_id)
        writer.add(row)
        writer.publish(event)
        return event.id

    def flush(self) -> None:
        """Write every trace still waiting for the background writer."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Write what is pending and stop the writer thread (before the database closes)."""
        with self._writer_guard:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

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
        row, event = self.new_trace(kind, summary, data, success=success, related_id=related_id, trace_id=trace_id)
        # One Core INSERT in the session's transaction: no ORM object to flush (traces are written on
        # every SCIM request and SAML message, and never changed afterwards).
        session.execute(insert(self.table.__table__), [row])
        queue_event(session, event)
        return event.id

    def record_many(self, session: Session, kind: str, traces: Sequence[NewTrace]) -> None:
        """Store ``traces`` of one ``kind`` with one INSERT, each published when ``session`` commits."""
        if not traces:
            return
        moment = utc_now()
        made = [
            self.new_trace(kind, t.summary, t.data, success=t.success, related_id=t.related_id, moment=moment)
            for t in traces
        ]
        session.execute(insert(self.table.__table__), [row for row, _event in made])
        for _row, event in made:
            queue_event(session, event)

    def recent(self, session: Session, kind: str, limit: int = 500) -> list[SandboxEvent]:
        """The newest ``limit`` traces of ``kind``, oldest first (those waiting to be written included)."""
        self.flush()
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


class _BackgroundWriter:
    """A thread inserting queued trace rows in batches: at most ``window`` seconds after the first
    one, or at once when ``batch`` have gathered."""

    def __init__(
        self,
        table: type[Any],
        sessions: sessionmaker[Session],
        write_lock: threading.RLock,
        publish: Publish,
        *,
        window: float = 0.05,
        batch: int = 500,
    ) -> None:
        self._insert = insert(table.__table__)
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        self._sqlite = (
            _SqliteBatchInsert(table, bind) if isinstance(bind, Engine) and bind.dialect.name == "sqlite" else None
        )
        self._write_lock = write_lock
        self.publish = publish
        self._window = window
        self._batch = batch
        self._pending: list[dict[str, Any]] = []
        self._wake = threading.Condition()
        # One batch at a time, taken from the queue and inserted under this lock: rows keep their order.
        self._flushing = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None

    def add(self, row: dict[str, Any]) -> None:
        with self._wake:
            if self._closed:
                closed = True
            else:
                closed = False
                self._pending.append(row)
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="trace-writer", daemon=True)
                    self._thread.start()
                # The writer sleeps while the queue is empty, then lets a window's worth gather.
                if len(self._pending) == 1 or len(self._pending) >= self._batch:
                    self._wake.notify()
        if closed:
            # After close (the system is stopping): write it in the caller's thread.
            self._write([row])

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                self._wake.wait_for(lambda: self._closed or len(self._pending) >= self._batch, self._window)
            self.flush()

    def flush(self) -> None:
        with self._flushing:
            with self._wake:
                rows, self._pending = self._pending, []
            if rows:
                self._write(rows)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        if self._sqlite is not None:
            self._sqlite.write(rows, self._write_lock)
            return
        try:
            with self._write_lock, self._sessions.begin() as session:
                session.execute(self._insert, rows)
        except SQLAlchemyError:
            log.exception("could not store %d captured exchanges", len(rows))

    def close(self) -> None:
        with self._wake:
            self._closed = True
            thread = self._thread
            self._wake.notify_all()
        if thread is not None:
            thread.join(timeout=10)
        self.flush()


# Columns of a trace row as :meth:`TraceLog.new_trace` makes it (``seq`` is the table's own).
_ROW_COLUMNS = ("id", "kind", "timestamp", "summary", "success", "related_id", "data")
# Rows per INSERT: seven values each, far below SQLite's 32,766 variables per statement.
_ROWS_PER_INSERT = 500


class _SqliteBatchInsert:
    """A batch of trace rows stored in SQLite by multi-row INSERTs on a pooled connection, without a Session.

    The rows' values (JSON text, timestamps) are made before the write lock is taken; under it run only
    ``BEGIN IMMEDIATE``, one INSERT per 500 rows and the commit. SCIM changes wait for that lock, and each
    statement lets other threads take the interpreter lock, which the writer must then wait to get back while
    it holds the write lock: a Session's ``executemany`` did so for every row, after building each row's
    values under the lock (tens of milliseconds per batch with eight busy request threads).
    """

    def __init__(self, table: type[Any], engine: Engine) -> None:
        # Imported here: sandbox.direct_sql imports this module.
        from sandbox.direct_sql import SQLITE, run_on_cursor

        self._engine = engine
        self._run = run_on_cursor
        columns = table.__table__.c
        self._processors = [(name, columns[name].type._cached_bind_processor(SQLITE)) for name in _ROW_COLUMNS]
        quote = SQLITE.identifier_preparer.quote
        self._head = (
            f"INSERT INTO {quote(table.__table__.name)} ({', '.join(quote(name) for name in _ROW_COLUMNS)}) VALUES "
        )
        self._group = "(" + ", ".join("?" * len(_ROW_COLUMNS)) + ")"

    def write(self, rows: list[dict[str, Any]], write_lock: threading.RLock) -> None:
        """Store ``rows`` in one transaction, in their order, taking ``write_lock`` around it."""
        chunks = [rows[start : start + _ROWS_PER_INSERT] for start in range(0, len(rows), _ROWS_PER_INSERT)]
        statements = [(self._head + ", ".join([self._group] * len(chunk)), self._values(chunk)) for chunk in chunks]
        try:
            with write_lock:
                pooled: Any = self._engine.raw_connection()
                try:
                    driver = pooled.driver_connection
                    self._run(self._engine, None, driver, "BEGIN IMMEDIATE", ())
                    for sql, values in statements:
                        self._run(self._engine, None, driver, sql, values)
                    driver.commit()
                finally:
                    if pooled.driver_connection.in_transaction:
                        pooled.driver_connection.rollback()
                    pooled.close()
        except (sqlite3.Error, SQLAlchemyError):
            log.exception("could not store %d captured exchanges", len(rows))

    def _values(self, rows: list[dict[str, Any]]) -> tuple[Any, ...]:
        values: list[Any] = []
        append = values.append
        for row in rows:
            for name, process in self._processors:
                value = row[name]
                append(value if process is None or value is None else process(value))
        return tuple(values)
