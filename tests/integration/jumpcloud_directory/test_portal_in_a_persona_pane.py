"""The Admin Portal and the User Console as QtWebEngine lays them out, at a desktop width and in a persona
pane (520 px): what the guide's steps show is readable and whole, nothing cut short.

The navigation's section headings (USER MANAGEMENT, USER AUTHENTICATION, INSIGHTS) are at least 11 px
and on one line; the breadcrumb is never cut; the administrator's address stays on screen; the SSO IdP
URL's name, the JIT attributes' fields and Directory Insights' dates are wide enough to read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6 import QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)
from PySide6.QtWidgets import QApplication

from sandbox.app import Sandbox
from sandbox.desktop.none_refcount import keep_none_alive
from sandbox.desktop.startup import load_before_chromium
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal
from tests.accessibility.axe import NARROW, PortalBrowser, wait_for

keep_none_alive()
# Before Chromium starts: xmlsec cannot load once it has, and the IdP signs with it.
load_before_chromium()

pytestmark = pytest.mark.desktop

WIDE = 1280
WIDTHS = pytest.mark.parametrize("width", [WIDE, NARROW], ids=["wide", "narrow"])


@dataclass(frozen=True)
class Portal:
    sandbox: Sandbox
    application_id: str
    admin: PortalBrowser
    user: PortalBrowser

    @property
    def base(self) -> str:
        return self.sandbox.jumpcloud.base_url

    def open(self, browser: PortalBrowser, path: str, width: int) -> None:
        browser.resize(width)
        browser.load(f"{self.base}{path}")
        wait_for(lambda: browser.js("document.readyState") == "complete", 10, f"{path} to settle")

    def facts(self, browser: PortalBrowser, script: str) -> Any:
        """What ``script`` (an expression) finds in the page, as JSON."""
        return json.loads(browser.js(f"JSON.stringify({script})"))


@pytest.fixture(scope="module")
def portal(jc_sandbox: Sandbox, qapp: QApplication) -> Iterator[Portal]:
    """BlogIn added and configured as the guide says, Ada in its group, and two browsers signed in."""
    jumpcloud = jc_sandbox.jumpcloud
    with Rehearsal(jumpcloud.base_url, jc_sandbox.blogin.base_url) as steps:
        steps.sign_in_admins()
        ada = steps.create_user(DirectoryUser("ada.pane", "ada.pane@example.com", "Ada", "Lovelace", "Engineer"))
        group = steps.create_group("Pane Engineers", [ada])
        application_id = steps.create_blogin_application()
        steps.configure_sso()
        steps.authorize_groups([group])
    admin = PortalBrowser()
    admin.load(jumpcloud.admin_login_link())
    user = PortalBrowser()
    user.load(f"{jumpcloud.base_url}/userconsole/login")
    user.wait_for_navigation(
        lambda: user.js(
            "document.querySelector('[name=login]').value = 'ada.pane';"
            f"document.querySelector('[name=password]').value = {USER_PASSWORD!r};"
            "document.querySelector('form').submit(); true;"
        ),
        "the User Console",
    )
    yield Portal(jc_sandbox, application_id, admin, user)
    admin.close()
    user.close()


_HEADINGS = """[...document.querySelectorAll('.nav-heading')].map(h => {
  const text = document.createRange(); text.selectNodeContents(h);
  const lines = text.getClientRects().length;
  return {text: h.textContent.trim(), px: parseFloat(getComputedStyle(h).fontSize), lines: lines,
          cut: h.scrollWidth > h.clientWidth};
})"""


@WIDTHS
def test_the_navigation_section_headings_are_readable_and_whole(portal: Portal, width: int) -> None:
    portal.open(portal.admin, "/applications", width)
    headings = portal.facts(portal.admin, _HEADINGS)
    assert [h["text"] for h in headings] == ["USER MANAGEMENT", "USER AUTHENTICATION", "INSIGHTS"]
    for heading in headings:
        assert heading["px"] >= 11, heading
        assert heading["lines"] == 1 and not heading["cut"], heading


@WIDTHS
def test_the_breadcrumb_is_whole_and_the_administrator_stays_on_screen(portal: Portal, width: int) -> None:
    portal.open(portal.admin, "/applications/new/blogin", width)
    crumbs = portal.facts(
        portal.admin,
        "(() => { const c = document.querySelector('.crumbs'); return {text: c.innerText, "
        "cut: c.scrollWidth > c.clientWidth + 1 || c.scrollHeight > c.clientHeight + 1}; })()",
    )
    assert crumbs["text"].endswith("SSO Applications › + Add New Application › BlogIn")
    assert not crumbs["cut"], crumbs
    assert "admin@example.com" in portal.admin.text()


@WIDTHS
def test_the_sso_idp_url_shows_the_name_typed(portal: Portal, width: int) -> None:
    portal.open(portal.admin, "/applications/new/blogin", width)
    portal.admin.js("document.querySelector('details.advanced').open = true; true")
    field = portal.facts(
        portal.admin,
        "(() => { const i = document.querySelector('[name=application_name]'); "
        "return {width: i.clientWidth, placeholder: i.placeholder}; })()",
    )
    assert field["placeholder"] == "blogin"
    assert field["width"] >= 200, field


@WIDTHS
def test_each_jit_attribute_can_be_read_and_chosen(portal: Portal, width: int) -> None:
    portal.open(portal.admin, f"/applications/{portal.application_id}/sso", width)
    fields = portal.facts(
        portal.admin,
        "[...document.querySelectorAll('.jit-table tbody input[type=text], .jit-table tbody select')]"
        ".map(f => ({name: f.name || f.value, width: f.clientWidth, cut: f.scrollWidth > f.clientWidth}))",
    )
    assert len(fields) == 15  # email, firstname, lastname, title, phone: name, attribute, constant
    for field in fields:
        assert field["width"] >= 120 and not field["cut"], field
    if width == NARROW:
        # The column headings are out of sight: each field says what it is.
        labels = portal.facts(
            portal.admin,
            "[...document.querySelectorAll('.jit-table tbody td[data-label]')]"
            ".map(td => getComputedStyle(td, '::before').content)",
        )
        assert labels == ['"JumpCloud Attribute Name"', '"Constant Value"'] * 5


@WIDTHS
def test_directory_insights_dates_have_room_for_a_date_and_a_time(portal: Portal, width: int) -> None:
    portal.open(portal.admin, "/insights", width)
    dates = portal.facts(
        portal.admin, "[...document.querySelectorAll('.filters input[type=datetime-local]')].map(i => i.clientWidth)"
    )
    # "mm/dd/yyyy, --:--:-- --" and the calendar button need about 190 px.
    assert len(dates) == 2 and min(dates) >= 195, dates
    search = portal.facts(portal.admin, "document.querySelector('.filters input[type=search]').clientWidth")
    assert search >= 120


@WIDTHS
def test_the_user_console_shows_the_users_name_whole(portal: Portal, width: int) -> None:
    portal.open(portal.user, "/userconsole", width)
    who = portal.facts(
        portal.user,
        "(() => { const w = document.querySelector('.console-bar .who'); "
        "return {text: w.innerText, cut: w.scrollWidth > w.clientWidth}; })()",
    )
    assert "Ada Lovelace" in who["text"] and not who["cut"], who


@WIDTHS
def test_deactivate_sso_then_save_as_the_guide_says(portal: Portal, width: int) -> None:
    """Scroll to the bottom, click Deactivate SSO, click save: a confirmation message (then Activate SSO again)."""
    portal.open(portal.admin, f"/applications/{portal.application_id}/sso", width)
    assert portal.admin.js(
        "(() => { const s = [...document.querySelectorAll('.danger-zone summary')]"
        ".find(e => e.innerText.trim() === 'Deactivate SSO'); s.click(); return s.parentElement.open; })()"
    )
    save = "[...document.querySelectorAll('.danger-zone button[type=submit]')].find(b => b.innerText.trim() === 'save')"
    assert portal.facts(portal.admin, f"{save}.getBoundingClientRect().right <= innerWidth")
    try:
        portal.admin.wait_for_navigation(lambda: portal.admin.js(f"{save}.click(); true"), "the SSO tab after save")
        words = portal.admin.text()
        assert "SSO for BlogIn deactivated." in words and "Activate SSO" in words
    finally:
        activate = (
            "[...document.querySelectorAll('.danger-zone button')].find(b => b.innerText.trim() === 'Activate SSO')"
        )
        portal.admin.wait_for_navigation(lambda: portal.admin.js(f"{activate}.click(); true"), "SSO active again")
    assert "SSO for BlogIn activated." in portal.admin.text()


@WIDTHS
def test_the_catalogs_search_button_stays_beside_the_search_field(portal: Portal, width: int) -> None:
    """Type the name of the application in the Search field: its Search button is next to it, not under it."""
    portal.open(portal.admin, "/applications/new", width)
    rows = portal.facts(
        portal.admin,
        "(() => { const f = document.querySelector('form[role=search]');"
        " return [f.querySelector('input[type=search]'), f.querySelector('button')]"
        ".map(e => Math.round(e.getBoundingClientRect().top)); })()",
    )
    assert abs(rows[0] - rows[1]) <= 4, rows
