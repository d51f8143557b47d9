"""Every BlogIn page its administrator and members go through, checked by axe-core in QtWebEngine.

A page passes with no serious or critical violation, at a desktop width and in a persona pane
(about 520 px), where it must also reflow instead of scrolling sideways; one h1 names it. Lesser
findings are printed. Set SANDBOX_A11Y_SCREENSHOTS to a directory to keep a PNG of each page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication

from sandbox.scenarios.rehearsal import USER_PASSWORD
from tests.accessibility.axe import NARROW, PortalBrowser, check_page, wait_for
from tests.accessibility.blogin_content import (
    MEMBER_EMAIL,
    MEMBER_PASSWORD,
    BlogInContent,
    blogin_admin,
    blogin_content,
)
from tests.accessibility.conftest import PEOPLE

__all__ = ["blogin_admin", "blogin_content"]  # fixtures shared with the keyboard module

pytestmark = pytest.mark.desktop

WIDE = 1280


@dataclass(frozen=True)
class BlogInPage:
    """A page: its path (from the content built) and what is done on it before the check."""

    name: str
    path: Callable[[BlogInContent], str]
    then: Callable[[PortalBrowser], None] | None = None
    # Whose browser: the administrator's, nobody's (signed out) or a member's signed in with SSO.
    who: str = "admin"


def _post_login(email: str, password: str) -> Callable[[PortalBrowser], None]:
    def post(browser: PortalBrowser) -> None:
        browser.wait_for_navigation(
            lambda: browser.js(
                f"document.querySelector('[name=email]').value = {email!r};"
                f"document.querySelector('[name=password]').value = {password!r};"
                "document.querySelector('form[action$=\"/login\"]').submit(); true;"
            ),
            "the login page's answer",
        )

    return post


def _wrong_password(browser: PortalBrowser) -> None:
    _post_login("nobody@example.com", "not the password")(browser)
    assert "Incorrect email or password." in browser.text()


def _sso_required(browser: PortalBrowser) -> None:
    _post_login(MEMBER_EMAIL, MEMBER_PASSWORD)(browser)
    assert "only BlogIn administrators can log in with a password" in browser.text()


def _refused_at_acs(browser: PortalBrowser) -> None:
    """An unsigned Response posted to the ACS, as a forged or broken message would be."""
    response = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" '
        'IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>https://forged.example.com/</saml:Issuer>'
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        "</samlp:Response>"
    )
    browser.wait_for_navigation(
        lambda: browser.js(
            "const f = document.createElement('form'); f.method = 'post'; f.action = '/sso/saml/callback';"
            "const i = document.createElement('input'); i.name = 'SAMLResponse';"
            f"i.value = btoa({response!r}); f.appendChild(i); document.body.appendChild(f); f.submit(); true;"
        ),
        "the refusal page",
    )
    assert "Try single sign-on again" in browser.text()


def _method(value: str) -> Callable[[PortalBrowser], None]:
    """The Single Sign-On tab's configuration method chosen, as a click on it does."""

    def choose(browser: PortalBrowser) -> None:
        assert browser.js(f"const r = document.querySelector('input[name=method][value={value}]'); r.click(); !!r")

    return choose


def _refuse_sso_form(browser: PortalBrowser) -> None:
    """Manual entry saved with an SSO URL that is not one: the tab comes back with the field marked."""
    browser.wait_for_navigation(
        lambda: browser.js(
            "document.querySelector('input[name=method][value=manual]').click();"
            "const f = document.querySelector('form.sso-form');"
            "f.querySelector('[name=sso_url]').value = 'not a url'; f.submit(); true;"
        ),
        "the refused Single Sign-On tab",
    )
    assert "Nothing was saved" in browser.text()
    assert browser.js("document.querySelector('[name=sso_url]').getAttribute('aria-invalid')") == "true"
    # The message is tied to its field, so a screen reader reads it with the field.
    described = "document.getElementById(document.querySelector('[name=sso_url]').getAttribute('aria-describedby'))"
    assert browser.js(f"{described}.className") == "field-error"


def _refuse_faults(browser: PortalBrowser) -> None:
    browser.wait_for_navigation(
        lambda: browser.js(
            "const f = document.querySelector('form[action$=\"/test-faults\"]');"
            "f.querySelector('[name=Users-latency]').value = '-5';"
            "const b = f.querySelector('button[value=save]'); f.requestSubmit ? f.noValidate = true : 0;"
            "f.noValidate = true; b.click(); true;"
        ),
        "the refused Test faults",
    )
    assert "Nothing was saved" in browser.text()


