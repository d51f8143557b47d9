"""Error pages at the addresses an end user opens (the User Console, the IdP's /saml2/…) keep the User
Console's look and lead back to it; the Admin Portal's error pages keep the portal's navigation."""

from __future__ import annotations

import re

import httpx
import pytest

from sandbox.http import http_client

ADMIN_NAVIGATION = ('aria-label="Admin Portal"', ">USER MANAGEMENT<", ">Directory Insights<")


@pytest.fixture(scope="module")
def browser() -> httpx.Client:
    """An end user's browser: no Admin Portal sign-in."""
    with http_client(follow_redirects=False) as client:
        yield client


def _body(page: httpx.Response) -> str:
    return page.text.split("<body", 1)[1]


def _assert_user_console_error(page: httpx.Response, code: int) -> None:
    assert page.status_code == code
    body = _body(page)
    assert 'class="console-bar"' in body
    for admin_only in ADMIN_NAVIGATION:
        assert admin_only not in body
    assert "Back to the Admin Portal" not in body
    back = re.search(r'<a class="btn[^"]*" href="([^"]+)">Back to the User Console</a>', body)
    assert back is not None and back.group(1) == "/userconsole"


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/userconsole/no-such-page", 404),
        ("GET", "/userconsole/logout", 405),
        ("GET", "/saml2/no-such-app/metadata/extra", 404),
        ("POST", "/saml2/any-app/continue", 405),
        ("GET", "/saml2", 404),
    ],
)
def test_an_end_user_meets_the_user_consoles_error_page(
    browser: httpx.Client, base: str, method: str, path: str, code: int
) -> None:
    page = browser.request(method, f"{base}{path}")
    _assert_user_console_error(page, code)
    if code == 405:
        assert "has no page of its own" in page.text and "Admin Portal" not in _body(page)


def test_the_way_back_leads_to_the_user_console(browser: httpx.Client, base: str) -> None:
    page = browser.get(f"{base}/userconsole/no-such-page")
    _assert_user_console_error(page, 404)
    back = browser.get(f"{base}/userconsole")
    # Not signed in: the User Console asks for the user's own login, not the administrator's.
    assert back.status_code == 302 and back.headers["location"] == "/userconsole/login"


def test_an_admin_signed_in_still_sees_the_user_consoles_error_page_there(admin: httpx.Client, base: str) -> None:
    _assert_user_console_error(admin.get(f"{base}/userconsole/no-such-page"), 404)


def test_admin_portal_error_pages_keep_the_portal_navigation(admin: httpx.Client, base: str) -> None:
    for path, code in (("/users/no-such-user", 404), ("/no-such-page", 404), ("/logout", 405)):
        page = admin.get(f"{base}{path}")
        assert page.status_code == code
        assert 'aria-label="Admin Portal"' in page.text and "Back to the Admin Portal" in page.text
        assert 'class="console-bar"' not in page.text and "Back to the User Console" not in page.text
    # Paths that only begin like the User Console's are the portal's.
    page = admin.get(f"{base}/userconsoles")
    assert page.status_code == 404 and 'aria-label="Admin Portal"' in page.text
