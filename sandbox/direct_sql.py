"""Constant statements of the hot paths (SAML sign-in, the SCIM API) run on SQLite's own cursor.

Executing a Core statement through a Session costs several times what SQLite itself spends on a lookup
by key (the Session's bookkeeping, the statement cache, the result machinery), and loading an ORM object
more again. The statements every sign-in and every provisioning request make are constant, so they are
compiled once here and their values converted by the same bind and result processors SQLAlchemy would use
(aware datetimes, JSON, booleans). The engine's cursor events still see each statement (query-plan
checks, the SCIM gate's watch on its tables). Any database other than SQLite goes through the Session.

The statements run in a :data:`Work`: a Session's transaction (so a request's own writes show), a
:class:`DirectWork`, a change of its own on one pooled connection without a Session, or a
:class:`RequestWork`, a web request's transaction on one pooled connection that makes a Session on that same
connection only if some code of the request needs the ORM.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, Select, Table, bindparam, insert, update
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.orm import Session

from sandbox.db import Database, queue_event, stored_json
from sandbox.traces import TraceLog

# The dialect statements are compiled for once: SQLite through its standard driver, "?" placeholders,
# JSON stored as the engines store it.
SQLITE = SQLiteDialect_pysqlite(paramstyle="qmark", json_serializer=stored_json)

Processor = Callable[[Any], Any] | None

# ``Session.info`` key: the (transaction, connection) pair :func:`transaction_connection` looked up.
_CONNECTION_KEY = "sandbox.direct_sql.connection"


def run_on_cursor(engine: Engine, connection: Connection | None, driver: Any, sql: str, values: tuple[Any, ...]) -> Any:
    """Run ``sql`` on the driver connection ``driver``, telling the engine's cursor listeners as
    SQLAlchemy would; returns the cursor."""
    dispatch = engine.dispatch
    for before in dispatch.before_cursor_execute:
        before(connection, None, sql, values, None, False)
    cursor = driver.execute(sql, values)
    for after in dispatch.after_cursor_execute:
        after(connection, cursor, sql, values, None, False)
    return cursor


def sqlite_engine(session: Session) -> Engine | None:
    """The session's engine when it is SQLite (the direct statements apply), else ``None``."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) and bind.dialect.name == "sqlite" else None


def transaction_connection(session: Session) -> Connection:
    """``session.connection()`` (the transaction begins here), looked up once per transaction: a request
    runs several direct statements, and each lookup walks the Session's transaction state machine."""
    transaction = session.get_transaction()
    kept = session.info.get(_CONNECTION_KEY)
    if transaction is not None and kept is not None and kept[0] is transaction:
        connection: Connection = kept[1]
        return connection
    connection = session.connection()
    session.info[_CONNECTION_KEY] = (session.get_transaction(), connection)
    return connection


def begin_immediate(session: Session) -> None:
    """Begin the session's transaction on SQLite with ``BEGIN IMMEDIATE`` (its write lock taken at once)."""
    connection = transaction_connection(session)
    run_on_cursor(connection.engine, connection, connection.connection.driver_connection, "BEGIN IMMEDIATE", ())


class DirectWork:
    """A change's transaction on one pooled SQLite connection, without a Session.

    Making, connecting, committing and closing a Session costs about 0.16 ms of CPU; the same
    ``BEGIN IMMEDIATE`` and commit on a pooled connection about 0.03 ms. A change whose statements are all
    direct ones (a SCIM create, PUT or PATCH of a user) runs here. ``info`` stands in for ``Session.info``
    (events queued with ``sandbox.db.queue_event``, the audit ids), and whoever commits publishes the queued
    events.
    """

    __slots__ = ("_pooled", "driver", "engine", "info")

    def __init__(self, engine: Engine) -> None:
        """Check a connection out of ``engine``'s pool and begin with SQLite's write lock taken."""
        self.engine = engine
        self._pooled: Any = engine.raw_connection()
        self.driver: Any = self._pooled.driver_connection
        self.info: dict[Any, Any] = {}
        try:
            run_on_cursor(engine, None, self.driver, "BEGIN IMMEDIATE", ())
        except BaseException:
            self._pooled.close()
            raise

    def commit(self) -> None:
        self.driver.commit()

    def rollback(self) -> None:
        self.driver.rollback()

    def close(self) -> None:
        """Give the connection back; a transaction still open is rolled back first."""
        try:
            if self.driver.in_transaction:
                self.driver.rollback()
        finally:
            self._pooled.close()


