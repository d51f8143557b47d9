"""What the two mock systems' objects have in common: a database, an event bus, traces, a port.

``JumpCloud`` and ``BlogIn`` never import each other; both build on this base, which knows nothing of
either. Each names its own event store through the three ``_events_*`` readers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import Session

from sandbox.db import Database
from sandbox.events import EventBus, SandboxEvent
from sandbox.login_links import LoginLinks
from sandbox.snapshot import StringRewrite, export_database, import_database
from sandbox.traces import TraceLog

EventReader = Callable[[Session, int], list[SandboxEvent]]


class MockSystem(ABC):
    """One mock system's state: its database (events published on commit), sign-in links and traces."""

    name: ClassVar[str]
    host: ClassVar[str]
    label: ClassVar[str]
    # The administrator a desktop sign-in link opens the portal as.
    admin_email: ClassVar[str]

    def __init__(self, db_url: str, bus: EventBus, metadata: MetaData, trace_model: type[Any]) -> None:
        self.bus = bus
        self.database = Database(db_url, metadata, label=self.label)
        self.database.publish_on_commit(bus)
        self.login_links = LoginLinks()
        self.traces = TraceLog(self.name, trace_model)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def open(self, *, reset: bool = False) -> None:
        """Open the database (wiped first with ``reset``), bring an older schema up to date, seed it."""
        if reset:
            self.database.wipe()
        self.database.open()
        self.upgrade_schema()
        self.seed()

    def reset(self) -> None:
        """Back to first-run state."""
        # Traces recorded before the reset are written first, so none lands in the fresh tables.
        self.traces.flush()
        self.database.reset()
        self.seed()

    @abstractmethod
    def upgrade_schema(self) -> None:
        """Add what a database made by an older version of the system lacks."""

    @abstractmethod
    def seed(self) -> None:
        """First-run state (the sandbox administrator); does nothing when it is already there."""

    def admin_login_link(self) -> str:
        """A single-use URL that opens the portal signed in as the sandbox administrator."""
        return self.login_links.signed_in_url(self.base_url, self.admin_email)

    # The system's own event store, as the desktop's event log reads it.
    @abstractmethod
    def _events_recent(self, session: Session, limit: int) -> list[SandboxEvent]:
        """The newest ``limit`` events with their full records, oldest first."""

    @abstractmethod
    def _events_page(self, session: Session, limit: int) -> list[SandboxEvent]:
        """The newest ``limit`` events without their records, oldest first."""

    @abstractmethod
    def _events_records(self, session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The full records of the events ``ids``."""

    def recent_events(self, limit: int = 1000) -> list[SandboxEvent]:
        """The newest events with their full records, oldest first (read-only)."""
        with self.database.sessions() as session:
            return self._events_recent(session, limit)

    def event_log(self, limit: int = 1000) -> list[SandboxEvent]:
        """The newest events as a log lists them, oldest first, their records left out (read-only)."""
        with self.database.sessions() as session:
            return self._events_page(session, limit)

    def event_records(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The full records of the events ``ids`` (read-only)."""
        with self.database.sessions() as session:
            return self._events_records(session, ids)

    def recent_traces(self, kind: str, limit: int = 500) -> list[SandboxEvent]:
        """Captured SAML messages (``"saml"``) or SCIM exchanges (``"scim"``), oldest first."""
        with self.database.sessions() as session:
            return self.traces.recent(session, kind, limit)

    def export_snapshot(self) -> dict[str, Any]:
        """The whole database (keys included) as JSON-ready data, for a scenario file."""
        # Traces still waiting for the background writer are written first, so the snapshot has them.
        self.traces.flush()
        return export_database(self.database)

    def import_snapshot(self, snapshot: dict[str, Any], *, rewrite: StringRewrite | None = None) -> None:
        """Replace the whole database with ``snapshot`` (from :meth:`export_snapshot`), in one transaction."""
        self.traces.flush()
        import_database(self.database, snapshot, rewrite=rewrite)
        self.seed()

    def close(self) -> None:
        # Traces still waiting for the background writer are written before the database closes.
        self.traces.close()
        self.database.close()
