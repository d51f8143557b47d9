"""One sandbox shared by this package's tests; a fresh application and SCIM server per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import save_status
from sandbox.events import EventBus
from sandbox.http import http_client
from sandbox.jumpcloud.models import (
    DirectoryInsightsEvent,
    IdentityManagement,
    ProvisioningOutbox,
    SsoApplication,
    SystemUser,
    UserGroup,
)
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.jumpcloud.services.provisioning import connection
from sandbox.jumpcloud.system import JumpCloud
from sandbox.settings import Settings
from tests.integration.jumpcloud_idm.scim_servers import FaultInjector, ScimServer, scim2_server

if TYPE_CHECKING:
    from tests.integration.jumpcloud_idm.portal import Portal

ADMIN = Initiator("", "admin", "admin@example.com")


@pytest.fixture
def jumpcloud(tmp_path: Path) -> Iterator[JumpCloud]:
    """JumpCloud alone on a fresh SQLite file, opened without its background worker: tests of the
    provisioning engine's pieces drive them themselves."""
    system = JumpCloud(f"sqlite:///{tmp_path / 'jumpcloud.sqlite'}", EventBus())
    system.open()
    try:
        yield system
    finally:
        system.close()


@pytest.fixture(scope="package")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    data = Path(tmp_path_factory.mktemp("idm"))
    with Sandbox(Settings(data_dir=data, jumpcloud_port=0, blogin_port=0)) as sandbox:
        worker = sandbox.jumpcloud.provisioning.worker
        worker.backoff_base = 0.05
        worker.max_attempts = 4
        yield sandbox


@pytest.fixture
def scim() -> Iterator[ScimServer]:
    with scim2_server() as server:
        yield server


@pytest.fixture(params=["scim2-server", "mock BlogIn"])
def target(request: pytest.FixtureRequest, running: Sandbox) -> Iterator[ScimServer]:
    """The rules hold against an independent SCIM server and against the mock BlogIn."""
    if request.param == "scim2-server":
        with scim2_server() as server:
            yield server
        return
    with running.blogin.database.transaction() as s:
        token = save_status(s, True, actor="admin@acme.example").token
    assert token
    yield ScimServer(f"{running.blogin.base_url}/sso/scim/V2", token, FaultInjector(lambda *_: []))


@dataclass
class Org:
    """Builds JumpCloud state for one test through the directory services."""

    sandbox: Sandbox
    application_id: str
    tag: str

    @property
    def database(self) -> Any:
        return self.sandbox.jumpcloud.database

    def name(self, base: str) -> str:
        return f"{base}-{self.tag}"

    def user(self, base: str, **values: str) -> str:
        with self.database.transaction() as s:
            fields = {
                "username": self.name(base),
                "email": f"{self.name(base)}@example.com",
                "firstname": base.title(),
                "lastname": "Tester",
                **values,
            }
            return directory.create_user(s, fields, initiated_by=ADMIN).id

    def group(self, base: str, members: list[str] = (), authorized: bool = True) -> str:  # type: ignore[assignment]
        with self.database.transaction() as s:
            group = directory.create_group(s, self.name(base), initiated_by=ADMIN)
            for user_id in members:
                directory.add_member(s, group, s.get(SystemUser, user_id), initiated_by=ADMIN)
            if authorized:
                app = s.get(SsoApplication, self.application_id)
                directory.associate_application(s, group, app, "add", initiated_by=ADMIN)
            return group.id

    def activate(self, server: ScimServer, *, groups: bool = True, before_save: Any = None) -> None:
        self.activate_url(server.base_url, server.token, groups=groups, before_save=before_save)

    def activate_url(self, base_url: str, token: str, *, groups: bool = True, before_save: Any = None) -> None:
        """Activate (the connection test), then ``before_save()``, then save."""
        test = connection.test_connection(base_url, token)
        assert test.ok, test.message
        if before_save is not None:
            before_save()
        with self.database.transaction() as s:
            app = s.get(SsoApplication, self.application_id)
            idm = connection.identity_management(s, app)
            connection.mark_tested(idm, base_url, token, groups)
            connection.save(s, app, idm, group_management=groups, initiator=ADMIN)

    def settle(self, timeout: float = 30.0) -> None:
        assert self.sandbox.jumpcloud.provisioning.worker.wait_until_idle(timeout), "outbox did not drain"

    def summaries(self, *types: str) -> list[str]:
        """The event log's one-line summaries of this application's events of ``types``, oldest first."""
        return [summary for summary, _record in self._events(types)]

    def events(self, *types: str) -> list[dict[str, Any]]:
        """The Directory Insights records of this application's events of ``types``, oldest first."""
        return [record for _summary, record in self._events(types)]

    def _events(self, types: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
        with self.database.sessions() as s:
            rows = s.scalars(
                select(DirectoryInsightsEvent)
                .where(DirectoryInsightsEvent.event_type.in_(types))
                .order_by(DirectoryInsightsEvent.seq)
            ).all()
            return [
                (r.summary, r.record)
                for r in rows
                if (r.record.get("application") or {}).get("id") == self.application_id
                or (r.record.get("resource") or {}).get("id") == self.application_id
            ]

    def outbox(self) -> list[ProvisioningOutbox]:
        with self.database.sessions() as s:
            return list(
                s.scalars(
                    select(ProvisioningOutbox)
                    .where(ProvisioningOutbox.application_id == self.application_id)
                    .order_by(ProvisioningOutbox.seq)
                )
            )

    def idm(self) -> IdentityManagement:
        with self.database.sessions() as s:
            idm = s.get(IdentityManagement, self.application_id)
            assert idm is not None
            return idm

    def edit(self, fn: Any) -> None:
        """Run ``fn(session)`` in one transaction."""
        with self.database.transaction() as s:
            fn(s)

    def get_user(self, s: Any, base: str) -> SystemUser:
        return s.scalars(select(SystemUser).where(SystemUser.username == self.name(base))).one()

    def get_group(self, s: Any, base: str) -> UserGroup:
        return s.scalars(select(UserGroup).where(UserGroup.name == self.name(base))).one()


@pytest.fixture
def org(running: Sandbox) -> Org:
    tag = secrets.token_hex(3)
    with running.jumpcloud.database.transaction() as s:
        app = SsoApplication(
            catalog_key="blogin",
            name=f"blogin-{tag}",
            display_label=f"BlogIn {tag}",
            sso_idp_url=f"https://sso.jumpcloud.com/saml2/blogin-{tag}",
        )
        s.add(app)
        s.flush()
        application_id = app.id
    return Org(running, application_id, tag)


@pytest.fixture
def portal(org: Org) -> Iterator[Portal]:
    """The Admin Portal, signed in as the sandbox's administrator (see ``portal.Portal``)."""
    from tests.integration.jumpcloud_idm.portal import Portal

    with http_client(follow_redirects=False) as client:
        signed_in = client.post(
            f"{org.sandbox.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "sandbox"}
        )
        assert signed_in.status_code == 302
        yield Portal(org, client)
