"""BlogIn's administrator with the keyboard only (Tab, Space, Enter, arrows in a radio group, typing) in QtWebEngine.

Log in at /login → Settings › User Authentication → Configure SSO & User provisioning → the Single
Sign-On tab's manual entry filled in, SSO turned on and saved → User Provisioning turned on and saved,
which generates the Secret (Bearer) token → Copy puts it on the clipboard. That walk runs against a
BlogIn of its own, since it changes the single sign-on the other checks rely on. Every control passed
must show a focus ring.

Then each BlogIn page, walked with Tab from top to bottom: every control shown is reached, shows a
focus ring and lets Tab move on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from sandbox.app import Sandbox
from sandbox.blogin.services.seed import SANDBOX_ADMIN_EMAIL, SANDBOX_ADMIN_PASSWORD
from sandbox.saml.keys import generate_key_pair
from sandbox.settings import Settings
from tests.accessibility.axe import PortalBrowser, button, field, fill, follow, link, wait_for
from tests.accessibility.blogin_content import BlogInContent, blogin_admin, blogin_content

__all__ = ["blogin_admin", "blogin_content"]  # fixtures shared with the console module

pytestmark = pytest.mark.desktop


@pytest.fixture(scope="module")
def own_blogin(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox whose BlogIn has neither single sign-on nor provisioning yet."""
    data = Path(tmp_path_factory.mktemp("blogin-keyboard")) / "data"
    with Sandbox(Settings(data_dir=data, jumpcloud_port=0, blogin_port=0)) as sandbox:
        yield sandbox


@pytest.fixture
def keyboard_browser(qapp: QApplication) -> Iterator[PortalBrowser]:
    browser = PortalBrowser()
    yield browser
    browser.close()


def test_configure_sso_and_provisioning_with_the_keyboard(
    qapp: QApplication, keyboard_browser: PortalBrowser, own_blogin: Sandbox
) -> None:
    browser = keyboard_browser
    base = own_blogin.blogin.base_url
    browser.load(f"{base}/login")

    # With no SSO to offer, the Email field has the keyboard as the page opens.
    browser.take_keyboard()
    assert browser.focused()["name"] == "email"
    browser.type_text(SANDBOX_ADMIN_EMAIL)
    fill(browser, "password", SANDBOX_ADMIN_PASSWORD)
    browser.tab_to(button("Log in"), "Log in")
    follow(browser, "the page after logging in")

    # On the console's pages the first Tab offers the way past the top bar.
    browser.press(Qt.Key.Key_Tab)
    assert browser.focused()["text"] == "Skip to main content"

    # Settings › User Authentication › Configure SSO & User provisioning.
    browser.tab_to(link("Settings"), "Settings in the navigation")
    follow(browser, "Settings")
    assert browser.url.endswith("/settings/user-authentication"), browser.url
    browser.tab_to(link("Configure SSO & User provisioning"), "Configure SSO & User provisioning")
    follow(browser, "the Single Sign-On tab")
    assert browser.js("document.querySelector('h1').innerText") == "Configure Single Sign-On and User Provisioning"

    # SSO turned on with Space, then the manual entry chosen with the arrows of its radio group.
    browser.tab_to(field("enabled"), "SINGLE SIGN-ON STATUS")
    assert browser.js("document.activeElement.getAttribute('role')") == "switch"
    browser.press(Qt.Key.Key_Space)
    assert browser.js("document.activeElement.checked"), "Space did not turn single sign-on on"
    fill(browser, "name", "JumpCloud")
    browser.tab_to(field("method"), "the configuration methods")
    while browser.js("document.activeElement.value") != "manual":
        browser.press(Qt.Key.Key_Right)
    assert browser.js("document.activeElement.checked")
    fill(browser, "sso_url", "https://sso.jumpcloud.example/saml2/blogin")
    fill(browser, "issuer", "JumpCloud")
    # The certificate is pasted, as people do with a PEM.
    qapp.clipboard().setText(generate_key_pair("JumpCloud keyboard").certificate_pem)
    browser.tab_to(field("certificate"), "X.509 certificate")
    browser.press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_for(lambda: "BEGIN CERTIFICATE" in str(browser.js("document.activeElement.value")), 10, "the pasted PEM")
    browser.tab_to(button("SAVE CHANGES"), "SAVE CHANGES", limit=40)
    follow(browser, "the saved Single Sign-On tab")
    assert "Single sign-on settings saved." in browser.text(), browser.text()[:600]
    assert browser.js("document.querySelector('[name=enabled]').checked")
    assert "https://sso.jumpcloud.example/saml2/blogin" in browser.text()

    # User Provisioning: turned on and saved, which generates the token; Copy puts it on the clipboard.
    browser.tab_to(link("User Provisioning"), "the User Provisioning tab")
    follow(browser, "the User Provisioning tab")
    browser.tab_to(field("enabled"), "USER PROVISIONING STATUS")
    browser.press(Qt.Key.Key_Space)
    browser.tab_to(button("Save changes"), "Save changes")
    follow(browser, "the saved User Provisioning tab")
    assert "your Secret (Bearer) token has been generated" in browser.text()
    token = str(browser.js("document.getElementById('bearer-token').value"))
    assert token
    qapp.clipboard().setText("before")
    browser.tab_to(lambda f: f["text"] == "Copy the Secret (Bearer) token", "Copy beside the token")
    browser.press(Qt.Key.Key_Space)
    wait_for(lambda: qapp.clipboard().text() == token, 10, "the token on the clipboard")
    # The keyboard stays on the button, which says it copied.
    assert browser.focused()["tag"] == "button" and browser.js("document.activeElement.textContent") == "Copied"

    # Skip to main content takes the keyboard past the top bar: the next Tab lands in the page's own content.
    browser.load(f"{base}/")
    browser.press(Qt.Key.Key_Tab)
    assert browser.focused()["text"] == "Skip to main content"
    browser.press(Qt.Key.Key_Return)
    browser.press(Qt.Key.Key_Tab)
    assert browser.js("document.querySelector('main').contains(document.activeElement)"), browser.focused()
    assert browser.focused()["text"] == "Your profile"


