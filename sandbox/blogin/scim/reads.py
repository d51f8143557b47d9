"""Reads of the SCIM listing run on SQLite's own cursor, several statements on one pooled connection.

Like ``sandbox.direct_sql``'s statements (one constant statement per call), a read that opens no
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
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from sandbox.direct_sql import SQLITE, run_on_cursor, sqlite_engine, transaction_connection


class Statement:
    """A constant statement compiled for SQLite once; parameters are bound by name."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled: Any = statement.compile(dialect=SQLITE)
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
        return run_on_cursor(self.engine, self.connection, self.driver, sql, values)


@contextmanager
def sqlite_reader(session: Session) -> Iterator[Reader | None]:
    """A reader inside the session's transaction when it has one (so its own writes show), else on a pooled
    connection of its own; None when the session's database is not SQLite."""
    engine = sqlite_engine(session)
    if engine is None:
        yield None
        return
    if session.in_transaction():
        connection = transaction_connection(session)
        pooled = connection.connection
        yield Reader(engine, connection, pooled.driver_connection, pooled.info)
        return
    raw = engine.raw_connection()
    try:
        yield Reader(engine, None, raw.driver_connection, raw.info)
    finally:
        raw.close()
