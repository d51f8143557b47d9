"""The address field in the window: a refused address is said in the status bar, and no longer once a good one opens."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.window import MainWindow


def type_address(qtbot: QtBot, window: MainWindow, text: str) -> None:
    browser = window.browsers["jumpcloud-admin"]
    browser.address.setFocus()
    browser.address.selectAll()
    qtbot.keyClicks(browser.address, text)
    qtbot.keyClick(browser.address, Qt.Key.Key_Return)


def test_the_reason_an_address_was_refused_goes_once_the_next_one_opens(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox
) -> None:
    window.area.choose(0, "jumpcloud-admin")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    type_address(qtbot, window, "ftp://files.example.org")
    assert window.statusBar().currentMessage() == "Only web addresses (http:// or https://) open here, not ftp: ones."
    browser = window.browsers["jumpcloud-admin"]
    with qtbot.waitSignal(browser.view.loadFinished, timeout=60_000):
        type_address(qtbot, window, "console.jumpcloud.localhost/login")
    assert window.statusBar().currentMessage() == ""
    assert browser.view.url().port() == module_sandbox.jumpcloud.port
