"""BlogIn on PostgreSQL when a SCIM change gives a user the email of a person signing in for the first time.

JIT names a new person by their email; a provisioning client may change an existing user's email (or userName)
to that address at the same moment. Whoever is decided first, one account remains for the person: the sign-in
finds the user SCIM just changed, or the change is refused with 409 uniqueness because the sign-in made the
account first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
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
    PATCH_SCHEMA,
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
    waits_for_a_lock,
)


@pytest.fixture(scope="module")
def blogin(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with blogin_on_postgres(postgres, tmp_path_factory.mktemp("email-races"), "blogin_email_races") as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def idp(blogin: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> TestIdentityProvider:
    return trusted_idp(blogin, tmp_path_factory.mktemp("idp"))


@pytest.fixture(scope="module")
def token(blogin: Sandbox) -> str:
    return scim_token(blogin)


def provisioned(blogin: Sandbox, token: str, user_name: str) -> str:
    """A SCIM user ``user_name`` with an email of its own; its id."""
    made = scim(blogin, token, "POST", "/Users", scim_user(user_name, emails=[{"value": f"{user_name}@old.example"}]))
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def readdress(method: str, user_name: str, email: str) -> dict[str, Any]:
    """A PUT or PATCH body giving the user ``user_name`` the email ``email``."""
    if method == "PUT":
        return scim_user(user_name, emails=[{"value": email, "type": "work", "primary": True}])
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "emails", "value": [{"value": email, "primary": True}]}],
    }


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_sign_in_racing_a_scim_change_of_email_to_the_same_address(
    blogin: Sandbox, idp: TestIdentityProvider, token: str, method: str
) -> None:
    outcomes: set[str] = set()
    for round_number in range(ROUNDS * 2):
        user_name = f"moving-{method.lower()}{round_number}"
        email = f"{user_name}@new.example"
        user_id = provisioned(blogin, token, user_name)
        browser = Browser(blogin, sign_in_response(idp, blogin, email, "Jit"))
        try:
            signed_in, changed = together(
                browser.finish_sign_in,
                partial(scim, blogin, token, method, f"/Users/{user_id}", readdress(method, user_name, email)),
            )
            assert signed_in.status_code == 303, signed_in.text
            # One account has the address, whoever was first.
            [account] = accounts_with_email(blogin, email)
            profile = browser.profile()
        finally:
            browser.close()
        if changed.status_code == 200:
            # The change came first: the sign-in found the SCIM user by email and created nobody.
            assert account.id == user_id
            assert f"<bdi>{user_name}</bdi>" in profile
            assert events(blogin, "user_created_jit", email) == []
            outcomes.add("change first")
        else:
            # The sign-in came first: the change is refused, the SCIM user keeps its address.
            assert changed.status_code == 409, changed.text
            assert changed.headers["content-type"].startswith(SCIM_TYPE)
            assert changed.json()["scimType"] == "uniqueness"
            assert account.source == "JIT" and account.id != user_id
            assert email in profile
            [kept] = accounts_with_email(blogin, f"{user_name}@old.example")
            assert kept.id == user_id
            outcomes.add("sign-in first")
    assert outcomes


def test_an_email_change_waits_for_a_sign_in_creating_the_person_and_is_refused(blogin: Sandbox, token: str) -> None:
    user_name = "latecomer"
    email = "latecomer@new.example"
    user_id = provisioned(blogin, token, user_name)
    results: list[httpx.Response] = []
    with blogin.blogin.database.sessions() as sign_in:
        # A sign-in in the middle of its JIT creation: it holds the claim on the email and has written the user.
        sign_in.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"blogin.users:{email}"})
        jit = User(user_name=email, user_name_key=email, email=email, source="JIT")
        sign_in.add(jit)
        sign_in.flush()
        change = readdress("PATCH", user_name, email)
        thread = threading.Thread(
            target=lambda: results.append(scim(blogin, token, "PATCH", f"/Users/{user_id}", change))
        )
        thread.start()
        # The change takes its turn after the sign-in instead of writing beside it.
        assert waits_for_a_lock(blogin)
        sign_in.commit()
        thread.join(timeout=30)
    [changed] = results
    assert changed.status_code == 409, changed.text
    assert changed.json()["scimType"] == "uniqueness"
    assert f"DELETE /Users/{jit.id}" in changed.json()["detail"]
    assert [account.id for account in accounts_with_email(blogin, email)] == [jit.id]


def test_a_rename_waits_for_a_sign_in_creating_the_person_and_is_refused(blogin: Sandbox, token: str) -> None:
    user_name = "renamer"
    email = "renamer@new.example"
    user_id = provisioned(blogin, token, user_name)
    results: list[httpx.Response] = []
    with blogin.blogin.database.sessions() as sign_in:
        sign_in.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"blogin.users:{email}"})
        sign_in.add(User(user_name=email, user_name_key=email, email=email, source="JIT"))
        sign_in.flush()
        body = scim_user(email.upper(), emails=[{"value": f"{user_name}@old.example"}])
        thread = threading.Thread(target=lambda: results.append(scim(blogin, token, "PUT", f"/Users/{user_id}", body)))
        thread.start()
        assert waits_for_a_lock(blogin)
        sign_in.commit()
        thread.join(timeout=30)
    [renamed] = results
    assert renamed.status_code == 409, renamed.text
    assert renamed.json()["scimType"] == "uniqueness"
    assert "already exists" in renamed.json()["detail"]
