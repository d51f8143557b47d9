"""Every Admin Portal page an administrator goes through, checked by axe-core in QtWebEngine.

A page passes with no serious or critical violation, at a desktop width and in a persona pane
(about 520 px), where it must also reflow instead of scrolling sideways. Lesser findings are printed.
The User Console's pages are checked too: they share the Admin Portal's style sheets.
Set SANDBOX_A11Y_SCREENSHOTS to a directory to keep a PNG of each page as checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from sandbox.scenarios.rehearsal import USER_PASSWORD
from tests.accessibility.axe import NARROW, PortalBrowser, check_page, field
from tests.accessibility.conftest import PEOPLE, Content

pytestmark = pytest.mark.desktop

WIDE = 1280
# Two personas beside the walkthrough on a 1280 px window: each page about 430 px wide.
NARROWEST = 430


@dataclass(frozen=True)
class PortalPage:
    """A page: its path (from the content built) and what is done on it before the check."""

    name: str
    path: Callable[[Content], str]
    then: Callable[[PortalBrowser], None] | None = None
    # Whose browser: the administrator's, nobody's (signed out) or an end user's (User Console).
    who: str = "admin"


def _refuse_user_form(browser: PortalBrowser) -> None:
    """Save User with an e-mail address that is not one: the form comes back with its field marked."""
    browser.wait_for_navigation(
        lambda: browser.js(
            "const f = document.querySelector('form.user-form');"
            "f.querySelector('[name=email]').value = 'not an address'; f.submit(); true;"
        ),
        "the refused form",
    )
    assert "The user was not saved" in browser.text()


def _refuse_sso_form(browser: PortalBrowser) -> None:
    """save with an ACS URL that is not one: the SSO tab comes back with the field marked."""
    browser.wait_for_navigation(
        lambda: browser.js(
            "const f = document.getElementById('sso-form');"
            "f.querySelector('[name=acs_urls]').value = 'not a url'; f.submit(); true;"
        ),
        "the refused SSO tab",
    )
    assert "Nothing was saved" in browser.text()
    assert browser.js("document.querySelector('[name=acs_urls]').getAttribute('aria-invalid')") == "true"


def _open_event(browser: PortalBrowser) -> None:
    """The first event's record opened, as a click on its name does."""
    assert browser.js("const d = document.querySelector('.events details'); d.open = true; !!d")


PAGES = [
    PortalPage("login", lambda c: f"{c.base}/login", who="nobody"),
    PortalPage("home", lambda c: f"{c.base}/"),
    PortalPage("users", lambda c: f"{c.base}/users"),
    PortalPage("user", lambda c: f"{c.base}/users/{c.user_id}"),
    PortalPage("user-refused", lambda c: f"{c.base}/users/{c.user_id}", _refuse_user_form),
    PortalPage("user-new", lambda c: f"{c.base}/users/new"),
    PortalPage("user-delete", lambda c: f"{c.base}/users/{c.user_id}/delete"),
    PortalPage("groups", lambda c: f"{c.base}/groups"),
    PortalPage("group", lambda c: f"{c.base}/groups/{c.group_id}"),
    PortalPage("group-new", lambda c: f"{c.base}/groups/new"),
    PortalPage("applications", lambda c: f"{c.base}/applications"),
    PortalPage("applications-delete-dialog", lambda c: f"{c.base}/applications?selected={c.application_id}&confirm=1"),
    PortalPage("catalog", lambda c: f"{c.base}/applications/new"),
    PortalPage("application-new", lambda c: f"{c.base}/applications/new/custom-saml"),
    PortalPage("application-created", lambda c: f"{c.base}/applications/{c.application_id}/created"),
    PortalPage("application-sso", lambda c: f"{c.base}/applications/{c.application_id}/sso"),
    PortalPage("application-sso-refused", lambda c: f"{c.base}/applications/{c.application_id}/sso", _refuse_sso_form),
    PortalPage("application-groups", lambda c: f"{c.base}/applications/{c.application_id}/groups"),
    PortalPage("identity-management", lambda c: f"{c.base}/applications/{c.application_id}/identity-management"),
    PortalPage("manual-import", lambda c: f"{c.base}/applications/{c.application_id}/identity-management/import"),
    PortalPage("idm-deactivate", lambda c: f"{c.base}/applications/{c.application_id}/identity-management/deactivate"),
    PortalPage("insights", lambda c: f"{c.base}/insights"),
    PortalPage("insights-filtered", lambda c: f"{c.base}/insights?q=lovelace&service=directory", _open_event),
    PortalPage("settings", lambda c: f"{c.base}/settings"),
    PortalPage("mailbox", lambda c: f"{c.base}/mailbox"),
    PortalPage("mailbox-message", lambda c: f"{c.base}/mailbox/{c.mail_id}"),
    PortalPage("not-found", lambda c: f"{c.base}/users/no-such-user"),
    PortalPage("user-console-login", lambda c: f"{c.base}/userconsole/login", who="nobody"),
    PortalPage("user-console", lambda c: f"{c.base}/userconsole", who="user"),
]


