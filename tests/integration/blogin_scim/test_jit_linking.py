"""A person who signed in by SSO/JIT first and is provisioned by SCIM later keeps one BlogIn account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from sandbox.app import Sandbox
from sandbox.blogin import BlogIn
from sandbox.blogin.models import User
from sandbox.events import EventBus
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body
from tests.integration.blogin_sso.conftest import configure, post_to_acs, sp
from tests.integration.blogin_sso.idp import TestIdentityProvider


@pytest.fixture(scope="module")
def idp(running: Sandbox, admin: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> TestIdentityProvider:
    """An IdP BlogIn trusts, with JIT provisioning On."""
    from sandbox.saml.keys import generate_key_pair

    provider = TestIdentityProvider(tmp_path_factory.mktemp("idp"), generate_key_pair("Test IdP"))
    provider.trust(admin.get(f"{running.blogin.base_url}/settings/sso/metadata.xml").text)
    assert configure(admin, running, provider.metadata()).status_code == 302
    return provider


def sso_sign_in(browser: httpx.Client, running: Sandbox, idp: TestIdentityProvider, email: str) -> None:
    """Sign ``browser`` in to BlogIn with an IdP-initiated SAML response naming ``email``."""
    attributes = {"email": [email], "firstname": ["Ada"], "lastname": ["Lovelace"]}
    target = sp(running)
    saml_response = idp.signed_response(
        email=email, attributes=attributes, sp_entity_id=target["sp_entity_id"], acs_url=target["acs_url"]
    )
    answer = post_to_acs(browser, running, saml_response)
    assert answer.status_code == 303, answer.text


def accounts_with_email(running: Sandbox, email: str) -> list[User]:
    with running.blogin.database.sessions() as session:
        return list(session.scalars(select(User).where(func.lower(User.email) == email.lower())))


def test_scim_create_links_the_account_jit_made(
    running: Sandbox, idp: TestIdentityProvider, scim: Scim, admin: httpx.Client
) -> None:
    with http_client(follow_redirects=False) as browser:
        sso_sign_in(browser, running, idp, "ada.link@example.org")
    [jit_account] = accounts_with_email(running, "ada.link@example.org")
    assert (jit_account.source, jit_account.user_name) == ("JIT", "ada.link@example.org")

    # JumpCloud looks the person up by its own username, misses, and creates.
    assert scim.get("/Users", params={"filter": 'userName eq "ada"'}).json()["totalResults"] == 0
    body = user_body("ada", emails=[{"value": "Ada.Link@Example.org", "type": "work", "primary": True}])
    created = scim.post("/Users", body)

    assert created.status_code == 201, created.text
    resource = created.json()
    assert resource["id"] == jit_account.id
    assert resource["userName"] == "ada" and resource["externalId"] == body["externalId"]
    assert resource["name"]["familyName"] == "Tester"
    assert created.headers["Location"].endswith(f"/Users/{jit_account.id}")
    [linked] = accounts_with_email(running, "ada.link@example.org")
    assert (linked.id, linked.source, linked.linked_from, linked.role) == (
        jit_account.id,
        "SCIM",
        "JIT",
        jit_account.role,
    )
    # The next lookup by userName finds it: no second account on the next sync.
    assert scim.get("/Users", params={"filter": 'userName eq "ada"'}).json()["Resources"][0]["id"] == jit_account.id

    last = running.blogin.recent_events(1)[-1]
    assert last.event_type == "scim_user_linked"
    assert last.summary == "SCIM linked the SSO/JIT account ada.link@example.org to userName ada"

    users_page = admin.get(f"{running.blogin.base_url}/users", params={"q": "ada"})
    assert users_page.status_code == 200
    assert "linked from an SSO / JIT account" in users_page.text

    # Signing in by SSO again reaches the same, linked account.
    with http_client(follow_redirects=False) as browser:
        sso_sign_in(browser, running, idp, "ada.link@example.org")
        profile = browser.get(f"{running.blogin.base_url}/profile")
    assert profile.status_code == 200
    assert "<td><bdi>ada</bdi></td>" in profile.text and "<td>SCIM</td>" in profile.text
    assert [u.id for u in accounts_with_email(running, "ada.link@example.org")] == [jit_account.id]


def test_other_email_clashes_create_a_separate_account(running: Sandbox, scim: Scim) -> None:
    with running.blogin.database.transaction() as session:
        session.add(
            User(user_name="by.hand@example.org", user_name_key="by.hand@example.org", email="by.hand@example.org")
        )
    created = scim.post(
        "/Users", user_body("byhand", emails=[{"value": "by.hand@example.org", "type": "work", "primary": True}])
    )
    assert created.status_code == 201, created.text
    accounts = accounts_with_email(running, "by.hand@example.org")
    assert sorted(u.source for u in accounts) == ["SCIM", "manual"]
    assert all(u.linked_from is None for u in accounts)


def test_two_jit_accounts_with_the_email_are_not_guessed_between(running: Sandbox, scim: Scim) -> None:
    with running.blogin.database.transaction() as session:
        for name in ("twin@example.org", "twin.alias@example.org"):
            session.add(User(user_name=name, user_name_key=name, email="twin@example.org", source="JIT"))
    created = scim.post("/Users", user_body("twin", emails=[{"value": "twin@example.org", "primary": True}]))
    assert created.status_code == 201, created.text
    assert sorted(u.source for u in accounts_with_email(running, "twin@example.org")) == ["JIT", "JIT", "SCIM"]


def test_a_data_folder_from_before_linking_opens_with_the_new_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'blogin.sqlite'}"
    first = BlogIn(url, EventBus())
    first.open()
    with first.database.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_users_email_key"))
        connection.execute(text("ALTER TABLE users DROP COLUMN linked_from"))
    first.close()

    again = BlogIn(url, EventBus())
    again.open()
    try:
        with again.database.engine.connect() as connection:
            columns = {row[1] for row in connection.execute(text("PRAGMA table_info(users)"))}
            indexes = {row[1] for row in connection.execute(text("PRAGMA index_list(users)"))}
        assert "linked_from" in columns and "ix_users_email_key" in indexes
        assert again.user_directory()
    finally:
        again.close()


def replace_emails(email: str) -> list[dict[str, Any]]:
    return [{"op": "replace", "path": "emails", "value": [{"value": email}]}]


def test_an_email_change_onto_an_account_sso_made_is_refused(running: Sandbox, scim: Scim) -> None:
    """A change cannot merge two accounts: giving a user the email of a person SSO/JIT signed in is a 409."""
    with running.blogin.database.transaction() as session:
        jit = User(
            user_name="Jo.Jit@example.org", user_name_key="jo.jit@example.org", email="Jo.Jit@example.org", source="JIT"
        )
        session.add(jit)
    made = scim.post("/Users", user_body("jo", emails=[{"value": "jo@elsewhere.example", "primary": True}]))
    assert made.status_code == 201, made.text
    user_id = made.json()["id"]

    for sent, answer in (
        ("JO.JIT@example.org", scim.patch(f"/Users/{user_id}", replace_emails("JO.JIT@example.org"))),
        (
            "jo.jit@example.org",
            scim.put(f"/Users/{user_id}", user_body("jo", emails=[{"value": "jo.jit@example.org"}])),
        ),
    ):
        body = assert_scim_error(answer, 409, "uniqueness")
        assert body["detail"] == (
            f"The email '{sent}' belongs to the BlogIn account 'Jo.Jit@example.org' (id {jit.id}), which single "
            "sign-on created at the person's first sign-in; BlogIn keeps one account per person. Delete that "
            f"account (DELETE /Users/{jit.id}) or give this user another email."
        )
    assert [u.id for u in accounts_with_email(running, "jo.jit@example.org")] == [jit.id]
    assert scim.get(f"/Users/{user_id}").json()["emails"][0]["value"] == "jo@elsewhere.example"

    # Once the SSO account is gone the address is free.
    assert scim.delete(f"/Users/{jit.id}").status_code == 204
    moved = scim.patch(f"/Users/{user_id}", replace_emails("jo.jit@example.org"))
    assert moved.status_code == 200, moved.text
    assert [u.id for u in accounts_with_email(running, "jo.jit@example.org")] == [user_id]


def test_an_email_change_onto_an_account_made_by_hand_is_kept_apart(running: Sandbox, scim: Scim) -> None:
    with running.blogin.database.transaction() as session:
        session.add(User(user_name="hand.made", user_name_key="hand.made", email="hand.made@example.org"))
    made = scim.post("/Users", user_body("handy", emails=[{"value": "handy@example.org", "primary": True}]))
    changed = scim.patch(f"/Users/{made.json()['id']}", replace_emails("hand.made@example.org"))
    # As for a create: only accounts single sign-on made are the same person; others stay separate.
    assert changed.status_code == 200, changed.text
    assert sorted(u.source for u in accounts_with_email(running, "hand.made@example.org")) == ["SCIM", "manual"]
