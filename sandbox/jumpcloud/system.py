"""The mock JumpCloud as one object: its database, its events, its public entry points."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from sqlalchemy import select

from sandbox.db import Database
from sandbox.events import EventBus, SandboxEvent
from sandbox.jumpcloud.models import Administrator, Base, SsoApplication, Trace
from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF, edge_cases_on, update_sso_config
from sandbox.jumpcloud.services.insights import Initiator, event_log_page, event_records, recent_events
from sandbox.jumpcloud.services.integration_state import (
    DirectoryUserView,
    JumpCloudState,
    application_users,
    integration_state,
)
from sandbox.jumpcloud.services.provisioning import Provisioning
from sandbox.login_links import LoginLinks
from sandbox.passwords import hash_password
from sandbox.settings import JUMPCLOUD_HOST
from sandbox.snapshot import StringRewrite, export_database, import_database
from sandbox.traces import TraceLog

log = logging.getLogger("sandbox.jumpcloud")

SANDBOX_ADMIN_EMAIL = "admin@example.com"
SANDBOX_ADMIN_PASSWORD = "sandbox"


class JumpCloud:
    """Owns the mock JumpCloud's state; the Flask app and the desktop use it through these methods."""

    name = "jumpcloud"
    host = JUMPCLOUD_HOST

    def __init__(self, db_url: str, bus: EventBus) -> None:
        self.bus = bus
        self.database = Database(db_url, Base.metadata, label="JumpCloud")
        self.database.publish_on_commit(bus)
        self.login_links = LoginLinks()
        self.traces = TraceLog(self.name, Trace)
        self.port = 0
        self.provisioning = Provisioning(self.database, self.traces)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def open(self, *, reset: bool = False) -> None:
        if reset:
            self.database.wipe()
        self.database.open()
        self.seed()

    def reset(self) -> None:
        """Back to first-run state."""
        self.database.reset()
        self.seed()

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

    def admin_login_link(self) -> str:
        """A single-use URL that opens the Admin Portal signed in as the sandbox administrator."""
        token = self.login_links.issue(SANDBOX_ADMIN_EMAIL)
        return f"{self.base_url}/login/link?token={token}"

    def recent_events(self, limit: int = 1000) -> list[SandboxEvent]:
        with self.database.sessions() as session:
            return recent_events(session, limit)

    def event_log(self, limit: int = 1000) -> list[SandboxEvent]:
        """The newest events as a log lists them, oldest first, their records left out (read-only)."""
        with self.database.sessions() as session:
            return event_log_page(session, limit)

    def event_records(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The full Directory Insights records of the events ``ids`` (read-only)."""
        with self.database.sessions() as session:
            return event_records(session, ids)

    def recent_traces(self, kind: str, limit: int = 500) -> list[SandboxEvent]:
        """Captured SAML messages (``"saml"``) or SCIM exchanges (``"scim"``), oldest first."""
        with self.database.sessions() as session:
            return self.traces.recent(session, kind, limit)

    def integration_state(self) -> JumpCloudState:
        """Applications, sign-ins and events as plain data (read-only)."""
        with self.database.sessions() as session:
            return integration_state(session)

    def application_users(self, application_id: str) -> list[DirectoryUserView]:
        """Users authorized for an application or provisioned to it, with their mapped attributes (read-only)."""
        with self.database.sessions() as session:
            return application_users(session, application_id)

    def set_edge_cases(self, application_id: str, cases: dict[str, Any]) -> list[str]:
        """Change an application's tester edge cases (the SSO tab's panel); returns those now on.

        Keys not given keep their value; an unknown application raises ``KeyError``.
        """
        with self.database.transaction() as session:
            application = session.get(SsoApplication, application_id)
            if application is None:
                raise KeyError(application_id)
            current = {**EDGE_CASES_OFF, **(application.sso_config or {}).get("edgeCases", {})}
            unknown = set(cases) - set(EDGE_CASES_OFF)
            if unknown:
                raise ValueError(f"unknown edge cases: {', '.join(sorted(unknown))}")
            update_sso_config(
                session,
                application,
                {"edgeCases": {**current, **cases}},
                initiated_by=Initiator(id="", type="admin", username_or_email=SANDBOX_ADMIN_EMAIL),
            )
            return edge_cases_on(application)

    def export_snapshot(self) -> dict[str, Any]:
        """The whole database (keys included) as JSON-ready data, for a scenario file."""
        return export_database(self.database)

    def import_snapshot(self, snapshot: dict[str, Any], *, rewrite: StringRewrite | None = None) -> None:
        """Replace the whole database with ``snapshot`` (from :meth:`export_snapshot`), in one transaction."""
        import_database(self.database, snapshot, rewrite=rewrite)
        self.seed()

    def start_background(self) -> None:
        """Start the SCIM provisioning worker (once the servers answer)."""
        self.provisioning.start()

    def stop_background(self) -> None:
        """Stop the provisioning worker; operations not yet delivered stay queued for the next start."""
        self.provisioning.stop()

    def close(self) -> None:
        self.database.close()
