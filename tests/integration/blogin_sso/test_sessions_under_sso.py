"""Sessions already open when an administrator turns single sign-on on: a member's password session ends at
its next request; administrators' sessions and sessions started by SSO keep working."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import delete, update

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.http import http_client
from sandbox.passwords import hash_password
from tests.integration.blogin_sso.conftest import ADMIN, configure, post_to_acs, sp
from tests.integration.blogin_sso.idp import TestIdentityProvider

MEMBER = {"email": "mona.member@acme.example", "password": "Correct-Horse-9"}
ENDED = "Your organization now signs in with SSO."


@pytest.fixture(scope="module", autouse=True)
def member(sso_sandbox: Sandbox) -> None:
    """A Writer with a BlogIn password (as SCIM password synchronization gives one)."""
    with sso_sandbox.blogin.database.transaction() as session:
        email = MEMBER["email"]
        session.add(
            User(
                user_name=email,
                user_name_key=email,
                email=email,
                role="Writer",
                source="SCIM",
                password_hash=hash_password(MEMBER["password"]),
            )
        )


@pytest.fixture
def turn_sso_on(admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> Iterator[Callable[[], None]]:
    """Starts with SINGLE SIGN-ON STATUS Off; the test calls it to turn SSO On; Off again after the test."""
    assert configure(admin, sso_sandbox, None, enabled=None).status_code == 302

    def on() -> None:
        assert configure(admin, sso_sandbox, idp.metadata()).status_code == 302

    yield on
    assert configure(admin, sso_sandbox, None, enabled=None).status_code == 302


@pytest.fixture
def member_browser(sso_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(f"{sso_sandbox.blogin.base_url}/login", data=MEMBER)
        assert answer.status_code == 302, answer.text
        yield browser


def ended_events(sandbox: Sandbox, actor: str) -> list[dict[str, object]]:
    return [
        dict(event.data)
        for event in sandbox.blogin.recent_events(300)
        if event.event_type == "user_session_ended" and event.data.get("actor") == actor
    ]


def test_a_members_password_session_ends_at_the_next_request_once_sso_is_on(
    turn_sso_on: Callable[[], None], member_browser: httpx.Client, sso_sandbox: Sandbox
) -> None:
    base = sso_sandbox.blogin.base_url
    # Before single sign-on the password session works, request after request.
    for _ in range(2):
        assert member_browser.get(f"{base}/profile").status_code == 200
    before = len(ended_events(sso_sandbox, MEMBER["email"]))
    turn_sso_on()

    answer = member_browser.get(f"{base}/profile")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/profile"
    login = member_browser.get(f"{base}{answer.headers['location']}")
    assert login.status_code == 200
    page = html.unescape(login.text)
    # The login page says why, and offers SSO with the page that was asked for.
    assert ENDED in page
    assert "session you started with your password has ended" in page
    assert "Log in with SSO</a>" in page and "/sso/saml/login?next=/profile" in page
    assert "Signed in as" not in page
    assert f'value="{MEMBER["email"]}"' in page
    # Signed out for good; the note is said once.
    assert member_browser.get(f"{base}/profile").status_code == 302
    assert ENDED not in html.unescape(member_browser.get(f"{base}/login").text)
    # The audit log says whose session ended, how it had been started, and why.
    events = ended_events(sso_sandbox, MEMBER["email"])
    assert len(events) == before + 1
    detail = events[-1]["detail"]
    assert isinstance(detail, dict)
    assert (detail["method"], detail["role"]) == ("password", "Writer")
    assert "Single sign-on was turned on" in str(detail["reason"])


def test_a_member_opening_the_login_page_sees_the_note_at_once(
    turn_sso_on: Callable[[], None], member_browser: httpx.Client, sso_sandbox: Sandbox
) -> None:
    turn_sso_on()
    login = member_browser.get(f"{sso_sandbox.blogin.base_url}/login")
    assert login.status_code == 200
    assert ENDED in html.unescape(login.text)
    assert member_browser.get(f"{sso_sandbox.blogin.base_url}/profile").status_code == 302


def test_a_form_posted_by_an_ended_session_changes_nothing_and_goes_to_the_login_page(
    turn_sso_on: Callable[[], None], member_browser: httpx.Client, sso_sandbox: Sandbox
) -> None:
    base = sso_sandbox.blogin.base_url
    turn_sso_on()
    answer = member_browser.post(f"{base}/settings/sso", data={"name": "Changed by a member"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert ENDED in html.unescape(member_browser.get(f"{base}/login").text)


def test_the_administrators_password_session_keeps_working(
    turn_sso_on: Callable[[], None], admin: httpx.Client, sso_sandbox: Sandbox
) -> None:
    turn_sso_on()
    for path in ("/", "/settings/sso", "/profile"):
        assert admin.get(f"{sso_sandbox.blogin.base_url}{path}").status_code == 200
    assert ended_events(sso_sandbox, ADMIN["email"]) == []


def test_the_desktops_sign_in_link_for_the_blogin_admin_keeps_working(
    turn_sso_on: Callable[[], None], sso_sandbox: Sandbox
) -> None:
    with http_client(follow_redirects=False) as desktop:
        assert desktop.get(sso_sandbox.blogin.admin_login_link()).status_code == 302
        turn_sso_on()
        assert desktop.get(f"{sso_sandbox.blogin.base_url}/settings/sso").status_code == 200


def test_a_session_started_by_sso_keeps_working(
    turn_sso_on: Callable[[], None], sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    turn_sso_on()
    before = len(ended_events(sso_sandbox, MEMBER["email"]))
    with http_client(follow_redirects=False) as browser:
        response = idp.signed_response(email=MEMBER["email"], **sp(sso_sandbox))
        assert post_to_acs(browser, sso_sandbox, response).status_code == 303
        for _ in range(2):
            assert browser.get(f"{sso_sandbox.blogin.base_url}/profile").status_code == 200
    assert len(ended_events(sso_sandbox, MEMBER["email"])) == before


def test_an_administrator_can_log_in_from_a_browser_whose_member_session_ended(
    turn_sso_on: Callable[[], None], member_browser: httpx.Client, sso_sandbox: Sandbox
) -> None:
    turn_sso_on()
    # The password typed on the login page is not lost to the ended session.
    answer = member_browser.post(f"{sso_sandbox.blogin.base_url}/login", data=ADMIN)
    assert answer.status_code == 302
    assert member_browser.get(f"{sso_sandbox.blogin.base_url}/settings/sso").status_code == 200


ACCOUNT_ENDED = "Your BlogIn account is no longer active"


def set_active(sandbox: Sandbox, email: str, active: bool) -> None:
    with sandbox.blogin.database.transaction() as session:
        session.execute(update(User).where(User.user_name_key == email).values(active=active))


def test_a_session_ends_when_its_account_is_deactivated(
    turn_sso_on: Callable[[], None], member_browser: httpx.Client, sso_sandbox: Sandbox
) -> None:
    base = sso_sandbox.blogin.base_url
    assert member_browser.get(f"{base}/profile").status_code == 200
    before = len(ended_events(sso_sandbox, MEMBER["email"]))
    set_active(sso_sandbox, MEMBER["email"], False)
    try:
        for path in ("/", "/profile"):
            answer = member_browser.get(f"{base}{path}")
            assert answer.status_code == 303, path
            assert answer.headers["location"] == f"/login?next={path}"
            login = member_browser.get(f"{base}/login")
            assert ACCOUNT_ENDED in html.unescape(login.text)
            assert "Signed in as" not in login.text
            # Signed in again for the second page: the password still works until the account is deactivated.
            set_active(sso_sandbox, MEMBER["email"], True)
            assert member_browser.post(f"{base}/login", data=MEMBER).status_code == 302
            set_active(sso_sandbox, MEMBER["email"], False)
    finally:
        set_active(sso_sandbox, MEMBER["email"], True)
    events = ended_events(sso_sandbox, MEMBER["email"])
    assert len(events) == before + 2
    detail = events[-1]["detail"]
    assert isinstance(detail, dict)
    assert detail["reason"] == "The account was deactivated or deleted while signed in"


def test_an_sso_session_ends_when_its_account_is_deleted(
    turn_sso_on: Callable[[], None], sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    turn_sso_on()
    email = "brief.visitor@acme.example"
    with http_client(follow_redirects=False) as browser:
        assert post_to_acs(browser, sso_sandbox, idp.signed_response(email=email, **sp(sso_sandbox))).status_code == 303
        assert browser.get(f"{sso_sandbox.blogin.base_url}/profile").status_code == 200
        with sso_sandbox.blogin.database.transaction() as session:
            session.execute(delete(User).where(User.user_name_key == email))
        # An admin page answers as any page does: the session ends, the login page says why.
        answer = browser.get(f"{sso_sandbox.blogin.base_url}/settings/sso")
        assert answer.status_code == 303
        assert ACCOUNT_ENDED in html.unescape(browser.get(f"{sso_sandbox.blogin.base_url}/login").text)
