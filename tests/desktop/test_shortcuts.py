"""Browser keys in the persona browsers, pressed while the web page has the keyboard, and the address field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.persona_area import SPLIT, TABS
from sandbox.desktop.view_controls import browser_of
from sandbox.desktop.window import MainWindow
from tests.desktop.clicking import click, click_into_page, evaluate, spin, type_into
from tests.desktop.conftest import LOAD_TIMEOUT_MS, load

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def split_window(qtbot: QtBot, window: MainWindow) -> Iterator[MainWindow]:
    """The shared window, active, in split view with the JumpCloud Admin and the End User."""
    window.area.set_mode(SPLIT)
    window.area.choose(0, "jumpcloud-admin")
    window.area.choose(1, "end-user")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    yield window
    window.area.set_mode(SPLIT)


def focus_page(qtbot: QtBot, browser: PersonaBrowser) -> QWidget:
    """Click into the persona's page, as a person would, and return the widget that has the keyboard."""
    render = click_into_page(browser)
    qtbot.waitUntil(lambda: browser_of(QApplication.focusWidget()) is browser)
    assert QApplication.focusWidget() is render
    return render


def press(qtbot: QtBot, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed and released in whatever widget has the keyboard."""
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, key, modifiers)


def test_alt_left_and_alt_right_go_back_and_forward_in_the_page_that_has_focus(
    qtbot: QtBot, split_window: MainWindow, module_sandbox: Sandbox
) -> None:
    admin, end_user = split_window.browsers["jumpcloud-admin"], split_window.browsers["end-user"]
    start = admin.view.url()
    load(qtbot, admin, f"{module_sandbox.jumpcloud.base_url}/users")
    end_user_url = end_user.view.url()

    focus_page(qtbot, admin)
    with qtbot.waitSignal(admin.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        press(qtbot, Qt.Key.Key_Left, ALT)
    assert admin.view.url() == start
    assert admin.address.text() == start.toDisplayString()
    with qtbot.waitSignal(admin.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        press(qtbot, Qt.Key.Key_Right, ALT)
    assert admin.view.url().path() == "/users"
    assert end_user.view.url() == end_user_url  # the other persona did not move


@pytest.mark.parametrize(("key", "modifiers"), [(Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier), (Qt.Key.Key_R, CTRL)])
def test_f5_and_ctrl_r_reload_only_the_persona_that_has_focus(
    qtbot: QtBot, split_window: MainWindow, key: Qt.Key, modifiers: Qt.KeyboardModifier
) -> None:
    admin, end_user = split_window.browsers["jumpcloud-admin"], split_window.browsers["end-user"]
    focus_page(qtbot, end_user)
    evaluate(end_user, "window.beforeReload = true")
    evaluate(admin, "window.beforeReload = true")
    with qtbot.waitSignal(end_user.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        press(qtbot, key, modifiers)
    qtbot.waitUntil(lambda: evaluate(end_user, "window.beforeReload === undefined"), timeout=LOAD_TIMEOUT_MS)
    spin(200)
    assert evaluate(admin, "window.beforeReload === true")  # the JumpCloud Admin's page was left alone


def test_ctrl_l_from_a_field_in_the_page_selects_the_address_field(qtbot: QtBot, split_window: MainWindow) -> None:
    end_user = split_window.browsers["end-user"]
    focus_page(qtbot, end_user)
    # Typing in the page's own field: keys reach the page, and Ctrl+L still reaches the window.
    type_into(end_user, "input[name=login]", "ada")
    press(qtbot, Qt.Key.Key_L, CTRL)
    qtbot.waitUntil(lambda: end_user.address.hasFocus())
    assert end_user.address.selectedText() == end_user.address.text() != ""
    # Typing replaces the selected address, as in a browser.
    QTest.keyClicks(end_user.address, "acme")
    assert end_user.address.text() == "acme"
    # Escape drops what was typed and gives the keyboard back to the page.
    QTest.keyClick(end_user.address, Qt.Key.Key_Escape)
    assert end_user.address.text() == end_user.view.url().toDisplayString()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is end_user.view.focusProxy())


def test_ctrl_tab_and_ctrl_page_keys_switch_persona_in_tab_view(qtbot: QtBot, split_window: MainWindow) -> None:
    area = split_window.area
    area.set_mode(TABS)
    area.tabs.setCurrentIndex(0)
    first = area.visible_browsers()[0]
    qtbot.waitUntil(lambda: (render := first.view.focusProxy()) is not None and render.isVisible())
    focus_page(qtbot, first)

    def shown() -> str:
        return area.visible_browsers()[0].persona.key

    press(qtbot, Qt.Key.Key_Tab, CTRL)
    assert shown() == "end-user"
    # The persona switched to has the keyboard: the next key acts on it.
    qtbot.waitUntil(lambda: browser_of(QApplication.focusWidget()) is split_window.browsers["end-user"])
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert shown() == "blogin-admin"
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert shown() == "jumpcloud-admin"  # round again
    press(qtbot, Qt.Key.Key_Backtab, CTRL | SHIFT)
    assert shown() == "blogin-admin"
    press(qtbot, Qt.Key.Key_PageUp, CTRL)
    assert shown() == "end-user"


def test_ctrl_tab_in_split_view_moves_the_keyboard_to_the_other_pane(qtbot: QtBot, split_window: MainWindow) -> None:
    focus_page(qtbot, split_window.browsers["jumpcloud-admin"])
    press(qtbot, Qt.Key.Key_Tab, CTRL)
    qtbot.waitUntil(lambda: browser_of(QApplication.focusWidget()) is split_window.browsers["end-user"])
    assert split_window.area.mode == SPLIT


def test_no_two_actions_share_a_shortcut_and_the_old_ones_stay(split_window: MainWindow) -> None:
    owners: dict[str, list[str]] = {}
    for action in split_window.findChildren(QAction):
        for sequence in action.shortcuts():
            owners.setdefault(sequence.toString(), []).append(action.text())
    shared = {key: names for key, names in owners.items() if len(set(names)) > 1 or len(names) > 1}
    assert not shared
    for key, name in [
        ("Ctrl+1", "&Split view"),
        ("Ctrl+2", "&Tabs"),
        ("Ctrl+O", "&Open scenario…"),
        ("Ctrl+S", "&Save scenario…"),
        ("F1", "Integration &guide"),
        ("Ctrl+Shift+R", "Reload all personas"),
        ("Alt+Left", "&Back"),
        ("Alt+Right", "&Forward"),
        ("F5", "&Reload persona"),
        ("Ctrl+R", "&Reload persona"),
        ("Ctrl+L", "Go to &address field"),
        ("Ctrl+Tab", "&Next persona"),
        ("Ctrl++", "Zoom &In"),
        ("Ctrl+=", "Zoom &In"),
        ("Ctrl+-", "Zoom &Out"),
        ("Ctrl+0", "Actual &Size"),
    ]:
        assert owners.get(key) == [name], key


def test_a_javascript_address_is_not_run_and_the_window_says_why(qtbot: QtBot, split_window: MainWindow) -> None:
    admin = split_window.browsers["jumpcloud-admin"]
    before = admin.view.url()
    evaluate(admin, "window.untouched = true")
    started: list[bool] = []
    admin.view.loadStarted.connect(lambda: started.append(True))
    try:
        for typed in ("javascript:window.untouched = false", "file:///etc/passwd", "/etc/passwd", "what is saml"):
            admin.focus_address()
            QTest.keyClicks(admin.address, typed)
            QTest.keyClick(admin.address, Qt.Key.Key_Return)
            message = split_window.statusBar().currentMessage()
            assert message, typed
            assert admin.address.text() == typed  # kept, selected, to be corrected
            assert admin.address.selectedText() == typed
        spin(300)
    finally:
        admin.view.loadStarted.disconnect()
    assert not started
    assert admin.view.url() == before
    assert evaluate(admin, "window.untouched") is True
    assert "javascript:" in _status_after(admin, split_window, "javascript:alert(1)")
    assert "not a web address" in _status_after(admin, split_window, "what is saml")
    admin.address.setText(before.toDisplayString())


def _status_after(browser: PersonaBrowser, window: MainWindow, typed: str) -> str:
    browser.focus_address()
    QTest.keyClicks(browser.address, typed)
    QTest.keyClick(browser.address, Qt.Key.Key_Return)
    return window.statusBar().currentMessage()


def test_a_sandbox_host_typed_without_its_port_reaches_the_running_system(
    qtbot: QtBot, split_window: MainWindow, module_sandbox: Sandbox
) -> None:
    end_user = split_window.browsers["end-user"]
    end_user.focus_address()
    QTest.keyClicks(end_user.address, f"{module_sandbox.blogin.host}/login")
    with qtbot.waitSignal(end_user.view.loadFinished, timeout=LOAD_TIMEOUT_MS) as loaded:
        QTest.keyClick(end_user.address, Qt.Key.Key_Return)
    assert loaded.args == [True]
    assert end_user.view.url().port() == module_sandbox.blogin.port
    assert "BlogIn" in evaluate(end_user, "document.title")


def test_open_in_system_browser_without_a_browser_says_so_and_offers_the_address(
    qtbot: QtBot, split_window: MainWindow
) -> None:
    # Offscreen, Qt has no desktop to hand a URL to: as on a machine with no browser installed.
    admin = split_window.browsers["jumpcloud-admin"]
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append(f"{box.text()}\n{box.informativeText()}")
        next(button for button in box.buttons() if button.text() == "Copy address").click()

    QTimer.singleShot(20, answer)
    assert admin.open_in_system_browser() is False
    assert seen and "No browser could be started" in seen[0]
    assert admin.view.url().toDisplayString() in seen[0]
    assert QApplication.clipboard().text() == admin.view.url().toDisplayString()


def test_a_link_that_opens_a_new_tab_opens_in_the_same_persona_browser(
    qtbot: QtBot, split_window: MainWindow, module_sandbox: Sandbox
) -> None:
    # As a Bookmark Application's tile in the User Console does (target="_blank").
    end_user = split_window.browsers["end-user"]
    console = f"{module_sandbox.jumpcloud.base_url}/userconsole"
    page = f'<a href="{console}/login" target="_blank" rel="noopener" style="font-size:40px">BlogIn bookmark</a>'
    with qtbot.waitSignal(end_user.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        end_user.view.setHtml(page, QUrl(f"{console}/"))
    with qtbot.waitSignal(end_user.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        click(end_user, "a")
    assert end_user.view.url().toString() == f"{console}/login"
    assert "User Console" in evaluate(end_user, "document.body.innerText")


def test_the_view_menu_lists_every_panel_together_then_the_persona_keys_then_zoom(split_window: MainWindow) -> None:
    view = next(a.menu() for a in split_window.menuBar().actions() if a.text() == "&View")
    groups: list[list[str]] = [[]]
    for action in view.actions():
        if action.isSeparator():
            groups.append([])
        else:
            groups[-1].append(action.text().replace("&", ""))
    assert groups == [
        ["Split view", "Tabs"],
        [
            "Event log",
            "SAML tracer",
            "SCIM traffic",
            "Flow diagram",
            "Guided walkthrough",
            "Edge cases",
            "Drift view",
            "Go to panel",
        ],
        [
            "Back",
            "Forward",
            "Reload persona",
            "Reload all personas",
            "Go to address field",
            "Next persona",
            "Previous persona",
        ],
        ["Zoom In", "Zoom Out", "Actual Size", "Zoom all personas", "Panel text size"],
    ]


def test_an_address_outside_the_sandbox_opens_and_the_status_bar_says_where_it_goes(
    qtbot: QtBot, split_window: MainWindow
) -> None:
    end_user = split_window.browsers["end-user"]
    before = end_user.view.url()
    end_user.focus_address()
    QTest.keyClicks(end_user.address, "blogin.invalid/login")  # a typo'd host: .invalid never resolves
    with qtbot.waitSignal(end_user.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        QTest.keyClick(end_user.address, Qt.Key.Key_Return)
    assert "blogin.invalid is outside the sandbox" in split_window.statusBar().currentMessage()
    with qtbot.waitSignal(end_user.view.loadFinished, timeout=LOAD_TIMEOUT_MS):
        end_user.view.load(before)
