"""BlogIn on PostgreSQL when two requests create the same user at the same moment.

Two browsers finishing their first SSO sign-in for the same new person, or a sign-in's JIT creation and a
SCIM create or rename of the same userName: each request is released together with the others against the
real server, and the one that loses the race on the unique userName must still end well.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from tests.integration.blogin_sso.idp import TestIdentityProvider
from tests.integration.databases.postgresql import PostgresServer
from tests.integration.databases.races import (
    BROWSERS,
    ROUNDS,
    SCIM_TYPE,
    Browser,
    accounts_with_email,
    blogin_on_postgres,
    events,
    scim,
    scim_token,
    scim_user,
    sign_in_response,
    together,
    trusted_idp,
    users_named,
    waits_for_a_lock,
)


@pytest.fixture(scope="module")
def blogin(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with blogin_on_postgres(postgres, tmp_path_factory.mktemp("races"), "blogin_races") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def idp(blogin: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> TestIdentityProvider:
    return trusted_idp(blogin, tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def token(blogin: Sandbox) -> str:
    return scim_token(blogin)


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
