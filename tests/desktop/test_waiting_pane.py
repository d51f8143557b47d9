"""A persona pane whose page has not begun to paint says what it is opening, instead of staying plain white."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject, QUrl
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.main import close_window
from sandbox.desktop.panel_text import EXTRA_LARGE, remember_text_scale
from sandbox.desktop.persona_area import TABS
from sandbox.desktop.personas import BLOGIN_ADMIN, END_USER
from sandbox.desktop.theme import apply_theme
from sandbox.desktop.window import MainWindow
from sandbox.settings import BLOGIN_HOST, JUMPCLOUD_HOST, Settings
from tests.desktop.conftest import LOAD_TIMEOUT_MS, page_text


def waiting_state(browser: PersonaBrowser) -> QFrame:
    state = browser.findChild(QFrame, "pageWaiting")
    assert state is not None
    return state


def waiting_words(browser: PersonaBrowser) -> str:
    """The waiting state's words, as on screen; empty when it is not on screen."""
    state = waiting_state(browser)
    if not state.isVisible():
        return ""
    return " / ".join(label.text() for label in state.findChildren(QLabel) if label.isVisible())


class ShowCounter(QObject):
    """Counts the times a widget appears."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.shown = 0
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self.shown += 1
        return False


def test_an_admin_pane_says_what_it_opens_while_its_system_starts_and_shows_the_page_once_it_serves(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    apply_theme(qapp)
    settings = Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings, first_page=True):
        pass  # an earlier run, which kept the End User's first page
    sandbox = Sandbox(settings, first_page=True)
    sandbox.bind_ports()
    window = MainWindow(sandbox, docks_after_first_page=True)
    try:
        window.resize(1280, 720)
        window.show()
        with qtbot.waitSignal(window.first_page_loaded, timeout=LOAD_TIMEOUT_MS):
            window.start()
            admin = window.browsers["jumpcloud-admin"]
            # At once, not after a moment: this page is known to wait for JumpCloud.
            assert waiting_words(admin) == (
                "Opening the JumpCloud Admin Portal… / JumpCloud is starting; the page opens as soon as it answers."
            )
        assert waiting_state(admin).accessibleName() == "Opening the JumpCloud Admin Portal…"
        end_user = window.browsers[END_USER.key]
        assert "User Console" in page_text(qtbot, end_user)
        assert waiting_words(end_user) == ""  # answered before the systems load: nothing to wait for

        # In tabs, the BlogIn Admin's pane waits for BlogIn in words of its own.
        window.area.set_mode(TABS)
        window.area.tabs.setCurrentIndex(2)
        blogin_admin = window.browsers[BLOGIN_ADMIN.key]
        qtbot.waitUntil(lambda: waiting_words(blogin_admin).startswith("Opening the BlogIn admin console…"))
        assert "BlogIn is starting" in waiting_words(blogin_admin)

        sandbox.open_systems()
        window.systems_opened()
        sandbox.serve("jumpcloud")
        sandbox.serve("blogin")
        qtbot.waitUntil(lambda: window.all_personas_loaded, timeout=LOAD_TIMEOUT_MS)
        assert waiting_words(blogin_admin) == ""
        assert "User Authentication" in page_text(qtbot, blogin_admin)
        window.area.tabs.setCurrentIndex(0)
        qtbot.waitUntil(admin.view.isVisible)
        assert waiting_words(admin) == ""
        assert "Directory Insights" in page_text(qtbot, admin)
    finally:
        close_window(window)
        sandbox.stop()


class HeldPages:
    """Pages on loopback; those under /held/ answer only once released, those under /held-body/ send
    their headers at once and their body once released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.asked: list[str] = []
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                """Requests are not logged to stderr (the test's output stays the test's)."""

            def do_GET(self) -> None:
                pages.asked.append(self.path)
                body = f"<html><body><h1>Page {self.path}</h1></body></html>".encode()
                if self.path.startswith("/held/"):
                    pages.release.wait(LOAD_TIMEOUT_MS / 1000)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path.startswith("/held-body/"):
                    self.wfile.flush()
                    pages.release.wait(LOAD_TIMEOUT_MS / 1000)
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def held_pages() -> Iterator[HeldPages]:
    pages = HeldPages()
    yield pages
    pages.stop()


@pytest.fixture
def browsers(qtbot: QtBot, qapp: QApplication) -> Iterator[list[PersonaBrowser]]:
    """Two End User browsers on profiles of their own, on screen."""
    apply_theme(qapp)
    made: list[tuple[PersonaBrowser, QWebEngineProfile]] = []
    for _ in range(2):
        profile = QWebEngineProfile()
        browser = PersonaBrowser(END_USER, profile, lambda: "about:blank")
        browser.resize(640, 480)
        browser.show()
        made.append((browser, profile))
    yield [browser for browser, _profile in made]
    for browser, profile in made:
        browser.view.stop()
        shiboken6.delete(browser.page)
        shiboken6.delete(profile)
        browser.deleteLater()


