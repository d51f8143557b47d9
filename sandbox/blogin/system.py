"""The mock BlogIn as one object: its database, its audit log, its public entry points."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from sandbox.blogin.models import Base, Trace, User
from sandbox.blogin.models.people import upgrade_people_schema
from sandbox.blogin.scim.wal_flush import WalFlusher, can_flush
from sandbox.blogin.services.audit import audit_log_page, audit_records, recent_audit_events
from sandbox.blogin.services.integration_state import BlogInState, BlogInUserView, integration_state, user_directory
from sandbox.blogin.services.seed import SANDBOX_ADMIN_EMAIL, seed_tenant
from sandbox.events import EventBus, SandboxEvent
from sandbox.settings import BLOGIN_HOST
from sandbox.system import MockSystem

log = logging.getLogger("sandbox.blogin")

# Who the audit log names for changes made from the desktop's panels.
DESKTOP_ACTOR = "SSO Sandbox desktop"


class BlogIn(MockSystem):
    """Owns the mock BlogIn's state (one tenant, ``acme``)."""

    name = "blogin"
    host = BLOGIN_HOST
    label = "BlogIn"
    admin_email = SANDBOX_ADMIN_EMAIL

    def __init__(self, db_url: str, bus: EventBus) -> None:
        super().__init__(db_url, bus, Base.metadata, Trace)
        # Syncs the SQLite log while SCIM changes run, so checkpoints under the write lock wait less.
        path = self.database.path
        self.wal_flusher = WalFlusher(path) if path is not None and can_flush(path) else None

    def close(self) -> None:
        if self.wal_flusher is not None:
            self.wal_flusher.close()
        super().close()

    def upgrade_schema(self) -> None:
        with self.database.engine.begin() as connection:
            upgrade_people_schema(connection)

    def seed(self) -> None:
        if self.database.has_rows(User.__table__):
            return
        with self.database.transaction() as session:
            if seed_tenant(session):
                log.info("seeded the sandbox administrator %s", SANDBOX_ADMIN_EMAIL)

    def _events_recent(self, session: Session, limit: int) -> list[SandboxEvent]:
        return recent_audit_events(session, limit)

    def _events_page(self, session: Session, limit: int) -> list[SandboxEvent]:
        return audit_log_page(session, limit)

    def _events_records(self, session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
        return audit_records(session, ids)

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
