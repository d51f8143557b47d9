"""The Copy buttons of the User Provisioning tab in QtWebEngine, the browser the sandbox's window embeds:
a click copies the Secret (Bearer) token to the clipboard; where the page may not copy, it says which keys do
and leaves the value selected (the Clipboard API alone waited forever there, so Copy did nothing)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QEventLoop, QPoint, Qt, QTimer, QUrl
from PySide6.QtNetwork import QNetworkCookie
from PySide6.QtTest import QTest
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QApplication

from sandbox.app import Sandbox
from sandbox.http import http_client
from tests.conftest import sign_in_blogin_admin

pytestmark = pytest.mark.desktop


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        QTimer.singleShot(15, loop.quit)
        loop.exec()


def run_js(view: QWebEngineView, script: str) -> Any:
    """``script``'s value (made JSON in the page), once the page has answered."""
    answers: list[str] = []
    view.page().runJavaScript(
        f"(function () {{ var value = ({script}); return JSON.stringify(value === undefined ? null : value); }})()",
        0,
        answers.append,
    )
    wait_for(lambda: bool(answers), f"the page to run {script!r}")
    return json.loads(answers[0])


@pytest.fixture
def provisioning_tab(qapp: QApplication, running: Sandbox, token: str) -> Iterator[QWebEngineView]:
    yield from admin_page(running, "/settings/sso/provisioning", "bearer-token")


@pytest.fixture
def sso_tab(qapp: QApplication, running: Sandbox) -> Iterator[QWebEngineView]:
    yield from admin_page(running, "/settings/sso", "sp-entity-id")


def admin_page(running: Sandbox, path: str, element_id: str) -> Iterator[QWebEngineView]:
    """``path`` of BlogIn's console open in a QWebEngineView, signed in as the administrator."""
    with http_client(follow_redirects=False) as admin:
        sign_in_blogin_admin(admin, running)
        cookie = admin.cookies.get("blogin_session")
    assert cookie
    base = QUrl(running.blogin.base_url)
    view = QWebEngineView()
    view.resize(1280, 860)
    view.show()
    session_cookie = QNetworkCookie(QByteArray(b"blogin_session"), QByteArray(cookie.encode()))
    session_cookie.setDomain(base.host())
    session_cookie.setPath("/")
    view.page().profile().cookieStore().setCookie(session_cookie, base)
    loaded: list[bool] = []
    view.loadFinished.connect(loaded.append)
    view.load(QUrl(f"{running.blogin.base_url}{path}"))
    wait_for(lambda: bool(loaded), f"{path} to load")
    assert loaded[0] and run_js(view, f"!!document.getElementById('{element_id}')")
    yield view
    view.close()
    gone: list[bool] = []
    view.destroyed.connect(lambda: gone.append(True))
    view.deleteLater()
    wait_for(lambda: bool(gone), "the view to be deleted", 10)


def click(view: QWebEngineView, selector: str) -> None:
    """A real mouse click (a user gesture) in the middle of the element ``selector`` finds."""
    x, y = run_js(
        view,
        "(function (r) { return [r.left + r.width / 2, r.top + r.height / 2]; })"
        f"(document.querySelector({json.dumps(selector)}).getBoundingClientRect())",
    )
    target = view.focusProxy() or view
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(x), int(y)))


def test_a_click_on_copy_puts_the_token_on_the_clipboard(
    provisioning_tab: QWebEngineView, token: str, qapp: QApplication
) -> None:
    qapp.clipboard().setText("something else")
    click(provisioning_tab, "[data-copy=bearer-token]")
    wait_for(lambda: qapp.clipboard().text() == token, "the token on the clipboard", 10)
    assert run_js(provisioning_tab, "document.querySelector('[data-copy=bearer-token]').textContent") == "Copied"


def test_a_click_on_copy_beside_the_sp_entity_id_copies_it(
    sso_tab: QWebEngineView, running: Sandbox, qapp: QApplication
) -> None:
    qapp.clipboard().setText("something else")
    click(sso_tab, "#sp-entity-id + .copy-button")
    expected = f"{running.blogin.base_url}/"
    wait_for(lambda: qapp.clipboard().text() == expected, "the SP Entity ID on the clipboard", 10)


def test_where_the_page_may_not_copy_it_says_how_and_selects_the_value(provisioning_tab: QWebEngineView) -> None:
    # A click made by a script carries no user gesture: the page may not write to the clipboard.
    run_js(provisioning_tab, "document.querySelector('[data-copy=base-url]').click()")
    wait_for(
        lambda: run_js(provisioning_tab, "document.querySelector('[data-copy=base-url]').textContent") != "Copy",
        "the button to answer",
        10,
    )
    said, focused = run_js(
        provisioning_tab,
        "[document.querySelector('[data-copy=base-url]').textContent, document.activeElement.id]",
    )
    assert (said, focused) == ("Press Ctrl+C", "base-url")
