"""The menus and dialogs as a trainer meets them: Reset during a provisioning run, closing with a
question open, finding a word in the guide."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.main import close_window
from sandbox.desktop.theme import apply_theme
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from tests.desktop.conftest import answer_next_dialog

USERS = 40


@pytest.fixture
def shown_window(qtbot: QtBot, qapp: QApplication, module_sandbox: Sandbox) -> Iterator[MainWindow]:
    """A window over the module's sandbox, on screen; its personas need not load for these dialogs."""
    apply_theme(qapp)
    window = MainWindow(module_sandbox)
    window.show()
    qtbot.waitExposed(window)
    yield window
    close_window(window)


def _start_a_slow_provisioning_run(sandbox: Sandbox) -> None:
    """BlogIn's SCIM answers slowly, so JumpCloud's run to provision every user lasts several seconds."""
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        ids = [
            rehearsal.create_user(DirectoryUser(f"user{n}", f"user{n}@example.org", "Ada", f"Number{n}"))
            for n in range(USERS)
        ]
        rehearsal.authorize_groups([rehearsal.create_group("Writers", ids)])
        base_url, token = rehearsal.enable_blogin_provisioning()
        sandbox.blogin.set_scim_fault("Users", latency_ms=150)
        rehearsal.activate_identity_management(base_url, token)


def test_reset_during_a_provisioning_run_says_so_and_leaves_no_failed_delivery(
    qtbot: QtBot, shown_window: MainWindow, module_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    _start_a_slow_provisioning_run(module_sandbox)
    worker = module_sandbox.jumpcloud.provisioning.worker
    qtbot.waitUntil(lambda: worker.pending() > 0 and worker.running, timeout=10_000)

    seen: list[str] = []
    caplog.set_level(logging.WARNING)
    answer_next_dialog("Reset sandbox", seen)
    assert shown_window.reset_sandbox()
    assert "A provisioning run is going on" in seen[0]
    assert "not yet delivered to BlogIn will be dropped" in seen[0]

    assert module_sandbox.jumpcloud.integration_state().user_count == 0
    assert worker.running  # provisioning goes on for what is done after the reset
    qtbot.wait(1000)  # what was in flight has had time to come back
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]
    assert worker.pending() == 0


def test_closing_the_window_while_reset_asks_cancels_the_reset(
    qtbot: QtBot, shown_window: MainWindow, module_sandbox: Sandbox
) -> None:
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_user(DirectoryUser("kept.user", "kept.user@example.org", "Kept", "User"))
    users_before = module_sandbox.jumpcloud.integration_state().user_count
    closed: list[bool] = []

    def close_while_asking() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, close_while_asking)
            return
        closed.append(shown_window.close())

    QTimer.singleShot(20, close_while_asking)
    assert shown_window.reset_sandbox() is False
    assert closed == [True]
    assert not shown_window.isVisible()
    assert QApplication.activeModalWidget() is None
    assert module_sandbox.jumpcloud.integration_state().user_count == users_before > 0


