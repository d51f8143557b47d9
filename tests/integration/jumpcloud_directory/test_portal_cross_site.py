"""A form another site makes the administrator's browser post changes nothing in the Admin Portal."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.models import SystemUser

FOREIGN = {"Origin": "http://attacker.example"}


def _usernames(sandbox: Sandbox) -> set[str]:
    with sandbox.jumpcloud.database.sessions() as session:
        return set(session.scalars(select(SystemUser.username)))


def test_a_forged_form_is_refused_with_a_page_saying_so(admin: httpx.Client, base: str, jc_sandbox: Sandbox) -> None:
    data = {"username": "forged.user", "email": "forged.user@acme.example", "state": "ACTIVATED"}
    forged = admin.post(f"{base}/users/new", data=data, headers=FOREIGN)
    assert forged.status_code == 403
    assert "This form was sent from another site, so nothing was changed." in forged.text
    assert "Back to the Admin Portal" in forged.text
    assert "forged.user" not in _usernames(jc_sandbox)
    # The same form from the portal's own page (its browser names the portal as the origin) is saved.
    own = admin.post(f"{base}/users/new", data=data, headers={"Origin": base})
    assert own.status_code == 302
    assert "forged.user" in _usernames(jc_sandbox)
    # Pages still open from a link on another site.
    assert admin.get(f"{base}/users", headers=FOREIGN).status_code == 200


def test_a_forged_delete_and_sign_out_change_nothing(admin: httpx.Client, base: str, jc_sandbox: Sandbox) -> None:
    location = admin.post(f"{base}/users/new", data={"username": "kept.user", "email": "kept.user@acme.example"})
    user_path = location.headers["location"]
    assert admin.post(f"{base}{user_path}/delete", headers=FOREIGN).status_code == 403
    assert "kept.user" in _usernames(jc_sandbox)
    assert admin.post(f"{base}/logout", headers=FOREIGN).status_code == 403
    assert admin.get(f"{base}/users").status_code == 200


def test_a_forged_sign_in_is_refused(base: str) -> None:
    with http_client(follow_redirects=False) as browser:
        credentials = {"email": "admin@example.com", "password": "sandbox"}
        forged = browser.post(f"{base}/login", data=credentials, headers=FOREIGN)
        assert forged.status_code == 403
        assert browser.get(f"{base}/users").status_code == 302
        assert browser.post(f"{base}/login", data=credentials, headers={"Origin": base}).status_code == 302


def test_a_forged_user_console_sign_in_is_refused_and_the_console_names_itself(base: str) -> None:
    with http_client(follow_redirects=False) as browser:
        credentials = {"login": "nobody@example.com", "password": "wrong"}
        forged = browser.post(f"{base}/userconsole/login", data=credentials, headers=FOREIGN)
        assert forged.status_code == 403
        assert "This form was sent from another site, so nothing was changed." in forged.text
        # From the console's own page the same form is judged on its credentials.
        assert browser.post(f"{base}/userconsole/login", data=credentials, headers={"Origin": base}).status_code == 401
        page = browser.get(f"{base}/userconsole/login").text
        assert "<title>User Console login · JumpCloud User Console</title>" in page
