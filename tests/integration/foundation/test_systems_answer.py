"""Both systems come up on loopback with their login pages and sandbox accounts."""

from __future__ import annotations

import httpx

from sandbox.app import Sandbox
from tests.conftest import sign_in_blogin_admin, sign_in_jumpcloud_admin


def test_jumpcloud_login_page_names_the_sandbox_account(sandbox: Sandbox, client: httpx.Client) -> None:
    response = client.get(f"{sandbox.jumpcloud.base_url}/")
    assert response.status_code == 302
    page = client.get(f"{sandbox.jumpcloud.base_url}{response.headers['location']}")
    assert "Admin Portal" in page.text
    assert "admin@example.com" in page.text


def test_jumpcloud_admin_signs_in_and_sees_navigation(sandbox: Sandbox, client: httpx.Client) -> None:
    sign_in_jumpcloud_admin(client, sandbox)
    home = client.get(f"{sandbox.jumpcloud.base_url}/")
    assert home.status_code == 200
    for words in (
        "USER MANAGEMENT",
        "Users",
        "User Groups",
        "USER AUTHENTICATION",
        "SSO Applications",
        "Directory Insights",
        "Settings",
    ):
        assert words in home.text


def test_wrong_jumpcloud_password_is_named(sandbox: Sandbox, client: httpx.Client) -> None:
    response = client.post(
        f"{sandbox.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "nope"}
    )
    assert response.status_code == 401
    assert "Incorrect email or password" in response.text
    assert client.get(f"{sandbox.jumpcloud.base_url}/").status_code == 302


def test_blogin_admin_signs_in_and_reaches_user_authentication(sandbox: Sandbox, client: httpx.Client) -> None:
    sign_in_blogin_admin(client, sandbox)
    page = client.get(f"{sandbox.blogin.base_url}/settings/user-authentication")
    assert page.status_code == 200
    assert "Configure SSO &amp; User provisioning" in page.text


def test_wrong_blogin_password_is_named(sandbox: Sandbox, client: httpx.Client) -> None:
    response = client.post(
        f"{sandbox.blogin.base_url}/login", data={"email": "admin@acme.example", "password": "wrong"}
    )
    assert response.status_code == 401
    assert "Incorrect email or password" in response.text


def test_admin_login_link_signs_in_once(sandbox: Sandbox, client: httpx.Client) -> None:
    link = sandbox.jumpcloud.admin_login_link()
    assert client.get(link).headers["location"] == "/"
    assert client.get(f"{sandbox.jumpcloud.base_url}/").status_code == 200
    client.post(f"{sandbox.jumpcloud.base_url}/logout")
    again = client.get(link)
    assert again.headers["location"].startswith("/login")


def test_unknown_page_is_an_html_error_not_a_traceback(sandbox: Sandbox, client: httpx.Client) -> None:
    response = client.get(f"{sandbox.blogin.base_url}/no/such/page")
    assert response.status_code == 404
    assert "Traceback" not in response.text
    assert "Not Found" in response.text
