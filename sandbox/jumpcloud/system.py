"""The mock JumpCloud as one object: its database, its events, its public entry points."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.events import EventBus, SandboxEvent
from sandbox.jumpcloud.models import Administrator, Base, SsoApplication, Trace
from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF, change_edge_cases, edge_cases_on
from sandbox.jumpcloud.services.insights import Initiator, event_log_page, event_records, recent_events
from sandbox.jumpcloud.services.integration_state import (
    DirectoryUserView,
    JumpCloudState,
    application_users,
    integration_state,
    known_logins,
)
from sandbox.jumpcloud.services.provisioning import Provisioning
from sandbox.passwords import hash_password
from sandbox.settings import JUMPCLOUD_ADMIN_EMAIL, JUMPCLOUD_HOST
from sandbox.snapshot import StringRewrite
from sandbox.system import MockSystem

log = logging.getLogger("sandbox.jumpcloud")

SANDBOX_ADMIN_EMAIL = JUMPCLOUD_ADMIN_EMAIL
SANDBOX_ADMIN_PASSWORD = "sandbox"


class JumpCloud(MockSystem):
    """Owns the mock JumpCloud's state; the Flask app and the desktop use it through these methods."""

    name = "jumpcloud"
    host = JUMPCLOUD_HOST
    label = "JumpCloud"
    admin_email = SANDBOX_ADMIN_EMAIL

    def __init__(self, db_url: str, bus: EventBus) -> None:
        super().__init__(db_url, bus, Base.metadata, Trace)
        self.provisioning = Provisioning(self.database, self.traces)

    def upgrade_schema(self) -> None:
        """Nothing to add: JumpCloud's tables are as its first version created them."""

    def seed(self) -> None:
        """A fresh organization has the sandbox administrator."""
        if self.database.has_rows(Administrator.__table__):
            return
        with self.database.transaction() as session:
            if session.scalars(select(Administrator).limit(1)).first() is None:
                session.add(
                    Administrator(
                        email=SANDBOX_ADMIN_EMAIL,
                        password_hash=hash_password(SANDBOX_ADMIN_PASSWORD),
                        api_key=secrets.token_hex(20),
                    )
                )
                log.info("seeded the sandbox administrator %s", SANDBOX_ADMIN_EMAIL)

    def _events_recent(self, session: Session, limit: int) -> list[SandboxEvent]:
        return recent_events(session, limit)

    def _events_page(self, session: Session, limit: int) -> list[SandboxEvent]:
        return event_log_page(session, limit)

    def _events_records(self, session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
        return event_records(session, ids)

    def integration_state(self) -> JumpCloudState:
        """Applications, sign-ins and events as plain data (read-only)."""
        with self.database.sessions() as session:
            return integration_state(session)

    def application_users(self, application_id: str) -> list[DirectoryUserView]:
        """Users authorized for an application or provisioned to it, with their mapped attributes (read-only)."""
        with self.database.sessions() as session:
            return application_users(session, application_id)

    def known_logins(self, logins: Iterable[str]) -> set[str]:
        """Which of ``logins`` (usernames or emails, lower-case) name a JumpCloud user, in any group or none."""
        with self.database.sessions() as session:
            return known_logins(session, logins)

    def set_edge_cases(self, application_id: str, cases: dict[str, Any]) -> list[str]:
        """Change an application's tester edge cases (the desktop's Edge cases panel); returns those now on.

        Keys not given keep their value; an unknown application raises ``KeyError``. The Directory Insights
        event says which edge cases were switched on or off, not that the SSO tab was saved.
        """
        with self.database.transaction() as session:
            application = session.get(SsoApplication, application_id)
            if application is None:
                raise KeyError(application_id)
            unknown = set(cases) - set(EDGE_CASES_OFF)
            if unknown:
                raise ValueError(f"unknown edge cases: {', '.join(sorted(unknown))}")
            change_edge_cases(
                session,
                application,
                cases,
                initiated_by=Initiator(id="", type="admin", username_or_email=SANDBOX_ADMIN_EMAIL),
            )
            return edge_cases_on(application)

    def start_background(self) -> None:
        """Start the SCIM provisioning worker (once the servers answer)."""
        self.provisioning.start()

    def stop_background(self) -> None:
        """Stop the provisioning worker; operations not yet delivered stay queued for the next start."""
        self.provisioning.stop()

    @contextmanager
    def background_paused(self) -> Iterator[None]:
        """The provisioning worker stopped while the database is replaced, and started again after if it ran.

        Tables dropped under a provisioning run would fail its deliveries half-way (foreign keys, tables
        missing), and a delivery finishing meanwhile would record its result in the new state: the
        request under way finishes first, and its result goes with the state it belonged to.
        """
        was_running = self.provisioning.running
        self.stop_background()
        try:
            yield
        finally:
            self.provisioning.forget_deliveries()
            if was_running:
                self.start_background()

    def reset(self) -> None:
        """Back to first-run state, provisioning paused meanwhile."""
        with self.background_paused():
            super().reset()

    def import_snapshot(self, snapshot: dict[str, Any], *, rewrite: StringRewrite | None = None) -> None:
        """Replace the whole database with ``snapshot``, provisioning paused meanwhile."""
        with self.background_paused():
            super().import_snapshot(snapshot, rewrite=rewrite)