def test_the_guide_finds_a_word_and_says_when_it_is_not_there(qtbot: QtBot, shown_window: MainWindow) -> None:
    guide = shown_window.show_guide()
    qtbot.waitExposed(guide)
    guide.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is guide)
    QTest.keyClick(guide.text, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert guide.find_field.hasFocus()
    QTest.keyClicks(guide.find_field, "Identity Management")
    QTest.keyClick(guide.find_field, Qt.Key.Key_Return)
    assert guide.isVisible()  # Enter finds; it does not press Close
    first = guide.text.textCursor().selectionStart()
    assert guide.text.textCursor().selectedText() == "Identity Management"
    QTest.keyClick(guide.find_field, Qt.Key.Key_F3)
    assert guide.text.textCursor().selectionStart() > first
    assert guide.find_status.text() == ""

    guide.find_field.clear()
    QTest.keyClicks(guide.find_field, "kerberos ticket")
    QTest.keyClick(guide.find_field, Qt.Key.Key_Return)
    assert guide.find_status.text() == "Not found"
    QTest.keyClick(guide.find_field, Qt.Key.Key_Backspace)
    assert guide.find_status.text() == ""  # typing again clears it
    guide.close()


def test_about_names_both_systems_and_its_links_say_so_when_no_browser_starts(
    qtbot: QtBot, shown_window: MainWindow, module_sandbox: Sandbox
) -> None:
    # Offscreen, Qt has no desktop to hand a URL to: as on a machine with no browser installed.
    about_text: list[str] = []
    no_browser: list[str] = []

    def answer_no_browser() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "noSystemBrowser":
            QTimer.singleShot(20, answer_no_browser)
            return
        no_browser.append(box.informativeText())
        box.button(QMessageBox.StandardButton.Close).click()

    def read_about() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "aboutSandbox":
            QTimer.singleShot(20, read_about)
            return
        about_text.append(box.text())
        label = box.findChild(QLabel, "qt_msgbox_label")
        assert isinstance(label, QLabel)
        QTimer.singleShot(20, answer_no_browser)
        label.linkActivated.emit(module_sandbox.blogin.base_url)  # what a click on the link sends
        box.button(QMessageBox.StandardButton.Ok).click()

    QTimer.singleShot(20, read_about)
    shown_window.show_about()
    assert module_sandbox.jumpcloud.base_url in about_text[0]
    assert module_sandbox.blogin.base_url in about_text[0]
    assert str(module_sandbox.settings.data_dir) in about_text[0]
    assert no_browser and module_sandbox.blogin.base_url in no_browser[0]


def _base_points() -> float:
    return QApplication.font().pointSizeF()


def test_the_dialogs_follow_the_panel_text_size(
    qtbot: QtBot, shown_window: MainWindow, module_sandbox: Sandbox, tmp_path: Path
) -> None:
    """At View › Panel text size › Extra large, About, the no-browser dialog, Reset sandbox… and an error
    message read at that size too, their buttons included; back at Normal, at the size they were built."""
    sizes = shown_window.view_controls.text_size_actions
    seen: dict[str, tuple[float, float, int]] = {}

    def note(box: QMessageBox) -> None:
        label = box.findChild(QLabel, "qt_msgbox_label")
        assert isinstance(label, QLabel)
        button = box.buttons()[0]
        seen[box.objectName()] = (label.font().pointSizeF(), button.font().pointSizeF(), label.minimumWidth())

    def answer(name: str, button: QMessageBox.StandardButton, then: Callable[[], None] | None = None) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != name:
            QTimer.singleShot(20, lambda: answer(name, button, then))
            return
        note(box)
        if then is not None:
            then()
        box.button(button).click()

    def about_then_its_link() -> None:
        QTimer.singleShot(20, lambda: answer("noSystemBrowser", QMessageBox.StandardButton.Close))
        about = QApplication.activeModalWidget()
        label = about.findChild(QLabel, "qt_msgbox_label") if about is not None else None
        assert isinstance(label, QLabel)
        label.linkActivated.emit(module_sandbox.blogin.base_url)

    sizes["extra-large"].trigger()
    try:
        QTimer.singleShot(20, lambda: answer("aboutSandbox", QMessageBox.StandardButton.Ok, about_then_its_link))
        shown_window.show_about()
        QTimer.singleShot(20, lambda: answer("resetConfirmation", QMessageBox.StandardButton.Cancel))
        assert shown_window.reset_sandbox() is False
        QTimer.singleShot(20, lambda: answer("errorMessage", QMessageBox.StandardButton.Ok))
        assert shown_window.panels.load(tmp_path / "missing.sso-scenario") is False
        large = dict(seen)

        sizes["normal"].trigger()
        seen.clear()
        QTimer.singleShot(20, lambda: answer("aboutSandbox", QMessageBox.StandardButton.Ok))
        shown_window.show_about()
        normal = dict(seen)
    finally:
        sizes["normal"].trigger()  # the module's later windows read the layout this one saves

    assert set(large) == {"aboutSandbox", "noSystemBrowser", "resetConfirmation", "errorMessage"}
    for name, (text, button, _width) in large.items():
        assert text == pytest.approx(_base_points() * 1.5, abs=0.05), name
        assert button == pytest.approx(_base_points() * 1.5, abs=0.05), name
    about_text, _button, about_width = normal["aboutSandbox"]
    assert about_text == pytest.approx(_base_points(), abs=0.05)
    # Each address still on one line: the About text is made wider with its text.
    assert large["aboutSandbox"][2] == round(about_width * 1.5)
    # Nothing of the dialogs is left behind in the window once answered.
    qtbot.waitUntil(lambda: not shown_window.findChildren(QMessageBox))
