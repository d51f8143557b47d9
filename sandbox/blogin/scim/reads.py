"""Reads of the SCIM listing run on SQLite's own cursor, several statements on one pooled connection.

Like ``sandbox.blogin.scim.direct`` (which runs one constant statement per call), a read that opens no
Session transaction checks a pooled connection out for itself; here the statements of one listing (the
userName search's candidates, the page) share that checkout, and rows come back as SQLite gives them,
for callers that convert only what they show. The engine's cursor events still see every statement (the
query-plan checks and the SCIM gate rely on that). Other databases have no reader: callers go through
the Session.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

_DIALECT = SQLiteDialect_pysqlite(paramstyle="qmark")


class Statement:
    """A constant statement compiled for SQLite once; parameters are bound by name."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled: Any = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self.parameters = tuple(compiled.positiontup or ())
        # Values the statement binds itself (an ESCAPE character, a constant).
        self.constants = {name: value for name, value in compiled.params.items() if value is not None}

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        constants = self.constants
        return tuple(params[name] if name in params else constants[name] for name in self.parameters)


class Reader:
    """Runs statements on one SQLite connection; ``info`` is that connection's own dictionary, kept while
    it is pooled (facts about the database checked once per connection)."""

    def __init__(self, engine: Engine, connection: Connection | None, driver: Any, info: dict[Any, Any]) -> None:
        self.engine = engine
        self.connection = connection
        self.driver = driver
        self.info = info

    def rows(self, statement: Statement, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of ``statement`` as SQLite returns them (no type conversion)."""
        cursor = self.execute(statement.sql, statement.values(params))
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows

    def execute(self, sql: str, values: tuple[Any, ...]) -> Any:
        """Run ``sql`` on the cursor, telling the engine's cursor listeners as SQLAlchemy would."""
        dispatch = self.engine.dispatch
        for before in dispatch.before_cursor_execute:
            before(self.connection, None, sql, values, None, False)
        cursor = self.driver.execute(sql, values)
        for after in dispatch.after_cursor_execute:
            after(self.connection, cursor, sql, values, None, False)
        return cursor


@contextmanager
def sqlite_reader(session: Session) -> Iterator[Reader | None]:
    """A reader inside the session's transaction when it has one (so its own writes show), else on a pooled
    connection of its own; None when the session's database is not SQLite."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not isinstance(bind, Engine):
        yield None
        return
    if session.in_transaction():
        connection = session.connection()
        pooled = connection.connection
        yield Reader(bind, connection, pooled.driver_connection, pooled.info)
        return
    raw = bind.raw_connection()
    try:
        yield Reader(bind, None, raw.driver_connection, raw.info)
    finally:
        raw.close()
