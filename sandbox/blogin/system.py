"""The mock BlogIn as one object: its database, its audit log, its public entry points."""

from __future__ import annotations

import logging
from typing import Any

from sandbox.blogin.models import Base, Trace, User
from sandbox.blogin.models.people import upgrade_people_schema
from sandbox.blogin.services.audit import audit_log_page, audit_records, recent_audit_events
from sandbox.blogin.services.integration_state import BlogInState, BlogInUserView, integration_state, user_directory
from sandbox.blogin.services.seed import SANDBOX_ADMIN_EMAIL, seed_tenant
from sandbox.db import Database
from sandbox.events import EventBus, SandboxEvent
from sandbox.login_links import LoginLinks
from sandbox.settings import BLOGIN_HOST
from sandbox.snapshot import StringRewrite, export_database, import_database
from sandbox.traces import TraceLog

log = logging.getLogger("sandbox.blogin")

# Who the audit log names for changes made from the desktop's panels.
DESKTOP_ACTOR = "SSO Sandbox desktop"


class BlogIn:
    """Owns the mock BlogIn's state (one tenant, ``acme``)."""

    name = "blogin"
    host = BLOGIN_HOST

    def __init__(self, db_url: str, bus: EventBus) -> None:
        self.bus = bus
        self.database = Database(db_url, Base.metadata, label="BlogIn")
        self.database.publish_on_commit(bus)
        self.login_links = LoginLinks()
        self.traces = TraceLog(self.name, Trace)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def open(self, *, reset: bool = False) -> None:
        if reset:
            self.database.wipe()
        self.database.open()
        with self.database.engine.begin() as connection:
            upgrade_people_schema(connection)
        self.seed()

    def reset(self) -> None:
        # Exchanges recorded before the reset are written first, so none lands in the fresh tables.
        self.traces.flush()
        self.database.reset()
        self.seed()

    def seed(self) -> None:
        if self.database.has_rows(User.__table__):
            return
        with self.database.transaction() as session:
            if seed_tenant(session):
                log.info("seeded the sandbox administrator %s", SANDBOX_ADMIN_EMAIL)

    def admin_login_link(self) -> str:
        """A single-use URL that opens the admin console signed in as the sandbox administrator."""
        token = self.login_links.issue(SANDBOX_ADMIN_EMAIL)
        return f"{self.base_url}/login/link?token={token}"

    def recent_events(self, limit: int = 1000) -> list[SandboxEvent]:
        with self.database.sessions() as session:
            return recent_audit_events(session, limit)

    def event_log(self, limit: int = 1000) -> list[SandboxEvent]:
        """The newest audit events as a log lists them, oldest first, their records left out (read-only)."""
        with self.database.sessions() as session:
            return audit_log_page(session, limit)

    def event_records(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The full audit records of the events ``ids`` (read-only)."""
        with self.database.sessions() as session:
            return audit_records(session, ids)

    def recent_traces(self, kind: str, limit: int = 500) -> list[SandboxEvent]:
        """Captured SAML messages (``"saml"``) or SCIM exchanges (``"scim"``), oldest first."""
        with self.database.sessions() as session:
            return self.traces.recent(session, kind, limit)

    def integration_state(self) -> BlogInState:
        """Single sign-on, user provisioning, users by source and SCIM test faults as plain data (read-only)."""
        with self.database.sessions() as session:
            return integration_state(session)

    def user_directory(self) -> list[BlogInUserView]:
        """Every user with its source (manual, SCIM, JIT, import) and teams (read-only)."""
        with self.database.sessions() as session:
            return user_directory(session)

    def set_scim_fault(
        self,
        endpoint: str,
        *,
        latency_ms: int = 0,
        status: int | None = None,
        only_nth: int = 0,
        retry_after_s: int = 5,
    ) -> None:
        """Set one SCIM endpoint's test fault, as the Test faults page does (``ValueError`` when refused)."""
        # Imported here: the SCIM package imports this module to register its endpoints.
        from sandbox.blogin.scim.faults import save_fault

        with self.database.transaction() as session:
            save_fault(
                session,
                endpoint,
                latency_ms=latency_ms,
                status=status,
                only_nth=only_nth,
                retry_after_s=retry_after_s,
                actor=DESKTOP_ACTOR,
            )

    def clear_scim_faults(self) -> None:
        """Every SCIM test fault off."""
        from sandbox.blogin.scim.faults import clear_faults

        with self.database.transaction() as session:
            clear_faults(session, actor=DESKTOP_ACTOR)

    def export_snapshot(self) -> dict[str, Any]:
        """The whole database (keys included) as JSON-ready data, for a scenario file."""
        self.traces.flush()
        return export_database(self.database)

    def import_snapshot(self, snapshot: dict[str, Any], *, rewrite: StringRewrite | None = None) -> None:
        """Replace the whole database with ``snapshot`` (from :meth:`export_snapshot`), in one transaction."""
        self.traces.flush()
        import_database(self.database, snapshot, rewrite=rewrite)
        self.seed()

    def close(self) -> None:
        # Exchanges still waiting for the trace writer are written before the database closes.
        self.traces.close()
        self.database.close()
