"""The administrator's main flow with the keyboard only (Tab, Space, Enter and typing) in QtWebEngine.

Users → + Add User → Save User; SSO Applications → + Add New Application → Custom SAML App → Next →
Save Application → Configure Application → SSO tab filled in → save; then the application opened from
the list and deleted through its confirmation dialog. Every control the walk passes
must show a focus ring, and every control it needs must be reachable by Tab.

Then the main pages, each walked with Tab from top to bottom: every control shown is reached, shows a
focus ring and lets Tab move on; what looks like a button, and a table row that opens a page, is
reachable too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.accessibility.axe import PortalBrowser, button, fill, follow, link
from tests.accessibility.conftest import Content

pytestmark = pytest.mark.desktop


@pytest.fixture
def keyboard_browser(qapp: QApplication, content: Content) -> Iterator[PortalBrowser]:
    browser = PortalBrowser()
    browser.load(content.sandbox.jumpcloud.admin_login_link())
    yield browser
    browser.close()


def test_add_a_user_and_configure_an_application_with_the_keyboard(
    keyboard_browser: PortalBrowser, content: Content
) -> None:
    browser = keyboard_browser
    browser.load(f"{content.base}/")

    # The first Tab offers the way past the navigation.
    browser.press(Qt.Key.Key_Tab)
    assert browser.focused()["text"] == "Skip to main content"

    # Users → + Add User → the form → Save User.
    browser.tab_to(link("Users"), "Users in the navigation")
    follow(browser, "the Users list")
    assert browser.url.endswith("/users")
    browser.tab_to(link("+ Add User"), "+ Add User")
    follow(browser, "the new user form")
    fill(browser, "firstname", "Katherine")
    fill(browser, "lastname", "Johnson")
    fill(browser, "username", "katherine.johnson")
    fill(browser, "email", "katherine.johnson@example.com")
    browser.tab_to(button("Save User"), "Save User")
    follow(browser, "the saved user")
    assert "User katherine.johnson was created." in browser.text()

    # SSO Applications → + Add New Application → Custom SAML App → Next.
    browser.tab_to(link("SSO Applications"), "SSO Applications in the navigation")
    follow(browser, "the SSO Applications list")
    browser.tab_to(link("+ Add New Application"), "+ Add New Application")
    follow(browser, "the catalog")
    browser.tab_to(lambda f: f["tag"] == "input" and f["type"] == "radio", "the catalog's applications")
    # Arrow keys move through a radio group; the catalog's second entry is Custom SAML App.
    browser.press(Qt.Key.Key_Down)
    assert browser.js("document.activeElement.value") == "custom-saml"
    browser.tab_to(button("Next"), "Next")
    follow(browser, "the new application form")
    fill(browser, "display_label", "Keyboard SAML App")
    browser.tab_to(button("Save Application"), "Save Application")
    follow(browser, "the application saved")
    assert "Keyboard SAML App saved" in browser.text()

    # Configure Application → the SSO tab: Upload Metadata is reachable, the fields filled in, save.
    browser.tab_to(link("Configure Application"), "Configure Application")
    follow(browser, "the SSO tab")
    browser.tab_to(lambda f: f["type"] == "file" and f["name"] == "metadata", "Upload Metadata")
    fill(browser, "sp_entity_id", "https://keyboard.example.com/")
    fill(browser, "acs_urls", "https://keyboard.example.com/saml/acs")
    browser.tab_to(button("save"), "save", limit=120)
    follow(browser, "the saved SSO tab")
    assert "Keyboard SAML App saved." in browser.text()
    assert browser.js("document.querySelector('[name=sp_entity_id]').value") == "https://keyboard.example.com/"

    # Back in the list, the application opens from its name, and Delete's dialog works from the keys.
    browser.tab_to(link("SSO Applications"), "SSO Applications in the navigation")
    follow(browser, "the SSO Applications list")
    browser.tab_to(link("Keyboard SAML App"), "the application's name in the list")
    follow(browser, "the application's panel")
    assert (
        "/applications/" in browser.url and browser.js("document.querySelector('h1').innerText") == "Keyboard SAML App"
    )
    browser.tab_to(link("SSO Applications"), "SSO Applications in the navigation")
    follow(browser, "the SSO Applications list")
    browser.tab_to(lambda f: f["text"] == "Select Keyboard SAML App", "the application's tick box")
    browser.press(Qt.Key.Key_Space)
    browser.tab_to(button("Delete"), "Delete")
    browser.press(Qt.Key.Key_Return)
    assert browser.js("document.getElementById('delete-dialog').open"), "Enter on Delete did not open its dialog"
    assert browser.focused()["name"] == "count", "the dialog did not take the focus"
    browser.type_text("1")
    follow(browser, "the list after Delete Application")
    assert "The application Keyboard SAML App was deleted." in browser.text()


TAB_PAGES = {
    "home": lambda c: f"{c.base}/",
    "users": lambda c: f"{c.base}/users",
    "user": lambda c: f"{c.base}/users/{c.user_id}",
    "group": lambda c: f"{c.base}/groups/{c.group_id}",
    "applications": lambda c: f"{c.base}/applications",
    "catalog": lambda c: f"{c.base}/applications/new",
    "application-new": lambda c: f"{c.base}/applications/new/blogin",
    "application-sso": lambda c: f"{c.base}/applications/{c.application_id}/sso",
    "application-groups": lambda c: f"{c.base}/applications/{c.application_id}/groups",
    "identity-management": lambda c: f"{c.base}/applications/{c.application_id}/identity-management",
    "manual-import": lambda c: f"{c.base}/applications/{c.application_id}/identity-management/import",
    "insights": lambda c: f"{c.base}/insights",
    "settings": lambda c: f"{c.base}/settings",
    "mailbox": lambda c: f"{c.base}/mailbox/{c.mail_id}",
}


@pytest.mark.parametrize("name", list(TAB_PAGES))
def test_tab_reaches_every_control_with_a_focus_ring(name: str, admin_browser: PortalBrowser, content: Content) -> None:
    admin_browser.resize(1280)
    admin_browser.load(TAB_PAGES[name](content))
    problems = admin_browser.tab_through()
    assert not problems, f"{name}:\n" + "\n".join(problems)