def test_a_page_slow_to_come_is_waited_for_in_words_but_a_page_on_screen_is_never_covered(
    qtbot: QtBot, held_pages: HeldPages, browsers: list[PersonaBrowser]
) -> None:
    blank, shown = browsers
    jumpcloud_page = held_pages.url(JUMPCLOUD_HOST, "/userconsole")
    with qtbot.waitSignal(shown.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        shown.view.load(QUrl(jumpcloud_page))
    assert "Page /userconsole" in page_text(qtbot, shown)
    shown_appeared = ShowCounter(waiting_state(shown))
    blank_appeared = ShowCounter(waiting_state(blank))

    # A link followed on the same site: the page on screen stays until the next one paints.
    with qtbot.waitSignal(shown.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        shown.view.load(QUrl(held_pages.url(JUMPCLOUD_HOST, "/userconsole/apps")))
    assert shown_appeared.shown == 0

    # Both wait on JumpCloud: the one with a page keeps it; the blank one says what it waits for.
    shown.view.load(QUrl(held_pages.url(JUMPCLOUD_HOST, "/held/a")))
    blank.view.load(QUrl(held_pages.url(JUMPCLOUD_HOST, "/held/b")))
    qtbot.waitUntil(lambda: bool(waiting_words(blank)), timeout=LOAD_TIMEOUT_MS)
    assert waiting_words(blank) == "Opening JumpCloud… / Waiting for JumpCloud to answer."
    assert waiting_state(blank).accessibleName() == "Opening JumpCloud…"
    assert "Page /userconsole/apps" in page_text(qtbot, shown)
    assert shown_appeared.shown == 0
    assert blank_appeared.shown == 1

    with qtbot.waitSignal(blank.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        held_pages.release.set()
    assert waiting_words(blank) == ""
    assert "Page /held/b" in page_text(qtbot, blank)
    qtbot.waitUntil(lambda: "Page /held/a" in page_text(qtbot, shown), timeout=LOAD_TIMEOUT_MS)
    assert shown_appeared.shown == 0


def test_a_page_from_another_system_that_has_replaced_the_one_shown_is_waited_for_until_it_paints(
    qtbot: QtBot, held_pages: HeldPages, browsers: list[PersonaBrowser]
) -> None:
    shown, _ = browsers
    with qtbot.waitSignal(shown.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        shown.view.load(QUrl(held_pages.url(JUMPCLOUD_HOST, "/userconsole")))
    # BlogIn has answered, but not yet sent its page: Chromium has dropped JumpCloud's and shows nothing.
    shown.view.load(QUrl(held_pages.url(BLOGIN_HOST, "/held-body/sso/saml/callback")))
    qtbot.waitUntil(lambda: bool(waiting_words(shown)), timeout=LOAD_TIMEOUT_MS)
    assert waiting_words(shown) == "Opening BlogIn… / Waiting for BlogIn to answer."
    with qtbot.waitSignal(shown.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        held_pages.release.set()
    assert waiting_words(shown) == ""
    assert "Page /held-body/sso/saml/callback" in page_text(qtbot, shown)


def test_a_failed_load_takes_the_waiting_state_away(
    qtbot: QtBot, held_pages: HeldPages, browsers: list[PersonaBrowser]
) -> None:
    blank, _ = browsers
    blank.view.load(QUrl(held_pages.url(BLOGIN_HOST, "/held/sso")))
    qtbot.waitUntil(lambda: waiting_words(blank).startswith("Opening BlogIn…"), timeout=LOAD_TIMEOUT_MS)
    with qtbot.waitSignal(blank.view.loadFinished, timeout=LOAD_TIMEOUT_MS) as finished:
        blank.reload_button.click()  # Stop, while it loads
    assert finished.args == [False]
    assert waiting_words(blank) == ""


def test_the_waiting_words_grow_with_the_page_zoom_and_the_panel_text_size(
    qtbot: QtBot, held_pages: HeldPages, browsers: list[PersonaBrowser]
) -> None:
    normal, extra_large = browsers
    remember_text_scale(extra_large, EXTRA_LARGE.scale)  # as the window does for View › Panel text size
    for browser in browsers:
        browser.view.load(QUrl(held_pages.url(JUMPCLOUD_HOST, "/held/text")))
    qtbot.waitUntil(lambda: all(waiting_words(browser) for browser in browsers), timeout=LOAD_TIMEOUT_MS)

    def title_height(browser: PersonaBrowser) -> int:
        title = waiting_state(browser).findChild(QLabel, "waitingTitle")
        assert isinstance(title, QLabel) and title.isVisible()
        title.ensurePolished()
        return title.fontMetrics().height()

    at_normal = title_height(normal)
    assert title_height(extra_large) >= at_normal * 1.4
    normal.set_zoom(2.0)
    assert title_height(normal) >= at_normal * 1.8
    normal.set_zoom(1.0)
    assert title_height(normal) == at_normal