PAGES = [
    BlogInPage("login", lambda c: f"{c.base}/login", who="nobody"),
    BlogInPage("login-wrong-password", lambda c: f"{c.base}/login", _wrong_password, who="nobody"),
    BlogInPage("login-sso-required", lambda c: f"{c.base}/login", _sso_required, who="nobody"),
    BlogInPage("sso-refused-at-acs", lambda c: f"{c.base}/login", _refused_at_acs, who="nobody"),
    BlogInPage("home", lambda c: f"{c.base}/"),
    BlogInPage("profile", lambda c: f"{c.base}/profile"),
    BlogInPage("users", lambda c: f"{c.base}/users"),
    BlogInPage("users-page-2", lambda c: f"{c.base}/users?page=2&sort=name&order=desc"),
    BlogInPage("user-many-teams", lambda c: f"{c.base}/users/{c.user_id}"),
    BlogInPage("user-jit", lambda c: f"{c.base}/users/{c.jit_user_id}"),
    BlogInPage("teams", lambda c: f"{c.base}/teams"),
    BlogInPage("team", lambda c: f"{c.base}/teams/{c.team_id}"),
    BlogInPage("user-authentication", lambda c: f"{c.base}/settings/user-authentication"),
    BlogInPage("sso-metadata-url", lambda c: f"{c.base}/settings/sso", _method("metadata_url")),
    BlogInPage("sso-metadata-file", lambda c: f"{c.base}/settings/sso", _method("metadata_file")),
    BlogInPage("sso-manual", lambda c: f"{c.base}/settings/sso", _method("manual")),
    BlogInPage("sso-refused", lambda c: f"{c.base}/settings/sso", _refuse_sso_form),
    BlogInPage("provisioning", lambda c: f"{c.base}/settings/sso/provisioning"),
    BlogInPage("test-faults", lambda c: f"{c.base}/settings/test-faults"),
    BlogInPage("test-faults-refused", lambda c: f"{c.base}/settings/test-faults", _refuse_faults),
    BlogInPage("not-found", lambda c: f"{c.base}/users/no-such-user"),
    BlogInPage("member-home", lambda c: f"{c.base}/", who="member"),
    BlogInPage("member-profile", lambda c: f"{c.base}/profile", who="member"),
]


@pytest.fixture(scope="module")
def signed_out(qapp: QApplication, blogin_content: BlogInContent) -> Iterator[PortalBrowser]:
    """A browser with no BlogIn session, for the login pages."""
    browser = PortalBrowser()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def member(qapp: QApplication, blogin_content: BlogInContent) -> Iterator[PortalBrowser]:
    """A browser signed in to BlogIn by single sign-on from JumpCloud, as a member SCIM provisioned."""
    browser = PortalBrowser()
    browser.load(f"{blogin_content.base}/sso/saml/login")
    wait_for(lambda: "/login" in browser.url and "jumpcloud" in browser.url, 30, "JumpCloud's login page")
    wait_for(lambda: bool(browser.js("!!document.querySelector('[name=password]')")), 10, "the login form")
    browser.wait_for_navigation(
        lambda: browser.js(
            f"document.querySelector('[name=login]').value = {PEOPLE[0].username!r};"
            f"document.querySelector('[name=password]').value = {USER_PASSWORD!r};"
            "document.querySelector('[name=password]').form.submit(); true;"
        ),
        "the sign-in",
    )
    wait_for(lambda: browser.url.rstrip("/") == blogin_content.base, 30, "BlogIn's home after single sign-on")
    yield browser
    browser.close()


@pytest.mark.parametrize("width", [WIDE, NARROW], ids=["wide", "narrow"])
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_or_critical_violation(
    page: BlogInPage,
    width: int,
    blogin_content: BlogInContent,
    blogin_admin: PortalBrowser,
    signed_out: PortalBrowser,
    member: PortalBrowser,
) -> None:
    browser = {"admin": blogin_admin, "nobody": signed_out, "member": member}[page.who]
    browser.resize(width)
    browser.load(page.path(blogin_content))
    assert "/login" not in browser.url or page.who == "nobody", f"signed out on the way to {page.name}"
    if page.then is not None:
        page.then(browser)
    check_page(browser, page.name, width, f"blogin-{page.name}-{width}")
