"""What someone types into BlogIn's login form that no database can hold (a NUL character, an address longer than
any account's): the login form again, the reason under Email, the attempt in the audit log.

The same checks run on PostgreSQL in ``tests/integration/databases/test_postgresql_values.py``.
"""

from __future__ import annotations

import html
import re

import pytest

from sandbox.app import Sandbox
from sandbox.blogin.web.auth import EMAIL_LENGTH, unusable_email
from sandbox.http import http_client

LONG_EMAIL = "a" * 400 + "@acme.example"


def login_with_unusable_emails(sandbox: Sandbox) -> None:
    """Post the login form with each unusable address; each answer is the form with the reason under Email."""
    base = sandbox.blogin.base_url
    cases = [
        ("admin\x00@acme.example", "admin@acme.example", "contains a NUL character (U+0000)"),
        (LONG_EMAIL, LONG_EMAIL, f"is 413 characters long; a BlogIn account's has at most {EMAIL_LENGTH}."),
    ]
    with http_client(follow_redirects=False) as browser:
        for typed, shown, said in cases:
            answer = browser.post(f"{base}/login", data={"email": typed, "password": "sandbox", "next": "/profile"})
            assert answer.status_code == 400, answer.text
            page = html.unescape(answer.text)
            # The login page itself, not an error page: its form, the address to correct, and why.
            assert "<h1>Log in to Acme</h1>" in page
            assert f'value="{shown}"' in page
            message = re.search(r'<div class="field-error[^"]*" id="email-error"[^>]*>([^<]*)</div>', page)
            assert message is not None and said in message.group(1)
            assert 'aria-invalid="true" aria-describedby="email-error"' in page
            assert '<input type="hidden" name="next" value="/profile">' in page
            # Nobody was signed in.
            assert browser.get(f"{base}/profile").status_code in (302, 303)
    failed = [event.data for event in sandbox.blogin.recent_events(50) if event.event_type == "user_login_failed"]
    # Each attempt is in the audit log as typed, a NUL shown by its symbol (U+2400).
    assert [event["actor"] for event in failed[-2:]] == ["admin\u2400@acme.example", LONG_EMAIL]
    assert "NUL character" in failed[-2]["detail"]["reason"]


def test_the_login_form_says_why_a_typed_address_cannot_be_used(sso_sandbox: Sandbox) -> None:
    login_with_unusable_emails(sso_sandbox)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("ada\x00@acme.example", "NUL character"),
        ("ada\ud800@acme.example", "unpaired surrogate"),
        ("a" * (EMAIL_LENGTH + 1), f"at most {EMAIL_LENGTH}"),
    ],
)
def test_addresses_no_account_can_have(typed: str, said: str) -> None:
    # An unpaired surrogate never arrives through an HTML form (the form's bytes are UTF-8), only from code.
    reason = unusable_email(typed)
    assert reason is not None and said in reason


def test_ordinary_addresses_are_looked_up() -> None:
    assert unusable_email("ada@acme.example") is None
    assert unusable_email("\u00e9lodie@acme.example") is None
    assert unusable_email("a" * EMAIL_LENGTH) is None
