"""Desktop fixtures: QtWebEngine imported before any QApplication, one window per test module."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6 import QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.main import close_window
from sandbox.desktop.none_refcount import keep_none_alive
from sandbox.desktop.personas import Persona
from sandbox.desktop.startup import load_before_chromium
from sandbox.desktop.theme import apply_theme
from sandbox.desktop.window import LAYOUT_FILE, MainWindow
from sandbox.http import http_client
from sandbox.settings import Settings

keep_none_alive()
# Before any test starts Chromium: xmlsec cannot load once it has (the tracer loads it on first use).
load_before_chromium()

#: every persona's first page in a freshly started Chromium: about 3 s on an idle machine, 10 s with the
#: test's processes held to a fifth of a core and 21 s to a tenth, and two workers start theirs at once
#: on CI's two cores. Generous: a wait that passes costs nothing more.
LOAD_TIMEOUT_MS = 120_000


@pytest.fixture
def fresh(qapp: QApplication, module_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The module's sandbox with no layout remembered, as on a first launch."""
    apply_theme(qapp)
    layout_file: Path = module_sandbox.settings.data_dir / LAYOUT_FILE
    layout_file.unlink(missing_ok=True)
    yield module_sandbox
    layout_file.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def module_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("desktop") / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as running:
        yield running


@pytest.fixture(scope="module")
def window(qapp: QApplication, module_sandbox: Sandbox) -> Iterator[MainWindow]:
    """The main window over a running sandbox, every persona's first page loaded."""
    apply_theme(qapp)
    main_window = MainWindow(module_sandbox)
    main_window.show()
    main_window.start()
    wait_for(lambda: main_window.all_personas_loaded, LOAD_TIMEOUT_MS)
    yield main_window
    close_window(main_window)


def wait_for(condition: Callable[[], bool], timeout_ms: int = 10_000) -> None:
    """Like ``qtbot.waitUntil`` for module-scoped fixtures, which cannot use the function-scoped qtbot.

    Needs the QApplication (ask for the ``qapp`` fixture first): without one no timer fires and the
    event loop would wait for ever, so it refuses straight away instead.
    """
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop

    if QCoreApplication.instance() is None:
        raise RuntimeError(
            "wait_for needs a running QApplication: request the 'qapp' fixture before any fixture that waits"
        )
    deadline = QDeadlineTimer(timeout_ms)
    loop = QEventLoop()
    while not condition():
        if deadline.hasExpired():
            raise TimeoutError("condition not met in time")
        QTimer.singleShot(20, loop.quit)
        loop.exec()


def page_text(qtbot: QtBot, browser: PersonaBrowser) -> str:
    """The visible text of the persona's current page."""
    result: list[str] = []
    browser.page.runJavaScript("JSON.stringify(document.body ? document.body.innerText : '')", 0, result.append)
    qtbot.waitUntil(lambda: bool(result), timeout=10_000)
    return str(json.loads(result[0]))


def load(qtbot: QtBot, browser: PersonaBrowser, url: str) -> None:
    with qtbot.waitSignal(browser.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        browser.view.load(QUrl(url))


@contextmanager
def lone_persona_browser(qtbot: QtBot, persona: Persona, width: int, height: int) -> Iterator[PersonaBrowser]:
    """A persona's browser on a profile of its own, outside any window, shown at ``width`` × ``height``."""
    profile = QWebEngineProfile()
    shown = PersonaBrowser(persona, profile, lambda: "about:blank")
    shown.resize(width, height)
    shown.show()
    qtbot.waitExposed(shown)
    try:
        yield shown
    finally:
        shown.close()
        shown.view.setPage(None)  # type: ignore[arg-type]
        shown.page.deleteLater()
        profile.deleteLater()


def blogin_only_account(base_url: str, token: str, email: str, given: str, family: str) -> str:
    """Someone with a BlogIn account and no JumpCloud user, created over BlogIn's SCIM API as another client would;
    their SCIM id."""
    with http_client() as scim:
        created = scim.post(
            f"{base_url.rstrip('/')}/Users",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": email,
                "name": {"givenName": given, "familyName": family},
                "emails": [{"value": email}],
            },
        )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def answer_next_dialog(button_text: str, seen: list[str]) -> None:
    """When the next modal dialog opens, note its text and press the button labelled ``button_text``."""

    def try_answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(20, try_answer)
            return
        seen.append(f"{dialog.text()}\n{dialog.informativeText()}")
        for button in dialog.buttons():
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} in {[b.text() for b in dialog.buttons()]}")

    QTimer.singleShot(20, try_answer)


def find_child(parent: QWidget, kind: type, name: str) -> QWidget:
    child = parent.findChild(kind, name)
    assert child is not None, name
    return child


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"
