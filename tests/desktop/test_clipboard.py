"""Copy buttons in the persona browsers: the pages ask for the clipboard and the window answers at once.

Unanswered, QtWebEngine's permission request waits for ever, so the Clipboard API's promise never
settled and Copy Metadata URL (a step of the guide) did nothing. Pages on this computer may copy;
other pages are refused, which they hear as a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.personas import PERSONAS
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import Rehearsal
from tests.desktop.clicking import click, evaluate, wait_for_page
from tests.desktop.conftest import load, lone_persona_browser

COPY_PAGE = """<!doctype html><html><head><title>copy</title></head><body>
<button id="copy" style="position:absolute;left:40px;top:40px;width:200px;height:60px"
 onclick="navigator.clipboard.writeText('copied text').then(
   () => { document.title = 'copied'; }, (e) => { document.title = 'refused: ' + e.name; })">Copy</button>
<button id="where" style="position:absolute;left:40px;top:140px;width:200px;height:60px"
 onclick="navigator.geolocation.getCurrentPosition(
   () => { document.title = 'located'; }, (e) => { document.title = 'no location: ' + e.code; })">Where</button>
</body></html>"""


@pytest.fixture
def browser(qtbot: QtBot) -> Iterator[PersonaBrowser]:
    with lone_persona_browser(qtbot, PERSONAS[0], 600, 400) as shown:
        yield shown


def show_copy_page(qtbot: QtBot, browser: PersonaBrowser, origin: str) -> None:
    with qtbot.waitSignal(browser.view.loadFinished, timeout=30_000):
        browser.view.setHtml(COPY_PAGE, QUrl(origin))


def test_a_page_on_this_computer_copies_on_a_click(qtbot: QtBot, qapp: QApplication, browser: PersonaBrowser) -> None:
    show_copy_page(qtbot, browser, "http://app.example.localhost:8080/")
    qapp.clipboard().setText("before")
    click(browser, "#copy")
    qtbot.waitUntil(lambda: browser.page.title() == "copied", timeout=10_000)
    assert qapp.clipboard().text() == "copied text"


def test_another_site_is_refused_at_once_and_hears_so(
    qtbot: QtBot, qapp: QApplication, browser: PersonaBrowser
) -> None:
    show_copy_page(qtbot, browser, "https://www.example.org/")  # https: the Clipboard API is there
    qapp.clipboard().setText("before")
    click(browser, "#copy")
    qtbot.waitUntil(lambda: browser.page.title().startswith("refused"), timeout=10_000)
    assert qapp.clipboard().text() == "before"


def test_other_permissions_are_refused_at_once(qtbot: QtBot, browser: PersonaBrowser) -> None:
    show_copy_page(qtbot, browser, "http://app.example.localhost:8080/")
    click(browser, "#where")
    # 1 is PERMISSION_DENIED: the page is told, instead of waiting for an answer nobody gives.
    qtbot.waitUntil(lambda: browser.page.title() == "no location: 1", timeout=10_000)


def test_copy_metadata_url_puts_the_url_on_the_clipboard(
    qtbot: QtBot, qapp: QApplication, window: MainWindow, module_sandbox: Sandbox
) -> None:
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        application_id = rehearsal.create_blogin_application("BlogIn clipboard")
        metadata_url = rehearsal.metadata_url()
    admin = window.browsers["jumpcloud-admin"]
    load(qtbot, admin, f"{module_sandbox.jumpcloud.base_url}/applications/{application_id}/sso")
    wait_for_page(admin, "Copy Metadata URL")
    qapp.clipboard().setText("before")
    click(admin, "#copy-metadata-url")
    qtbot.waitUntil(lambda: qapp.clipboard().text() == metadata_url, timeout=10_000)
    assert evaluate(admin, "document.getElementById('copy-metadata-url').textContent") == "Copied!"
