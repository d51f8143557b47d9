"""USER MANAGEMENT › Users through the Admin Portal, over HTTP."""

from __future__ import annotations

import re

import httpx
from lxml import html as lxml_html
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.jumpcloud.models import SystemUser
from sandbox.passwords import verify_password


def new_user(admin: httpx.Client, base: str, username: str, **fields: str) -> httpx.Response:
    data = {"username": username, "email": f"{username}@acme.example", "state": "ACTIVATED", **fields}
    return admin.post(f"{base}/users/new", data=data)


def test_created_user_appears_in_the_list_with_every_field(admin: httpx.Client, base: str, jc_sandbox: Sandbox) -> None:
    response = new_user(
        admin,
        base,
        "grace.h",
        firstname="Grace",
        lastname="Hopper",
        displayname="Amazing Grace",
        jobTitle="Rear Admiral",
        workPhone="+1 555 0100",
        timezone="America/New_York",
        password="cobol-1959",
    )
    assert response.status_code == 302
    page = admin.get(f"{base}{response.headers['location']}")
    assert "User grace.h was created." in page.text
    for shown in ("Amazing Grace", "Rear Admiral", "+1 555 0100", 'value="America/New_York" selected'):
        assert shown in page.text
    listing = admin.get(f"{base}/users", params={"q": "hopper"})
    assert "grace.h@acme.example" in lxml_html.fromstring(listing.text).text_content()
    with jc_sandbox.jumpcloud.database.sessions() as session:
        user = session.scalars(select(SystemUser).where(SystemUser.username == "grace.h")).one()
        assert verify_password("cobol-1959", user.password_hash)
        assert user.password_hash != "cobol-1959"


def test_validation_messages_name_each_field(admin: httpx.Client, base: str) -> None:
    assert new_user(admin, base, "taken.user").status_code == 302
    response = admin.post(
        f"{base}/users/new",
        data={"username": "Taken.User", "email": "taken.user@acme.example", "state": "ACTIVATED"},
    )
    assert response.status_code == 400
    assert "The username Taken.User is already taken." in response.text
    assert "The email taken.user@acme.example is already in use by another user." in response.text
    blank = admin.post(f"{base}/users/new", data={"username": " ", "email": "", "state": "ACTIVATED"})
    assert blank.status_code == 400
    assert "Username is required." in blank.text and "Email is required." in blank.text
    bad = admin.post(
        f"{base}/users/new",
        data={"username": "has space", "email": "not-an-email", "password": "short", "timezone": "Mars/Olympus"},
    )
    assert bad.status_code == 400
    for message in (
        "no spaces",
        "not-an-email is not a valid email address.",
        "The password must be at least 8 characters.",
        "Choose a time zone from the list.",
    ):
        assert message in bad.text
    # What was typed stays in the form.
    assert 'value="has space"' in bad.text
    assert "not-an-email@" not in admin.get(f"{base}/users").text


def test_edit_suspend_and_change_password(admin: httpx.Client, base: str, jc_sandbox: Sandbox) -> None:
    location = new_user(admin, base, "edit.me", firstname="Ed", password="first-password").headers["location"]
    response = admin.post(
        f"{base}{location}",
        data={
            "username": "edit.me",
            "email": "edited@acme.example",
            "firstname": "Edwina",
            "lastname": "Mee",
            "state": "SUSPENDED",
            "timezone": "",
            "password": "second-password",
        },
    )
    assert response.status_code == 302
    page = admin.get(f"{base}{location}")
    assert "User edit.me was saved." in page.text
    assert "Suspended" in page.text and "edited@acme.example" in page.text
    listing = admin.get(f"{base}/users", params={"q": "edit.me"})
    assert "Suspended" in listing.text
    with jc_sandbox.jumpcloud.database.sessions() as session:
        user = session.scalars(select(SystemUser).where(SystemUser.username == "edit.me")).one()
        assert user.state == "SUSPENDED"
        assert verify_password("second-password", user.password_hash)
    # Taking another user's email is refused on edit too.
    new_user(admin, base, "other.one")
    clash = admin.post(f"{base}{location}", data={"username": "edit.me", "email": "other.one@acme.example"})
    assert clash.status_code == 400
    assert "already in use by another user" in clash.text


def test_delete_asks_for_confirmation_first(admin: httpx.Client, base: str) -> None:
    location = new_user(admin, base, "leaving.soon").headers["location"]
    confirm = admin.get(f"{base}{location}/delete")
    assert confirm.status_code == 200
    assert "Are you sure you want to delete" in confirm.text
    assert "leaving.soon" in admin.get(f"{base}/users", params={"q": "leaving"}).text
    done = admin.post(f"{base}{location}/delete")
    assert done.status_code == 302
    assert "User leaving.soon was deleted." in admin.get(f"{base}/users").text
    assert "leaving.soon@" not in admin.get(f"{base}/users", params={"q": "leaving"}).text
    assert admin.get(f"{base}{location}").status_code == 404


def test_list_sorts_searches_and_pages(admin: httpx.Client, base: str) -> None:
    for index in range(30):
        new_user(admin, base, f"pager{index:02d}", lastname=f"Zed{29 - index:02d}")
    first = admin.get(f"{base}/users", params={"q": "pager"})
    assert "1–25 of 30 users" in first.text
    second = admin.get(f"{base}/users", params={"q": "pager", "page": 2})
    assert "26–30 of 30 users" in second.text and "pager29" in second.text
    by_name = admin.get(f"{base}/users", params={"q": "pager", "sort": "name"})
    names = re.findall(r'class="username">(pager\d+)<', by_name.text)
    assert names[0] == "pager29"
    descending = admin.get(f"{base}/users", params={"q": "pager", "sort": "username", "dir": "desc"})
    assert re.findall(r'class="username">(pager\d+)<', descending.text)[0] == "pager29"
    # Wildcards are taken literally, bad page numbers fall back.
    assert "No user matches" in admin.get(f"{base}/users", params={"q": "%_%"}).text
    assert admin.get(f"{base}/users", params={"page": "x", "sort": "nope"}).status_code == 200


def test_users_page_adds_and_removes_groups(admin: httpx.Client, base: str) -> None:
    location = new_user(admin, base, "joiner").headers["location"]
    group_location = admin.post(f"{base}/groups/new", data={"name": "Joiners"}).headers["location"]
    group_id = group_location.rsplit("/", 1)[1]
    page = admin.get(f"{base}{location}")
    assert f'<option value="{group_id}">Joiners</option>' in page.text
    assert admin.post(f"{base}{location}/groups", data={"group_id": group_id}).status_code == 302
    page = admin.get(f"{base}{location}")
    assert "joiner was added to Joiners." in page.text
    assert "/remove" in page.text
    assert "joiner" in admin.get(f"{base}{group_location}").text
    admin.post(f"{base}{location}/groups/{group_id}/remove")
    page = admin.get(f"{base}{location}")
    assert "joiner was removed from Joiners." in page.text
    assert "is not a member of any user group" in page.text


def test_unknown_user_is_a_clear_404_page(admin: httpx.Client, base: str) -> None:
    response = admin.get(f"{base}/users/000000000000000000000000")
    assert response.status_code == 404
    assert "This user does not exist" in response.text
    assert "Traceback" not in response.text


def test_pages_need_an_administrator(jc_sandbox: Sandbox, base: str, client: httpx.Client) -> None:
    for path in ("/users", "/users/new", "/groups", "/settings", "/insights"):
        response = client.get(f"{base}{path}")
        assert response.status_code == 302
        assert response.headers["location"].startswith("/login")
