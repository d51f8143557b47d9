"""Constant statements of the SCIM hot path run on SQLite's own cursor.

Executing a Core statement through a Session costs about four times what SQLite itself spends on a
lookup by key (the Session's transaction, the statement cache, the result machinery). The lookups every
provisioning client makes — a user by id, by userName, the facts checked before a create — are constant
statements, so they are compiled once here and their values converted by the same result processors
SQLAlchemy would use (aware datetimes, JSON, booleans). Any other database goes through the Session.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, Select, Table, bindparam, insert, update
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.orm import Session

_DIALECT = SQLiteDialect_pysqlite(paramstyle="qmark")
# ``Session.info`` key: the (transaction, connection) pair :func:`transaction_connection` looked up.
_CONNECTION_KEY = "sandbox.blogin.direct_connection"


class DirectSelect:
    """One constant SELECT, compiled for SQLite once, returning rows with attribute access and ``_asdict``."""

    def __init__(self, statement: Select[Any], *, as_stored: Sequence[str] = ()) -> None:
        """``as_stored``: columns handed back as SQLite holds them, unconverted (and only on SQLite)."""
        self.statement = statement
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.parameters = tuple(compiled.positiontup or ())
        # Values the statement itself binds (``id == 1``, ``source == "JIT"``).
        self.constants = {name: value for name, value in compiled.params.items() if value is not None}
        columns = list(statement.selected_columns)
        self.processors: list[Callable[[Any], Any] | None] = [
            None if column.key in as_stored else column.type._cached_result_processor(_DIALECT, None)
            for column in columns
        ]
        self.row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]

    def all(self, session: Work, params: Mapping[str, Any]) -> list[Any]:
        """The rows for ``params``; inside the session's transaction when it has one, so its own writes show."""
        constants = self.constants
        values = tuple(params[name] if name in params else constants[name] for name in self.parameters)
        if isinstance(session, DirectWork):
            return self._run(session.engine, None, session.driver, values)
        bind = session.get_bind()
        if bind.dialect.name != "sqlite" or not isinstance(bind, Engine):
            return list(session.execute(self.statement, params).all())
        if session.in_transaction():
            connection = transaction_connection(session)
            driver: Any = connection.connection.driver_connection
            return self._run(bind, connection, driver, values)
        # Nothing written yet in this request: a pooled connection of its own, without a Session transaction.
        raw = bind.raw_connection()
        try:
            return self._run(bind, None, raw.driver_connection, values)
        finally:
            raw.close()

    def _run(self, engine: Engine, connection: Connection | None, driver: Any, values: tuple[Any, ...]) -> list[Any]:
        return self._convert(_execute(engine, connection, driver, self.sql, values))

    def _convert(self, cursor: Any) -> list[Any]:
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


class DirectInsert:
    """An INSERT of one row with a fixed set of columns, compiled for SQLite once and run in the session's
    transaction; values are bound by SQLAlchemy's own bind processors (UTC datetimes, JSON)."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.statement: Any = insert(table)
        self._prepare(table, insert(table).values({name: bindparam(name) for name in columns}))

    def _prepare(self, table: Table, statement: Any) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.parameters = tuple(compiled.positiontup or ())
        self.processors: list[Callable[[Any], Any] | None] = [
            table.c[name].type._cached_bind_processor(_DIALECT) if name in table.c else None for name in self.parameters
        ]

    def run(self, session: Work, values: Mapping[str, Any]) -> None:
        """Insert ``values`` (every listed column; a missing one is NULL)."""
        if isinstance(session, DirectWork):
            _execute(session.engine, None, session.driver, self.sql, self._row(values))
            return
        bind = session.get_bind()
        if bind.dialect.name != "sqlite" or not isinstance(bind, Engine):
            self._fallback(session, values)
            return
        connection = transaction_connection(session)
        _execute(bind, connection, connection.connection.driver_connection, self.sql, self._row(values))

    def _row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        row = []
        for name, process in zip(self.parameters, self.processors, strict=True):
            value = values.get(name)
            row.append(value if process is None or value is None else process(value))
        return tuple(row)

    def _fallback(self, session: Session, values: Mapping[str, Any]) -> None:
        session.execute(self.statement, [dict(values)])


class DirectUpdate(DirectInsert):
    """An UPDATE of one row by ``key`` setting a fixed set of columns (unchanged ones to their own values)."""

    def __init__(self, table: Table, columns: Sequence[str], key: str) -> None:
        self.key = key
        self.statement = update(table).where(table.c[key] == bindparam("where_key"))
        self._prepare(table, self.statement.values({name: bindparam(name) for name in columns}))
        self.processors = [
            table.c[key].type._cached_bind_processor(_DIALECT) if name == "where_key" else process
            for name, process in zip(self.parameters, self.processors, strict=True)
        ]

    def run(self, session: Work, values: Mapping[str, Any]) -> None:
        """Set ``values`` (every listed column) on the row whose key column equals ``values[key]``."""
        super().run(session, {**values, "where_key": values[self.key]})

    def _fallback(self, session: Session, values: Mapping[str, Any]) -> None:
        changes = {name: value for name, value in values.items() if name != "where_key"}
        session.execute(self.statement.values(changes), {"where_key": values["where_key"]})


class DirectWork:
    """A change's transaction on one pooled SQLite connection, without a Session.

    Making, connecting, committing and closing a Session costs about 0.16 ms of CPU; the same
    ``BEGIN IMMEDIATE`` and commit on a pooled connection about 0.03 ms. A change whose statements are all
    direct ones (a SCIM create) runs here. ``info`` stands in for ``Session.info`` (events queued with
    ``sandbox.db.queue_event``, the audit ids), and whoever commits publishes the queued events.
    """

    __slots__ = ("_pooled", "driver", "engine", "info")

    def __init__(self, engine: Engine) -> None:
        """Check a connection out of ``engine``'s pool and begin with SQLite's write lock taken."""
        self.engine = engine
        self._pooled: Any = engine.raw_connection()
        self.driver: Any = self._pooled.driver_connection
        self.info: dict[Any, Any] = {}
        try:
            _execute(engine, None, self.driver, "BEGIN IMMEDIATE", ())
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


# What the direct statements run in: a Session's transaction, or a change of their own.
Work: TypeAlias = Session | DirectWork


def transaction_connection(session: Session) -> Connection:
    """``session.connection()``, looked up once per transaction: a change runs four or five direct
    statements, and each lookup walks the Session's transaction state machine."""
    transaction = session.get_transaction()
    cached = session.info.get(_CONNECTION_KEY)
    if transaction is not None and cached is not None and cached[0] is transaction:
        connection: Connection = cached[1]
        return connection
    connection = session.connection()
    session.info[_CONNECTION_KEY] = (session.get_transaction(), connection)
    return connection


def begin_immediate(session: Session) -> None:
    """Begin the session's transaction on SQLite with ``BEGIN IMMEDIATE`` (its write lock taken at once)."""
    connection = transaction_connection(session)
    engine = connection.engine
    _execute(engine, connection, connection.connection.driver_connection, "BEGIN IMMEDIATE", ())


def _execute(engine: Engine, connection: Connection | None, driver: Any, sql: str, values: tuple[Any, ...]) -> Any:
    # The engine's cursor events still see the statement (query-plan checks, the SCIM gate's watch).
    dispatch = engine.dispatch
    for listener in dispatch.before_cursor_execute:
        listener(connection, None, sql, values, None, False)
    cursor = driver.execute(sql, values)
    for after in dispatch.after_cursor_execute:
        after(connection, cursor, sql, values, None, False)
    return cursor