TAB_PAGES: dict[str, Callable[[BlogInContent], str]] = {
    "home": lambda c: f"{c.base}/",
    "profile": lambda c: f"{c.base}/profile",
    "users": lambda c: f"{c.base}/users",
    "user": lambda c: f"{c.base}/users/{c.user_id}",
    "teams": lambda c: f"{c.base}/teams",
    "team": lambda c: f"{c.base}/teams/{c.team_id}",
    "user-authentication": lambda c: f"{c.base}/settings/user-authentication",
    "sso": lambda c: f"{c.base}/settings/sso",
    "provisioning": lambda c: f"{c.base}/settings/sso/provisioning",
    "test-faults": lambda c: f"{c.base}/settings/test-faults",
}


@pytest.mark.parametrize("name", list(TAB_PAGES))
def test_tab_reaches_every_control_with_a_focus_ring(
    name: str, blogin_admin: PortalBrowser, blogin_content: BlogInContent
) -> None:
    blogin_admin.resize(1280)
    blogin_admin.load(TAB_PAGES[name](blogin_content))
    problems = blogin_admin.tab_through()
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_tab_walks_the_login_page(keyboard_browser: PortalBrowser, blogin_content: BlogInContent) -> None:
    keyboard_browser.load(f"{blogin_content.base}/login")
    problems = keyboard_browser.tab_through()
    assert not problems, "login:\n" + "\n".join(problems)


def test_the_users_source_filter_waits_for_enter_from_the_keyboard(
    blogin_admin: PortalBrowser, blogin_content: BlogInContent
) -> None:
    """Arrow keys move through the sources without reloading the list; Enter filters by the one shown."""
    browser = blogin_admin
    browser.resize(1280)
    browser.load(f"{blogin_content.base}/users")
    browser.take_keyboard()
    browser.js("document.querySelector('.toolbar [type=search]').focus(); true")
    browser.tab_to(field("source"), "the Source filter", limit=3)
    browser.js("window.__samePage = true; true")
    browser.press(Qt.Key.Key_Down)
    browser.press(Qt.Key.Key_Down)
    assert browser.js("document.activeElement.value") == "JIT"
    assert browser.js("window.__samePage === true") and "source=" not in browser.url, "an arrow key reloaded the list"
    follow(browser, "the list of SSO / JIT users")
    assert "source=JIT" in browser.url, browser.url
    assert "Mary Jackson" in browser.text() and "Person Number 1" not in browser.text()
