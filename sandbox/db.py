"""Opening a system's database: engine, SQLite pragmas, schema creation, reset.

Shared by both systems; it knows nothing of either system's tables.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import DateTime, Engine, FromClause, MetaData, create_engine, event, inspect, literal, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from sandbox.errors import StorageError
from sandbox.events import EventBus, SandboxEvent

log = logging.getLogger("sandbox.db")

_PENDING_EVENTS = "sandbox.pending_events"


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back an aware datetime (SQLite forgets the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Transactional(Protocol):
    """A unit of work with an ``info`` dict: a Session, or a change run on a pooled connection directly."""

    @property
    def info(self) -> dict[Any, Any]: ...


def queue_event(session: Transactional, record: SandboxEvent) -> None:
    """Publish ``record`` on the bus when ``session`` commits; drop it on rollback."""
    session.info.setdefault(_PENDING_EVENTS, []).append(record)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def stored_json(value: Any) -> str:
    """The text a JSON column stores, the same value ``json.dumps`` would store, made by orjson where
    that is safe: orjson is a dozen times quicker, and ``json.dumps`` was most of the cost of storing
    a trace. ``json.dumps`` still writes what orjson refuses (keys that are not strings, integers past
    64 bits) and values holding NaN or an infinity, which orjson would write as ``null``."""
    try:
        text = orjson.dumps(value)
    except TypeError:
        return json.dumps(value)
    if b"null" in text and _holds_non_finite_float(value):
        return json.dumps(value)
    return text.decode()


def _holds_non_finite_float(value: Any) -> bool:
    """Whether NaN or an infinity is somewhere in ``value`` (dicts, lists and tuples looked into)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


class Database:
    """One system's database: an engine, a sessionmaker and the schema it owns."""

    def __init__(self, url: str, metadata: MetaData, *, label: str) -> None:
        self.url = url
        self.label = label
        self.metadata = metadata
        parsed: URL | None = None
        try:
            parsed = make_url(url)
            self.engine: Engine = self._engine(parsed)
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            shown = parsed.render_as_string(hide_password=True) if parsed is not None else url
            raise StorageError(
                f"The {label} database URL {shown!r} cannot be used ({error}). Give a SQLAlchemy URL whose "
                "driver is installed, such as sqlite:////path/to/file.sqlite or "
                "postgresql+psycopg://user@host/database."
            ) from error
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)
        self._bus: EventBus | None = None

    def _engine(self, parsed: URL) -> Engine:
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.path: Path | None = None
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                self.path = Path(database)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # A file database is pooled (QueuePool): hand out the connection given back last. In WAL
                # mode a connection drops its whole page cache when another connection has written since
                # its last transaction, so a first-in-first-out pool gave every SCIM create (one at a
                # time, under the write lock) a connection whose cache the previous create had voided.
                kwargs["pool_use_lifo"] = True
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        return create_engine(parsed, json_serializer=stored_json, **kwargs)

    def publish_on_commit(self, bus: EventBus) -> None:
        """Deliver events queued with :func:`queue_event` once their transaction commits."""
        self._bus = bus

        def after_commit(session: Session) -> None:
            for pending in session.info.pop(_PENDING_EVENTS, []):
                bus.publish(pending)

        def after_rollback(session: Session) -> None:
            session.info.pop(_PENDING_EVENTS, None)

        event.listen(self.sessions, "after_commit", after_commit)
        event.listen(self.sessions, "after_soft_rollback", lambda session, _tx: after_rollback(session))

    def publish_committed(self, info: dict[Any, Any]) -> None:
        """Deliver the events queued in ``info`` by a transaction committed without a Session (as
        :meth:`publish_on_commit` does for Sessions; nothing when it was never called)."""
        pending = info.pop(_PENDING_EVENTS, ())
        if self._bus is not None:
            for record in pending:
                self._bus.publish(record)

    def open(self) -> None:
        """Check the database is usable and create the schema on first run."""
        try:
            with self.engine.connect() as connection:
                if self.is_sqlite:
                    result = connection.execute(text("PRAGMA quick_check")).scalar()
                    if result != "ok":
                        raise StorageError(self._corrupt_message(str(result)))
                existing = set(inspect(connection).get_table_names())
            # One look at the catalogue; create_all (which checks table by table) only on first run
            # or when this version brings a new table.
            if any(name not in existing for name in self.metadata.tables):
                self.metadata.create_all(self.engine)
        except StorageError:
            self.engine.dispose()
            raise
        except (DatabaseError, OperationalError) as error:
            self.engine.dispose()
            raise StorageError(self._corrupt_message(str(error.orig))) from error
        log.info("%s database ready at %s", self.label, self._where())

    def has_rows(self, table: FromClause) -> bool:
        """Whether ``table`` holds any row: a Core query, so it neither needs nor configures the ORM mappers.

        Start-up uses it to skip seeding an existing database; the mappers are configured by the first request.
        """
        with self.engine.connect() as connection:
            return connection.execute(select(literal(1)).select_from(table).limit(1)).first() is not None

    def wipe(self) -> None:
        """Before opening: remove a SQLite file outright, or drop this system's tables elsewhere."""
        if self.path is not None:
            self.engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                candidate = self.path.with_name(self.path.name + suffix)
                candidate.unlink(missing_ok=True)
            log.info("%s database removed for a fresh start", self.label)
        else:
            self.metadata.drop_all(self.engine)

    def reset(self) -> None:
        """Drop every table this system owns and create them afresh."""
        self.metadata.drop_all(self.engine)
        self.metadata.create_all(self.engine)
        log.info("%s database reset", self.label)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on error."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def _where(self) -> str:
        return str(self.path) if self.path else make_url(self.url).render_as_string(hide_password=True)

    def _corrupt_message(self, detail: str) -> str:
        if self.is_sqlite:
            advice = "Move it aside, or start with --reset to begin afresh, or point --data-dir at another folder."
        else:
            advice = "Check the URL, that the database server is running and reachable, and that the database exists."
        where = self._where()
        return f"The {self.label} database at {where} cannot be read ({detail}). It has been left untouched. {advice}"