@pytest.fixture(scope="module")
def signed_out_browser(admin_browser: PortalBrowser) -> Iterator[PortalBrowser]:
    """A second browser with no session, for the login pages (the admin browser's session stays open)."""
    browser = PortalBrowser()
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def user_browser(admin_browser: PortalBrowser, content: Content) -> Iterator[PortalBrowser]:
    """A browser signed in to the User Console as one of the directory's users."""
    browser = PortalBrowser()
    browser.load(f"{content.base}/userconsole/login")
    browser.wait_for_navigation(
        lambda: browser.js(
            f"document.querySelector('[name=login]').value = {PEOPLE[0].username!r};"
            f"document.querySelector('[name=password]').value = {USER_PASSWORD!r};"
            "document.querySelector('form').submit(); true;"
        ),
        "the User Console",
    )
    assert browser.url.endswith("/userconsole"), browser.url
    yield browser
    browser.close()


@pytest.mark.parametrize("width", [WIDE, NARROW], ids=["wide", "narrow"])
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_serious_or_critical_violation(
    page: PortalPage,
    width: int,
    content: Content,
    admin_browser: PortalBrowser,
    signed_out_browser: PortalBrowser,
    user_browser: PortalBrowser,
) -> None:
    browser = {"admin": admin_browser, "nobody": signed_out_browser, "user": user_browser}[page.who]
    browser.resize(width)
    browser.load(page.path(content))
    assert "/login" not in browser.url or page.who == "nobody", f"signed out on the way to {page.name}"
    if page.then is not None:
        page.then(browser)
    check_page(browser, page.name, width, f"{page.name}-{width}")


NARROWEST_PAGES = [p for p in PAGES if p.name in ("insights", "insights-filtered", "application-sso")]


@pytest.mark.parametrize("page", NARROWEST_PAGES, ids=[p.name for p in NARROWEST_PAGES])
def test_folded_filters_and_addresses_pass_in_the_narrowest_pane(
    page: PortalPage, content: Content, admin_browser: PortalBrowser
) -> None:
    # Directory Insights' filters folded behind "Filters", the SSO tab's addresses shown as text under their labels.
    admin_browser.resize(NARROWEST)
    admin_browser.load(page.path(content))
    if page.then is not None:
        page.then(admin_browser)
    check_page(admin_browser, page.name, NARROWEST, f"{page.name}-{NARROWEST}")


def test_directory_insights_filters_open_from_the_keyboard_in_the_narrowest_pane(
    content: Content, admin_browser: PortalBrowser
) -> None:
    admin_browser.resize(NARROWEST)
    admin_browser.load(f"{content.base}/insights")
    fold = "document.querySelector('details.filter-fold').open"
    assert admin_browser.js(fold) is False
    toggle = admin_browser.tab_to(lambda f: f["tag"] == "summary" and f["text"] == "Filters", "the Filters toggle")
    assert toggle["ring"], toggle
    admin_browser.press(Qt.Key.Key_Return)
    assert admin_browser.js(fold) is True
    # The next Tab reaches the first filter, then the others in order.
    admin_browser.tab_to(field("event_type"), "Event Type", limit=1)
    admin_browser.tab_to(field("service"), "Service", limit=1)
