"""BlogIn on PostgreSQL when two requests create the same user at the same moment.

Two browsers finishing their first SSO sign-in for the same new person, or a sign-in's JIT creation and a
SCIM create or rename of the same userName: each request is released together with the others against the
real server, and the one that loses the race on the unique userName must still end well.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

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


@pytest.fixture(scope="module")
def blogin(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """BlogIn on PostgreSQL (JumpCloud stays on SQLite: nothing here reaches it)."""
    folder = tmp_path_factory.mktemp("races")
    settings = Settings(
        data_dir=folder / "data",
        jumpcloud_port=0,
        blogin_port=0,
        db_url_blogin=postgres.create_database("blogin_races"),
    )
    with Sandbox(settings) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def idp(blogin: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> TestIdentityProvider:
    """An identity provider BlogIn trusts, JIT on, IdP-initiated sign-in allowed."""
    provider = TestIdentityProvider(tmp_path_factory.mktemp("idp"), generate_key_pair("Race IdP"))
    with http_client(follow_redirects=False) as admin:
        assert admin.post(f"{blogin.blogin.base_url}/login", data=ADMIN).status_code == 302
        provider.trust(admin.get(f"{blogin.blogin.base_url}/settings/sso/metadata.xml").text)
        assert configure(admin, blogin, provider.metadata()).status_code == 302
    return provider


@pytest.fixture(scope="module")
def token(blogin: Sandbox) -> str:
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


def test_browsers_finishing_the_same_first_sign_in_together_end_as_one_user(
    blogin: Sandbox, idp: TestIdentityProvider
) -> None:
    for round_number in range(ROUNDS):
        email = f"twins{round_number}@acme.example"
        browsers = [Browser(blogin, sign_in_response(idp, blogin, email, f"Twin{n}")) for n in range(BROWSERS)]
        try:
            answers = together(*(browser.finish_sign_in for browser in browsers))
            # Every browser is signed in: the ACS answered with its redirect, never an error page.
            assert [answer.status_code for answer in answers] == [303] * BROWSERS, [a.text for a in answers]
            [user] = users_named(blogin, email)
            assert user.source == "JIT"
            for browser in browsers:
                assert email in browser.profile()
        finally:
            for browser in browsers:
                browser.close()
        # One account was created, and the audit log says so once; every browser's sign-in is in it.
        assert len(events(blogin, "user_created_jit", email)) == 1
        logins = events(blogin, "user_login", email)
        assert len(logins) == BROWSERS
        assert {event["detail"]["user_id"] for event in logins} == {user.id}


def test_a_sign_in_racing_a_scim_create_of_the_same_user_name(
    blogin: Sandbox, idp: TestIdentityProvider, token: str
) -> None:
    outcomes: set[str] = set()
    for round_number in range(ROUNDS * 2):
        email = f"racer{round_number}@acme.example"
        browser = Browser(blogin, sign_in_response(idp, blogin, email, "Jit"))
        try:
            signed_in, created = together(
                browser.finish_sign_in, partial(scim, blogin, token, "POST", "/Users", scim_user(email))
            )
            assert signed_in.status_code == 303, signed_in.text
            [user] = users_named(blogin, email)
            # The browser is signed in as the one user there is, whoever made it.
            assert email in browser.profile()
        finally:
            browser.close()
        if created.status_code == 201:
            # SCIM won: the sign-in found its user and created none.
            assert created.json()["id"] == user.id
            assert user.source == "SCIM"
            assert events(blogin, "user_created_jit", email) == []
            outcomes.add("scim first")
        else:
            # The sign-in won: SCIM is told the userName is taken, as RFC 7644 says.
            assert created.status_code == 409, created.text
            assert created.headers["content-type"].startswith(SCIM_TYPE)
            assert created.json()["scimType"] == "uniqueness"
            assert "Traceback" not in created.text
            assert user.source == "JIT"
            assert len(events(blogin, "user_created_jit", email)) == 1
            assert events(blogin, "scim_user_created", email) == []
            outcomes.add("sign-in first")
    assert outcomes


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_sign_in_racing_a_scim_rename_to_the_same_user_name(
    blogin: Sandbox, idp: TestIdentityProvider, token: str, method: str
) -> None:
    for round_number in range(ROUNDS):
        email = f"renamed-{method.lower()}{round_number}@acme.example"
        made = scim(blogin, token, "POST", "/Users", scim_user(f"before-{method.lower()}{round_number}"))
        assert made.status_code == 201, made.text
        user_id = made.json()["id"]
        if method == "PUT":
            body = scim_user(email)
        else:
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "userName", "value": email}],
            }
        browser = Browser(blogin, sign_in_response(idp, blogin, email, "Jit"))
        try:
            signed_in, renamed = together(
                browser.finish_sign_in,
                partial(scim, blogin, token, method, f"/Users/{user_id}", body),
            )
            assert signed_in.status_code == 303, signed_in.text
            [user] = users_named(blogin, email)
            assert email in browser.profile()
        finally:
            browser.close()
        if renamed.status_code == 200:
            assert user.id == user_id
            assert events(blogin, "user_created_jit", email) == []
        else:
            assert renamed.status_code == 409, renamed.text
            assert renamed.json()["scimType"] == "uniqueness"
            assert user.source == "JIT"


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


def while_created_elsewhere(
    sandbox: Sandbox, user_name: str, source: str, request: Callable[[], Any]
) -> tuple[Any, str]:
    """Run ``request`` while another transaction has created ``user_name`` but not yet committed it; commit
    that transaction once the request waits for it. The request's result, and the other user's id.

    This is the moment a race is lost: the request's look-up found the userName free, and its write
    meets the other transaction's row on the unique index.
    """
    results: list[Any] = []
    with sandbox.blogin.database.sessions() as other:
        user = User(user_name=user_name, user_name_key=user_name.lower(), email=user_name, source=source)
        other.add(user)
        other.flush()
        thread = threading.Thread(target=lambda: results.append(request()))
        thread.start()
        assert waits_for_a_lock(sandbox)
        other.commit()
        thread.join(timeout=30)
    [result] = results
    return result, user.id


def test_a_scim_create_that_meets_a_user_name_just_taken_answers_409(blogin: Sandbox, token: str) -> None:
    created, _ = while_created_elsewhere(
        blogin,
        "taken@acme.example",
        "JIT",
        lambda: scim(blogin, token, "POST", "/Users", scim_user("TAKEN@acme.example")),
    )
    assert created.status_code == 409, created.text
    assert created.headers["content-type"].startswith(SCIM_TYPE)
    assert created.json()["scimType"] == "uniqueness"
    assert "already exists" in created.json()["detail"]
    assert len(users_named(blogin, "taken@acme.example")) == 1
    assert events(blogin, "scim_user_created", "TAKEN@acme.example") == []


def test_a_first_sign_in_that_meets_its_user_just_created_signs_in_as_that_user(
    blogin: Sandbox, idp: TestIdentityProvider
) -> None:
    email = "arriving@acme.example"
    browser = Browser(blogin, sign_in_response(idp, blogin, email, "Arriving"))
    try:
        signed_in, user_id = while_created_elsewhere(blogin, email, "SCIM", browser.finish_sign_in)
        assert signed_in.status_code == 303, signed_in.text
        assert email in browser.profile()
    finally:
        browser.close()
    [user] = users_named(blogin, email)
    assert (user.id, user.source, user.given_name) == (user_id, "SCIM", "Arriving")
    # Nothing was created by the sign-in; it updated the user from the assertion and signed them in.
    assert events(blogin, "user_created_jit", email) == []
    assert [event["detail"]["user_id"] for event in events(blogin, "user_updated_jit", email)] == [user_id]
    assert [event["detail"]["user_id"] for event in events(blogin, "user_login", email)] == [user_id]


def accounts_with_email(sandbox: Sandbox, email: str) -> list[User]:
    with sandbox.blogin.database.sessions() as session:
        return list(session.scalars(select(User).where(User.email == email)))


def test_a_sign_in_racing_a_scim_create_of_the_same_person_under_another_user_name(
    blogin: Sandbox, idp: TestIdentityProvider, token: str
) -> None:
    """JIT names a person by their email, JumpCloud by its own username: one person, never two accounts."""
    for round_number in range(ROUNDS * 2):
        email = f"linked{round_number}@acme.example"
        body = scim_user(f"linked{round_number}", emails=[{"value": email, "primary": True}])
        browser = Browser(blogin, sign_in_response(idp, blogin, email, "Jit"))
        try:
            signed_in, created = together(browser.finish_sign_in, partial(scim, blogin, token, "POST", "/Users", body))
            assert signed_in.status_code == 303, signed_in.text
            assert created.status_code == 201, created.text
            [account] = accounts_with_email(blogin, email)
            # Either the create came first and the sign-in found it by email, or the sign-in made the account
            # and the create linked it: the same account either way, now SCIM's.
            assert created.json()["id"] == account.id
            assert (account.user_name, account.source) == (f"linked{round_number}", "SCIM")
            assert f"linked{round_number}" in browser.profile()
        finally:
            browser.close()


def test_a_scim_create_waits_for_a_sign_in_creating_the_same_person(blogin: Sandbox, token: str) -> None:
    email = "waiting@acme.example"
    body = scim_user("waiting", emails=[{"value": email, "primary": True}])
    results: list[httpx.Response] = []
    with blogin.blogin.database.sessions() as sign_in:
        # A sign-in in the middle of its JIT creation: it holds the claim on the email and has written the user.
        sign_in.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"blogin.users:{email}"})
        jit = User(user_name=email, user_name_key=email, email=email, source="JIT")
        sign_in.add(jit)
        sign_in.flush()
        thread = threading.Thread(target=lambda: results.append(scim(blogin, token, "POST", "/Users", body)))
        thread.start()
        assert waits_for_a_lock(blogin)
        sign_in.commit()
        thread.join(timeout=30)
    [created] = results
    # The create saw the account the sign-in made, and linked it rather than making a second one.
    assert created.status_code == 201, created.text
    assert created.json()["id"] == jit.id
    [account] = accounts_with_email(blogin, email)
    assert (account.user_name, account.source, account.linked_from) == ("waiting", "SCIM", "JIT")
    assert len(events(blogin, "scim_user_linked", "waiting")) == 1
