"""BlogIn's login page submitted with a field left empty asks for it, instead of calling the attempt incorrect,
and records no failed sign-in: nobody tried a password."""

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


def failed_sign_ins(sandbox: Sandbox) -> int:
    return sum(1 for event in sandbox.blogin.recent_events(500) if event.event_type == "user_login_failed")


@pytest.mark.parametrize(
    ("form", "asked", "not_asked"),
    [
        ({"email": "", "password": ""}, ["Enter your email address.", "Enter your password."], []),
        ({"email": "   ", "password": "sandbox"}, ["Enter your email address."], ["Enter your password."]),
        ({"email": "admin@acme.example", "password": ""}, ["Enter your password."], ["Enter your email address."]),
    ],
    ids=["both-empty", "email-blank", "password-empty"],
)
def test_an_empty_field_is_asked_for(
    sso_sandbox: Sandbox, form: dict[str, str], asked: list[str], not_asked: list[str]
) -> None:
    before = failed_sign_ins(sso_sandbox)
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(f"{sso_sandbox.blogin.base_url}/login", data=form)
    assert answer.status_code == 400
    text = shown(answer.text)
    assert "Incorrect email or password." not in text
    for words in asked:
        assert words in text
    for words in not_asked:
        assert words not in text
    # Each message is tied to its field, so a screen reader reads it with the field.
    if "Enter your password." in asked:
        assert re.search(r'name="password"[^>]*aria-invalid="true" aria-describedby="password-error"', answer.text)
    if "Enter your email address." in asked:
        assert re.search(r'name="email"[^>]*aria-invalid="true" aria-describedby="email-error"', answer.text)
    # The typed address stays in the form.
    if form["email"].strip():
        assert f'value="{form["email"]}"' in answer.text
    assert failed_sign_ins(sso_sandbox) == before


def test_a_wrong_password_is_still_incorrect_and_recorded(sso_sandbox: Sandbox) -> None:
    before = failed_sign_ins(sso_sandbox)
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(
            f"{sso_sandbox.blogin.base_url}/login", data={"email": "admin@acme.example", "password": "wrong"}
        )
    assert answer.status_code == 401
    assert "Incorrect email or password." in shown(answer.text)
    assert failed_sign_ins(sso_sandbox) == before + 1
