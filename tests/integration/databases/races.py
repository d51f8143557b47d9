"""What the PostgreSQL race tests share: BlogIn on a server of its own database, an identity provider it trusts,
SCIM with a token, and requests released at the same moment."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.blogin.scim.settings import save_status
from sandbox.http import http_client
from sandbox.saml.keys import generate_key_pair
from sandbox.settings import Settings
from tests.integration.blogin_sso.conftest import ADMIN, configure, post_to_acs, sp
from tests.integration.blogin_sso.idp import TestIdentityProvider
from tests.integration.databases.postgresql import PostgresServer

ROUNDS = 3
BROWSERS = 4
SCIM_TYPE = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@contextmanager
def blogin_on_postgres(postgres: PostgresServer, folder: Path, database: str) -> Iterator[Sandbox]:
    """The sandbox with BlogIn on a new database ``database`` (JumpCloud stays on SQLite: nothing here reaches it)."""
    settings = Settings(
        data_dir=folder / "data",
        jumpcloud_port=0,
        blogin_port=0,
        db_url_blogin=postgres.create_database(database),
    )
    with Sandbox(settings) as sandbox:
        yield sandbox


def trusted_idp(blogin: Sandbox, folder: Path) -> TestIdentityProvider:
    """An identity provider BlogIn trusts, JIT on, IdP-initiated sign-in allowed."""
    provider = TestIdentityProvider(folder, generate_key_pair("Race IdP"))
    with http_client(follow_redirects=False) as admin:
        assert admin.post(f"{blogin.blogin.base_url}/login", data=ADMIN).status_code == 302
        provider.trust(admin.get(f"{blogin.blogin.base_url}/settings/sso/metadata.xml").text)
        assert configure(admin, blogin, provider.metadata()).status_code == 302
    return provider


def scim_token(blogin: Sandbox) -> str:
    """User provisioning on, and its token."""
    with blogin.blogin.database.transaction() as session:
        issued = save_status(session, True, actor=ADMIN["email"]).token
    assert issued
    return issued


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` on their own threads, released at the same moment; their results in order."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    failures: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # reported below, in the test's own thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return results


def users_named(sandbox: Sandbox, user_name: str) -> list[User]:
    with sandbox.blogin.database.sessions() as session:
        return list(session.scalars(select(User).where(User.user_name_key == user_name.lower())))


def events(sandbox: Sandbox, event_type: str, about: str) -> list[dict[str, Any]]:
    """The audit events of ``event_type`` whose summary names ``about``."""
    return [
        dict(event.data)
        for event in sandbox.blogin.recent_events(500)
        if event.event_type == event_type and about in str(event.data.get("summary", ""))
    ]


class Browser:
    """One person's browser: posts a signed Response to BlogIn's ACS, then opens their profile."""

    def __init__(self, sandbox: Sandbox, saml_response: str) -> None:
        self.sandbox = sandbox
        self.saml_response = saml_response
        self.client = http_client(follow_redirects=False)

    def finish_sign_in(self) -> httpx.Response:
        return post_to_acs(self.client, self.sandbox, self.saml_response)

    def profile(self) -> str:
        page = self.client.get(f"{self.sandbox.blogin.base_url}/profile")
        assert page.status_code == 200, page.text
        return page.text

    def close(self) -> None:
        self.client.close()


def sign_in_response(idp: TestIdentityProvider, sandbox: Sandbox, email: str, first_name: str) -> str:
    attributes = {"email": [email], "firstname": [first_name], "lastname": ["Race"]}
    service_provider = sp(sandbox)
    return idp.signed_response(
        email=email,
        attributes=attributes,
        sp_entity_id=service_provider["sp_entity_id"],
        acs_url=service_provider["acs_url"],
    )


def scim(sandbox: Sandbox, token: str, method: str, path: str, body: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM_TYPE}
    with http_client() as client:
        return client.request(method, f"{sandbox.blogin.base_url}/sso/scim/V2{path}", json=body, headers=headers)


def scim_user(user_name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": user_name, "name": {"givenName": "Scim"}, **extra}


def waits_for_a_lock(sandbox: Sandbox) -> bool:
    """Whether some request of BlogIn's is waiting on a lock another transaction holds (within 10 s)."""
    deadline = time.monotonic() + 10
    with sandbox.blogin.database.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar_one()
            # pg_stat_activity is read once per transaction: the next look needs a new one.
            connection.rollback()
            if waiting:
                return True
            time.sleep(0.02)
    return False


def accounts_with_email(sandbox: Sandbox, email: str) -> list[User]:
    with sandbox.blogin.database.sessions() as session:
        return list(session.scalars(select(User).where(func.lower(User.email) == email.lower())))
