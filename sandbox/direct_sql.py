"""Constant statements of the sign-in hot path, run on SQLite's own cursor in the request's transaction.

Executing a Core statement through a Session costs several times what SQLite itself spends on a lookup
by key (the Session's bookkeeping, the statement cache, the result machinery), and loading an ORM object
more again. The statements every SAML sign-in makes are constant, so they are compiled once here and their
values converted by the same bind and result processors SQLAlchemy would use (aware datetimes, JSON,
booleans). The engine's cursor events still see each statement. Any database other than SQLite goes
through the Session as usual.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, bindparam, insert, update
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.orm import Session

from sandbox.db import queue_event
from sandbox.events import SandboxEvent, utc_now
from sandbox.traces import TraceLog

_DIALECT = SQLiteDialect_pysqlite(paramstyle="qmark")

Processor = Callable[[Any], Any] | None


_CONNECTION_KEY = "sandbox.direct_sql.connection"


def _sqlite_connection(session: Session) -> tuple[Engine, Connection] | None:
    """The session's engine and its connection (the transaction begins here), when the engine is SQLite.

    Kept in the session's ``info`` with the transaction it belongs to, so the statements after the first
    one skip the Session's look-up of its connection (a new transaction looks it up again).
    """
    transaction = session.get_transaction()
    kept = session.info.get(_CONNECTION_KEY)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1], kept[2]
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not isinstance(bind, Engine):
        return None
    connection = session.connection()
    session.info[_CONNECTION_KEY] = (session.get_transaction(), bind, connection)
    return bind, connection


def _execute(engine: Engine, connection: Connection, sql: str, values: tuple[Any, ...]) -> Any:
    # The engine's cursor events still see the statement (query-plan checks, caches watching writes).
    dispatch = engine.dispatch
    for listener in dispatch.before_cursor_execute:
        listener(connection, None, sql, values, None, False)
    cursor = connection.connection.driver_connection.execute(sql, values)  # type: ignore[union-attr]
    for after in dispatch.after_cursor_execute:
        after(connection, cursor, sql, values, None, False)
    return cursor


class DirectSelect:
    """One constant SELECT compiled for SQLite once; rows have attribute access, values as the ORM reads them."""

    def __init__(self, statement: Select[Any] | Any) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.parameters = tuple(compiled.positiontup or ())
        # Values the statement binds itself (``id == 1``, ``LIMIT 1``).
        self.constants = {name: value for name, value in compiled.params.items() if value is not None}
        self.bind_processors: list[Processor] = [
            compiled.binds[name].type._cached_bind_processor(_DIALECT) for name in self.parameters
        ]
        columns = list(statement.selected_columns)
        self.processors: list[Processor] = [column.type._cached_result_processor(_DIALECT, None) for column in columns]
        self.row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]

    def all(self, session: Session, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The rows for ``params``, read in the session's transaction (so its own writes show)."""
        params = params or {}
        target = _sqlite_connection(session)
        if target is None:
            return [self.row._make(row) for row in session.execute(self.statement, dict(params)).all()]
        values = []
        for name, process in zip(self.parameters, self.bind_processors, strict=True):
            value = params[name] if name in params else self.constants[name]
            values.append(value if process is None or value is None else process(value))
        cursor = _execute(target[0], target[1], self.sql, tuple(values))
        make, processors = self.row._make, self.processors
        return [
            make(
                [
                    value if process is None or value is None else process(value)
                    for process, value in zip(processors, raw, strict=True)
                ]
            )
            for raw in cursor.fetchall()
        ]

    def first(self, session: Session, params: Mapping[str, Any] | None = None) -> Any | None:
        """The first row for ``params``, or ``None``."""
        rows = self.all(session, params)
        return rows[0] if rows else None


class DirectWrite:
    """An INSERT of one row, or an UPDATE by key, with a fixed set of columns, compiled for SQLite once."""

    def __init__(self, table: Table, columns: Sequence[str], *, key: str | None = None) -> None:
        """Without ``key`` an INSERT of ``columns``; with it an UPDATE of ``columns`` where ``key`` matches."""
        self.key = key
        binds: dict[str, Any] = {name: bindparam(name) for name in columns}
        if key is None:
            self.statement: Any = insert(table).values(binds)
        else:
            self.statement = update(table).where(table.c[key] == bindparam("where_key")).values(binds)
        compiled = self.statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.parameters = tuple(compiled.positiontup or ())
        self.processors: list[Processor] = [
            table.c[key if name == "where_key" and key else name].type._cached_bind_processor(_DIALECT)
            for name in self.parameters
        ]

    def run(self, session: Session, values: Mapping[str, Any]) -> None:
        """Write ``values`` (every listed column, and the key for an UPDATE; a missing one is NULL)."""
        if self.key is not None:
            values = {**values, "where_key": values[self.key]}
        target = _sqlite_connection(session)
        if target is None:
            session.execute(self.statement, dict(values))
            return
        row = []
        for name, process in zip(self.parameters, self.processors, strict=True):
            value = values.get(name)
            row.append(value if process is None or value is None else process(value))
        _execute(target[0], target[1], self.sql, tuple(row))


_TRACE_COLUMNS = ("id", "kind", "timestamp", "summary", "success", "related_id", "data")


class DirectTraces:
    """:meth:`TraceLog.record` for the sign-in's own messages: the same row and the same published event,
    written by one INSERT compiled once."""

    def __init__(self, traces: TraceLog) -> None:
        self.traces = traces
        self._insert = DirectWrite(traces.table.__table__, _TRACE_COLUMNS)

    def record(
        self,
        session: Session,
        kind: str,
        summary: str,
        data: dict[str, Any],
        *,
        success: bool = True,
        related_id: str | None = None,
    ) -> str:
        """Store one trace and publish it when ``session`` commits; returns its id."""
        moment = utc_now()
        trace_id = self.traces.new_trace_id()
        self._insert.run(
            session,
            {
                "id": trace_id,
                "kind": kind,
                "timestamp": moment,
                "summary": summary[:512],
                "success": success,
                "related_id": related_id,
                "data": data,
            },
        )
        queue_event(
            session,
            SandboxEvent(
                system=self.traces.system,
                id=trace_id,
                event_type=f"{kind}_trace",
                timestamp=moment,
                summary=summary,
                success=success,
                data=data,
                kind=kind,
                related_id=related_id,
            ),
        )
        return trace_id
