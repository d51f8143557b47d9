"""A keyboard user passes through the panels' lists with Tab, as past any list, and finds Quit's keys."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMenu, QTableView
from pytestqt.qtbot import QtBot

from sandbox.desktop.event_log import EventLogDock
from sandbox.desktop.event_model import EventLogModel
from sandbox.desktop.traffic.dock import ScimTrafficDock
from sandbox.desktop.traffic.model import ScimTrafficModel
from sandbox.desktop.window import MainWindow
from sandbox.events import SandboxEvent, utc_now
from tests.desktop.test_event_model import make_events


def tab_out_of(qtbot: QtBot, dock: QDockWidget, table: QTableView) -> None:
    qtbot.addWidget(dock)
    dock.resize(1280, 500)
    dock.show()
    dock.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dock)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not table.hasFocus())
    # The row chosen stays chosen: Tab went on to the next control, it did not move along the row.
    assert table.selectionModel().selectedRows()[0].row() == 0


def test_tab_leaves_the_event_log_list_for_the_next_control(qtbot: QtBot) -> None:
    model = EventLogModel()
    model.append_events(make_events(5))
    dock = EventLogDock(model)
    tab_out_of(qtbot, dock, dock.table)


def test_tab_leaves_the_scim_traffic_list_for_the_next_control(qtbot: QtBot) -> None:
    model = ScimTrafficModel()
    model.append_traces(
        SandboxEvent(
            system="jumpcloud",
            id=f"exchange-{n}",
            event_type="scim",
            timestamp=utc_now(),
            summary="",
            kind="scim",
            data={"direction": "sent", "method": "POST", "path": "/Users", "status": 201},
        )
        for n in range(3)
    )
    dock = ScimTrafficDock(model)
    tab_out_of(qtbot, dock, dock.table)


def test_file_quit_has_its_keys_even_where_the_platform_names_none(window: MainWindow) -> None:
    quit_action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Quit")
    assert quit_action.shortcuts(), "File › Quit lists no keys"
    expected = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")]
    assert quit_action.shortcuts() == expected


def test_alt_and_a_number_bring_each_panel_to_the_front_with_the_keyboard_in_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    go_to = window.view_menu.findChildren(QMenu)
    menu = next(m for m in go_to if m.title() == "&Go to panel")
    listed = [(a.text(), a.shortcut().toString()) for a in menu.actions()]
    assert listed[:3] == [("Event log", "Alt+1"), ("SAML tracer", "Alt+2"), ("SCIM traffic", "Alt+3")]
    assert [text for text, _ in listed[3:]] == [
        "Flow diagram",
        "Guided walkthrough",
        "Edge cases",
        "Drift view",
    ]
    tracer, traffic = window.traffic_panels.tracer, window.traffic_panels.traffic
    window.event_log.raise_()
    qtbot.waitUntil(lambda: tracer.visibleRegion().isEmpty())
    # Alt+2 from wherever the keyboard is: the SAML tracer, behind the event log, comes in front.
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not tracer.visibleRegion().isEmpty())
    qtbot.waitUntil(lambda: tracer.isAncestorOf(QApplication.focusWidget()))
    assert window.event_log.visibleRegion().isEmpty()
    # A panel that was closed opens.
    traffic.close()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: traffic.isVisible() and traffic.isAncestorOf(QApplication.focusWidget()))


def test_the_navigation_bar_shows_which_control_has_the_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    browser = window.browsers["jumpcloud-admin"]
    reload_button = browser.reload_button
    browser.view.setFocus()
    qtbot.waitUntil(lambda: not reload_button.hasFocus() and not browser.address.hasFocus())
    unfocused = {"button": reload_button.grab().toImage(), "address": browser.address.grab().toImage()}
    reload_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(reload_button.hasFocus)
    assert reload_button.grab().toImage() != unfocused["button"]
    assert reload_button.size() == unfocused["button"].size() / unfocused["button"].devicePixelRatio()
    browser.address.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(browser.address.hasFocus)
    # The field's text is selected on focus and its caret blinks: compare its frame's top edge only.
    top = browser.address.grab().toImage().copy(0, 0, browser.address.width(), 2)
    assert top != unfocused["address"].copy(0, 0, browser.address.width(), 2)