class RequestWork(DirectWork):
    """A web request's transaction on one pooled SQLite connection, without a Session unless one is needed.

    As with a Session on SQLite's driver, no transaction is begun up front: the driver begins one before the
    first write (reads before it see the latest commit), and the request's end commits it. Making,
    connecting, committing and closing a Session for each request cost about 0.2 ms of CPU, and most of the
    SAML sign-in's requests only run direct statements. When some code of the request needs the ORM,
    :meth:`session` makes a Session on this very connection, so the request still writes through a single
    connection (two would wait on each other for SQLite's write lock), and one commit ends both.
    """

    __slots__ = ("_connection", "_session", "database")

    def __init__(self, database: Database) -> None:
        """Check a connection out of ``database``'s pool; nothing is begun until the first write."""
        self.database = database
        self.engine = database.engine
        self._pooled = self.engine.raw_connection()
        self.driver = self._pooled.driver_connection
        self.info = {}
        self._connection: Connection | None = None
        self._session: Session | None = None

    def session(self) -> Session:
        """A Session of this system on the request's connection, made on first use.

        Its transaction is the request's: it sees the direct statements' writes, and its events are queued
        with theirs (``info`` is shared) and published once :meth:`commit` has committed both.
        """
        if self._session is None:
            self._connection = Connection(self.engine, connection=self._pooled)
            session = self.database.sessions(bind=self._connection)
            session.info.update(self.info)
            self.info = session.info
            self._session = session
        return self._session

    def commit(self) -> None:
        """Write what the ORM holds, commit the connection, then publish the events queued meanwhile."""
        session = self._session
        if session is not None:
            session.flush()
        self.driver.commit()
        if session is not None:
            # Nothing is left to write: this ends the Session's transaction (its events are published as
            # a Session's always are, now that they are committed).
            session.commit()
        self.database.publish_committed(self.info)

    def rollback(self) -> None:
        """Undo the request's writes; the events queued for them are dropped."""
        self.driver.rollback()
        if self._session is not None:
            self._session.rollback()  # its listener drops the queued events
        else:
            self.info = {}

    def close(self) -> None:
        """Give the connection back (through the Session's connection when one was made)."""
        if self._session is None:
            super().close()
            return
        try:
            self._session.close()
        finally:
            if self.driver.in_transaction:
                self.driver.rollback()
            assert self._connection is not None
            self._connection.close()


def orm_session(work: Work) -> Session:
    """A Session for ``work``: itself, or a :class:`RequestWork`'s Session on the request's connection."""
    if isinstance(work, Session):
        return work
    if isinstance(work, RequestWork):
        return work.session()
    raise TypeError("a change made without a Session cannot load ORM objects")


# What the direct statements run in: a Session's transaction, or a change of their own.
Work: TypeAlias = Session | DirectWork


