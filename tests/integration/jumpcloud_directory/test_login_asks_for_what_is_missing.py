"""JumpCloud's Admin Portal and User Console logins submitted with a field left empty ask for it, instead of
calling the attempt incorrect, and Directory Insights records no failed login: nobody tried a password."""

from __future__ import annotations

import html
import re

import pytest

from sandbox.app import Sandbox
from sandbox.http import http_client


def shown(page: str) -> str:
    """The page's text as a reader sees it."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def failed_logins(sandbox: Sandbox, event_type: str) -> int:
    return sum(
        1
        for event in sandbox.jumpcloud.recent_events(500)
        if event.event_type == event_type and event.data.get("success") is False
    )


@pytest.mark.parametrize(
    ("form", "asked"),
    [
        ({"email": "", "password": ""}, "Enter your admin email and password."),
        ({"email": "  ", "password": "sandbox"}, "Enter your admin email."),
        ({"email": "admin@example.com", "password": ""}, "Enter your password."),
    ],
    ids=["both-empty", "email-blank", "password-empty"],
)
def test_the_admin_portal_asks_for_what_is_missing(
    jc_sandbox: Sandbox, base: str, form: dict[str, str], asked: str
) -> None:
    before = failed_logins(jc_sandbox, "admin_login_attempt")
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(f"{base}/login", data=form)
    assert answer.status_code == 400
    text = shown(answer.text)
    assert asked in text
    assert "Incorrect email or password." not in text
    assert failed_logins(jc_sandbox, "admin_login_attempt") == before


@pytest.mark.parametrize(
    ("form", "asked"),
    [
        ({"login": "", "password": ""}, "Enter your email or username and your password."),
        ({"login": " ", "password": "secret"}, "Enter your email or username."),
        ({"login": "ada", "password": ""}, "Enter your password."),
    ],
    ids=["both-empty", "login-blank", "password-empty"],
)
def test_the_user_console_asks_for_what_is_missing(
    jc_sandbox: Sandbox, base: str, form: dict[str, str], asked: str
) -> None:
    before = failed_logins(jc_sandbox, "user_login_attempt")
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(f"{base}/userconsole/login", data=form)
    assert answer.status_code == 400
    text = shown(answer.text)
    assert asked in text
    assert "Incorrect username, email or password." not in text
    assert failed_logins(jc_sandbox, "user_login_attempt") == before


def test_a_wrong_password_is_still_incorrect_and_recorded(jc_sandbox: Sandbox, base: str) -> None:
    before = failed_logins(jc_sandbox, "admin_login_attempt")
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(f"{base}/login", data={"email": "admin@example.com", "password": "wrong"})
    assert answer.status_code == 401
    assert "Incorrect email or password." in shown(answer.text)
    assert failed_logins(jc_sandbox, "admin_login_attempt") == before + 1
