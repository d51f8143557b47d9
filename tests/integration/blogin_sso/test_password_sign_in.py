"""Password sign-in at BlogIn's /login while single sign-on is on: only administrators can bypass SSO."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.http import http_client
from sandbox.passwords import hash_password
from tests.integration.blogin_sso.conftest import ADMIN, configure
from tests.integration.blogin_sso.idp import TestIdentityProvider

READER = {"email": "rita.reader@acme.example", "password": "Correct-Horse-9"}
WRITER = {"email": "walt.writer@acme.example", "password": "Correct-Horse-9"}
SSO_REQUIRED = "Acme logs in to BlogIn with single sign-on."


@pytest.fixture(scope="module", autouse=True)
def members(sso_sandbox: Sandbox) -> None:
    """Two members with BlogIn passwords (as SCIM password synchronization gives them), neither an administrator."""
    with sso_sandbox.blogin.database.transaction() as session:
        for person, role in ((READER, "Reader"), (WRITER, "Writer")):
            email = person["email"]
            session.add(
                User(
                    user_name=email,
                    user_name_key=email,
                    email=email,
                    role=role,
                    source="SCIM",
                    password_hash=hash_password(person["password"]),
                )
            )


@pytest.fixture
def sso(admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> Iterator[None]:
    """SINGLE SIGN-ON STATUS On for the test, Off again after it."""
    assert configure(admin, sso_sandbox, idp.metadata()).status_code == 302
    yield
    assert configure(admin, sso_sandbox, None, enabled=None).status_code == 302


def log_in(sandbox: Sandbox, form: dict[str, str]) -> httpx.Response:
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(f"{sandbox.blogin.base_url}/login", data={**form, "next": "/profile"})
        if answer.status_code == 302:
            # Signed in for real: the page asked for opens.
            assert browser.get(f"{sandbox.blogin.base_url}/profile").status_code == 200
        return answer


def refusals(sandbox: Sandbox, actor: str) -> list[dict[str, object]]:
    return [
        dict(event.data)
        for event in sandbox.blogin.recent_events(200)
        if event.event_type == "user_login_failed" and event.data.get("actor") == actor
    ]


def test_a_member_with_a_password_is_sent_to_sso_while_it_is_on(sso: None, sso_sandbox: Sandbox) -> None:
    before = len(refusals(sso_sandbox, READER["email"]))
    answer = log_in(sso_sandbox, READER)
    assert answer.status_code == 403
    page = html.unescape(answer.text)
    assert SSO_REQUIRED in page
    assert "only BlogIn administrators can log in with a password" in page
    assert "Log in with SSO</a>" in page and "/sso/saml/login?next=/profile" in page
    assert "Incorrect email or password." not in page
    assert "Signed in as" not in page
    # The refusal is in BlogIn's audit log, with the method and the reason.
    events = refusals(sso_sandbox, READER["email"])
    assert len(events) == before + 1
    event = events[-1]
    assert event["success"] is False
    assert event["detail"] == {
        "method": "password",
        "reason": "Single sign-on is on; only administrators can bypass SSO with a password",
        "role": "Reader",
    }
    assert "must log in with SSO" in str(event["summary"])


def test_every_role_short_of_administrator_is_sent_to_sso(sso: None, sso_sandbox: Sandbox) -> None:
    answer = log_in(sso_sandbox, WRITER)
    assert answer.status_code == 403
    assert SSO_REQUIRED in html.unescape(answer.text)


def test_the_same_member_signs_in_with_the_password_once_sso_is_off(sso_sandbox: Sandbox) -> None:
    with http_client() as browser:
        page = browser.get(f"{sso_sandbox.blogin.base_url}/login").text
    assert "Log in with SSO" not in page
    assert "Administrators only" not in page
    answer = log_in(sso_sandbox, READER)
    assert answer.status_code == 302
    assert answer.headers["location"] == "/profile"


def test_an_administrator_bypasses_sso_with_the_password(sso: None, sso_sandbox: Sandbox) -> None:
    answer = log_in(sso_sandbox, ADMIN)
    assert answer.status_code == 302
    assert answer.headers["location"] == "/profile"


def test_the_desktop_sign_in_link_still_opens_the_admin_console_while_sso_is_on(
    sso: None, sso_sandbox: Sandbox
) -> None:
    with http_client(follow_redirects=False) as browser:
        answer = browser.get(sso_sandbox.blogin.admin_login_link())
        assert answer.status_code == 302
        assert "/settings" in answer.headers["location"]
        assert browser.get(f"{sso_sandbox.blogin.base_url}/settings/sso").status_code == 200


def test_a_sign_in_link_for_a_member_is_refused_like_a_password_while_sso_is_on(
    sso: None, sso_sandbox: Sandbox
) -> None:
    token = sso_sandbox.blogin.login_links.issue(WRITER["email"])
    with http_client(follow_redirects=False) as browser:
        answer = browser.get(f"{sso_sandbox.blogin.base_url}/login/link", params={"token": token})
        assert answer.status_code == 403
        assert SSO_REQUIRED in html.unescape(answer.text)
        assert browser.get(f"{sso_sandbox.blogin.base_url}/profile").status_code == 302  # still signed out
    detail = refusals(sso_sandbox, WRITER["email"])[-1]["detail"]
    assert isinstance(detail, dict) and detail["method"] == "desktop link" and detail["role"] == "Writer"


def test_the_login_page_says_password_log_in_is_for_administrators(sso: None, sso_sandbox: Sandbox) -> None:
    with http_client() as browser:
        page = browser.get(f"{sso_sandbox.blogin.base_url}/login").text
    assert "Log in with SSO" in page
    assert "Administrators only while single sign-on is on" in page
    assert 'name="password"' in page


@pytest.mark.parametrize("sso_on", [True, False], ids=["sso on", "sso off"])
@pytest.mark.parametrize(
    "form",
    [
        {"email": READER["email"], "password": "wrong"},
        {"email": ADMIN["email"], "password": "wrong"},
        {"email": "nobody@acme.example", "password": "wrong"},
    ],
    ids=["member", "administrator", "unknown"],
)
def test_a_wrong_password_says_only_that(
    request: pytest.FixtureRequest, sso_sandbox: Sandbox, sso_on: bool, form: dict[str, str]
) -> None:
    if sso_on:
        request.getfixturevalue("sso")
    answer = log_in(sso_sandbox, form)
    assert answer.status_code == 401
    page = html.unescape(answer.text)
    assert "Incorrect email or password." in page
    # Nothing about the account or its role before the password is right.
    assert SSO_REQUIRED not in page