class DirectSelect:
    """One constant SELECT compiled for SQLite once; rows have attribute access and ``_asdict``, values as
    the ORM reads them.

    Statements are module constants, so they are compiled on first use, not on import: compiling an ORM
    statement sets up the mappers, which start-up leaves for later.
    """

    def __init__(self, statement: Select[Any] | Any) -> None:
        self.statement = statement
        self._compiled: _CompiledSelect | None = None

    def all(self, session: Work, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The rows for ``params``; inside the session's transaction when it has one, so its own writes show,
        else on a pooled connection of their own (no transaction is begun for a read)."""
        params = params or {}
        compiled = self._compiled or self._compile()
        if isinstance(session, DirectWork):
            return compiled.run(session.engine, None, session.driver, params)
        engine = sqlite_engine(session)
        if engine is None:
            return [compiled.row._make(row) for row in session.execute(self.statement, dict(params)).all()]
        if session.in_transaction():
            connection = transaction_connection(session)
            return compiled.run(engine, connection, connection.connection.driver_connection, params)
        raw = engine.raw_connection()
        try:
            return compiled.run(engine, None, raw.driver_connection, params)
        finally:
            raw.close()

    def first(self, session: Work, params: Mapping[str, Any] | None = None) -> Any | None:
        """The first row for ``params``, or ``None``."""
        rows = self.all(session, params)
        return rows[0] if rows else None

    def _compile(self) -> _CompiledSelect:
        # Two threads may both compile the first time; each gets a whole result, the last one is kept.
        self._compiled = _CompiledSelect(self.statement)
        return self._compiled


class _CompiledSelect:
    def __init__(self, statement: Any) -> None:
        compiled = statement.compile(dialect=SQLITE)
        self.sql = str(compiled)
        self.parameters = tuple(compiled.positiontup or ())
        # Values the statement binds itself (``id == 1``, ``LIMIT 1``, ``source == "JIT"``).
        self.constants = {name: value for name, value in compiled.params.items() if value is not None}
        self.bind_processors: list[Processor] = [
            compiled.binds[name].type._cached_bind_processor(SQLITE) for name in self.parameters
        ]
        columns = list(statement.selected_columns)
        self.processors: list[Processor] = [column.type._cached_result_processor(SQLITE, None) for column in columns]
        self.row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]

    def run(self, engine: Engine, connection: Connection | None, driver: Any, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, process in zip(self.parameters, self.bind_processors, strict=True):
            value = params[name] if name in params else self.constants[name]
            values.append(value if process is None or value is None else process(value))
        cursor = run_on_cursor(engine, connection, driver, self.sql, tuple(values))
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


class DirectWrite:
    """An INSERT of one row, or an UPDATE by key, with a fixed set of columns, compiled for SQLite on first
    use; values are bound by SQLAlchemy's own bind processors (UTC datetimes, JSON)."""

    def __init__(self, table: Table, columns: Sequence[str], *, key: str | None = None) -> None:
        """Without ``key`` an INSERT of ``columns``; with it an UPDATE of ``columns`` where ``key`` matches."""
        self.table = table
        self.key = key
        binds: dict[str, Any] = {name: bindparam(name) for name in columns}
        if key is None:
            self.statement: Any = insert(table).values(binds)
        else:
            self.statement = update(table).where(table.c[key] == bindparam("where_key")).values(binds)
        self._compiled: tuple[str, tuple[str, ...], list[Processor]] | None = None

    def run(self, session: Work, values: Mapping[str, Any]) -> None:
        """Write ``values`` (every listed column, and the key for an UPDATE; a missing one is NULL)."""
        if self.key is not None:
            values = {**values, "where_key": values[self.key]}
        sql, parameters, processors = self._compiled or self._compile()
        if isinstance(session, DirectWork):
            run_on_cursor(session.engine, None, session.driver, sql, _bound(parameters, processors, values))
            return
        engine = sqlite_engine(session)
        if engine is None:
            session.execute(self.statement, {name: values.get(name) for name in parameters})
            return
        connection = transaction_connection(session)
        driver = connection.connection.driver_connection
        run_on_cursor(engine, connection, driver, sql, _bound(parameters, processors, values))

    def _compile(self) -> tuple[str, tuple[str, ...], list[Processor]]:
        compiled = self.statement.compile(dialect=SQLITE)
        parameters = tuple(compiled.positiontup or ())
        key = self.key
        processors: list[Processor] = [
            self.table.c[key if name == "where_key" and key else name].type._cached_bind_processor(SQLITE)
            for name in parameters
        ]
        self._compiled = (str(compiled), parameters, processors)
        return self._compiled


def _bound(parameters: tuple[str, ...], processors: list[Processor], values: Mapping[str, Any]) -> tuple[Any, ...]:
    row = []
    for name, process in zip(parameters, processors, strict=True):
        value = values.get(name)
        row.append(value if process is None or value is None else process(value))
    return tuple(row)


_TRACE_COLUMNS = ("id", "kind", "timestamp", "summary", "success", "related_id", "data")


class DirectTraces:
    """:meth:`TraceLog.record` for the sign-in's own messages: the same row and the same published event,
    written by one INSERT compiled once."""

    def __init__(self, traces: TraceLog) -> None:
        self.traces = traces
        self._insert = DirectWrite(traces.table.__table__, _TRACE_COLUMNS)

    def record(
        self,
        session: Work,
        kind: str,
        summary: str,
        data: dict[str, Any],
        *,
        success: bool = True,
        related_id: str | None = None,
    ) -> str:
        """Store one trace and publish it when ``session`` commits; returns its id."""
        row, event = self.traces.new_trace(kind, summary, data, success=success, related_id=related_id)
        self._insert.run(session, row)
        queue_event(session, event)
        return event.id
