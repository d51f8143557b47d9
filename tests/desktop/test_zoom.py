"""Zoom for a room: page zoom per persona (or all), larger text in the panels, both remembered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QTabBar
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.event_model import EVENT_TYPE, RESULT, SYSTEM, TIME
from sandbox.desktop.first_layout import MIN_PERSONA_HEIGHT, RIGHT_DOCK_WIDTH
from sandbox.desktop.main import close_window
from sandbox.desktop.panel_text import EXTRA_LARGE, LARGE, NORMAL
from sandbox.desktop.persona_area import SPLIT
from sandbox.desktop.view_controls import browser_of
from sandbox.desktop.window import MainWindow
from sandbox.desktop.zoom import ZOOM_STEPS, stored_zoom, zoomed_in, zoomed_out
from tests.desktop.clicking import click_into_page, evaluate

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def room(qtbot: QtBot, window: MainWindow) -> Iterator[MainWindow]:
    """The shared window, active, in split view, every persona at 100 % and panels at Normal afterwards."""
    window.area.set_mode(SPLIT)
    window.area.choose(0, "jumpcloud-admin")
    window.area.choose(1, "end-user")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    yield window
    window.view_controls.set_zoom_all(False)
    for browser in window.browsers.values():
        browser.set_zoom(1.0)
    window.view_controls.set_text_size(NORMAL)


def focus_page(qtbot: QtBot, browser: PersonaBrowser) -> None:
    click_into_page(browser)
    qtbot.waitUntil(lambda: browser_of(QApplication.focusWidget()) is browser)


def press(qtbot: QtBot, key: Qt.Key, modifiers: Qt.KeyboardModifier = CTRL) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None
    qtbot.keyClick(focused, key, modifiers)


def css_width(browser: PersonaBrowser) -> int:
    """The page's width in CSS pixels: zooming to 200 % halves it, as the reader sees text double."""
    return int(evaluate(browser, "window.innerWidth"))


def test_zoom_steps_are_the_browsers_and_stop_at_25_and_300_percent() -> None:
    assert zoomed_in(1.0) == 1.1 and zoomed_in(1.1000000238) == 1.25
    assert zoomed_out(1.0) == 0.9 and zoomed_out(0.33) == 0.25
    assert zoomed_in(3.0) == 3.0 and zoomed_out(0.25) == 0.25
    assert zoomed_in(1.35) == 1.5  # a level between steps goes to the next one
    assert stored_zoom("1.5") == 1.5
    assert [stored_zoom(value) for value in ("", None, "abc", "12", "-1")] == [1.0] * 5
    assert ZOOM_STEPS[0] == 0.25 and ZOOM_STEPS[-1] == 3.0


def test_keys_zoom_the_persona_that_has_focus_and_the_level_shows_beside_its_address(
    qtbot: QtBot, room: MainWindow
) -> None:
    admin, end_user = room.browsers["jumpcloud-admin"], room.browsers["end-user"]
    width_at_100 = css_width(admin)
    focus_page(qtbot, admin)
    assert not admin.zoom_button.isVisible()

    press(qtbot, Qt.Key.Key_Equal)  # Ctrl+= (Ctrl++ without Shift)
    press(qtbot, Qt.Key.Key_Plus)
    assert admin.zoom_factor == pytest.approx(1.25)
    assert admin.zoom_button.isVisible() and admin.zoom_button.text() == "125 %"
    qtbot.waitUntil(lambda: abs(css_width(admin) - width_at_100 / 1.25) <= 2)
    assert end_user.zoom_factor == pytest.approx(1.0) and not end_user.zoom_button.isVisible()
    assert "JumpCloud Admin: zoom 125 %" in room.statusBar().currentMessage()

    press(qtbot, Qt.Key.Key_Minus)
    press(qtbot, Qt.Key.Key_Minus)
    press(qtbot, Qt.Key.Key_Minus)
    assert admin.zoom_button.text() == "90 %"
    press(qtbot, Qt.Key.Key_0)
    assert admin.zoom_factor == pytest.approx(1.0)
    assert not admin.zoom_button.isVisible()
    qtbot.waitUntil(lambda: abs(css_width(admin) - width_at_100) <= 1)


def test_clicking_the_zoom_level_goes_back_to_100_percent(qtbot: QtBot, room: MainWindow) -> None:
    end_user = room.browsers["end-user"]
    focus_page(qtbot, end_user)
    for _ in range(3):
        press(qtbot, Qt.Key.Key_Plus)
    assert end_user.zoom_button.text() == "150 %"
    QTest.mouseClick(end_user.zoom_button, Qt.MouseButton.LeftButton)
    assert end_user.zoom_factor == pytest.approx(1.0)
    assert not end_user.zoom_button.isVisible()


def test_zoom_all_personas_zooms_every_persona_together(qtbot: QtBot, room: MainWindow) -> None:
    room.view_controls.zoom_all_action.trigger()
    focus_page(qtbot, room.browsers["end-user"])
    press(qtbot, Qt.Key.Key_Plus)
    press(qtbot, Qt.Key.Key_Plus)
    assert [browser.zoom_button.text() for browser in room.browsers.values()] == ["125 %"] * 3
    assert "All personas: zoom 125 %" in room.statusBar().currentMessage()
    room.view_controls.actual_size_action.trigger()
    assert all(browser.zoom_factor == pytest.approx(1.0) for browser in room.browsers.values())


def test_ctrl_wheel_over_a_page_zooms_it_by_the_same_steps(qtbot: QtBot, room: MainWindow) -> None:
    admin = room.browsers["jumpcloud-admin"]
    admin.set_zoom(1.25)
    render = admin.view.focusProxy()
    assert render is not None

    def wheel(delta: int, modifiers: Qt.KeyboardModifier = CTRL) -> None:
        where = QPointF(render.rect().center())
        event = QWheelEvent(
            where,
            QPointF(render.mapToGlobal(where.toPoint())),
            QPoint(0, 0),
            QPoint(0, delta),
            Qt.MouseButton.NoButton,
            modifiers,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(render, event)

    wheel(120)
    # Chromium alone would have gone to 135 %; the window's steps go to 150 %, and say so.
    assert admin.zoom_factor == pytest.approx(1.5)
    assert admin.zoom_button.text() == "150 %"
    wheel(-60)  # half a notch (a touchpad) does nothing yet…
    assert admin.zoom_factor == pytest.approx(1.5)
    wheel(-60)  # …the other half makes a notch
    assert admin.zoom_factor == pytest.approx(1.25)
    wheel(-120, Qt.KeyboardModifier.NoModifier)  # without Ctrl the wheel scrolls the page
    assert admin.zoom_factor == pytest.approx(1.25)


def test_panel_text_size_scales_the_docks_text_and_rows(qtbot: QtBot, room: MainWindow) -> None:
    log, tracer = room.event_log, room.traffic_panels.tracer
    walkthrough, flow = room.panels.walkthrough, room.traffic_panels.flow
    base_points = QApplication.font().pointSizeF()
    base_row = log.table.verticalHeader().defaultSectionSize()
    detail_family = log.detail.font().family()
    assert log.table.font().pointSizeF() == pytest.approx(base_points)
    assert walkthrough.list.font().pixelSize() == 13  # the steps a little larger than the rest

    bottom_before = log.height()
    widths_before = [log.table.horizontalHeader().sectionSize(column) for column in range(5)]
    room.view_controls.text_size_actions[EXTRA_LARGE.key].trigger()
    assert log.table.font().pointSizeF() == pytest.approx(base_points * 1.5)
    assert log.table.verticalHeader().defaultSectionSize() == round(base_row * 1.5)
    assert log.detail.font().pointSizeF() == pytest.approx(base_points * 1.5)
    assert log.detail.font().family() == detail_family  # the record stays monospaced
    assert log.system_filter.font().pointSizeF() == pytest.approx(base_points * 1.5)
    # The event log's fixed columns grow as far as their larger text needs, no further: the Summary
    # keeps the room they did not need.
    header, fixed = log.table.horizontalHeader(), (TIME, SYSTEM, EVENT_TYPE, RESULT)
    assert log.table.model().rowCount() > 0
    assert all(header.sectionSize(column) >= log.table.sizeHintForColumn(column) for column in fixed)
    assert sum(header.sectionSize(column) for column in fixed) < sum(widths_before[c] for c in fixed) * 1.5
    assert tracer.table.font().pointSizeF() == pytest.approx(base_points * 1.5)
    assert walkthrough.list.font().pixelSize() == round(13 * 1.5)
    assert walkthrough.step_title.font().pixelSize() == round(15 * 1.5)
    assert flow.view.transform().m11() == pytest.approx(1.5)
    # The tabs of the docks sharing a place (Event log, SAML tracer…) read at that size too.
    tabs = [bar for bar in room.findChildren(QTabBar) if bar.parent() is room and bar.count()]
    assert tabs and all(bar.font().pointSizeF() == pytest.approx(base_points * 1.5) for bar in tabs)
    # The walkthrough widened for its step names at that size.
    qtbot.waitUntil(lambda: walkthrough.width() >= round(RIGHT_DOCK_WIDTH * 1.5) - 4)
    # The panels below grow too, as far as the personas keep a usable page.
    qtbot.waitUntil(lambda: log.height() > bottom_before)
    assert room.area.height() >= MIN_PERSONA_HEIGHT
    # What a panel builds later is as large: a label made now inside the tracer.
    late = QLabel("built later", tracer.widget())
    late.ensurePolished()
    assert late.font().pointSizeF() == pytest.approx(base_points * 1.5)
    late.deleteLater()

    room.view_controls.text_size_actions[LARGE.key].trigger()  # from Extra large straight to Large
    assert log.table.font().pointSizeF() == pytest.approx(base_points * 1.25)
    assert log.table.verticalHeader().defaultSectionSize() == round(base_row * 1.25)

    wide, tall = walkthrough.width(), log.height()
    room.view_controls.text_size_actions[NORMAL.key].trigger()
    qtbot.wait(50)
    assert (walkthrough.width(), log.height()) == (wide, tall)  # never made smaller than they are
    assert log.table.font().pointSizeF() == pytest.approx(base_points)
    assert log.table.verticalHeader().defaultSectionSize() == base_row
    assert walkthrough.list.font().pixelSize() == 13
    assert flow.view.transform().m11() == pytest.approx(1.0)
    assert all(bar.font().pointSizeF() == pytest.approx(base_points) for bar in tabs)


def test_the_guide_reads_at_the_panel_text_size(room: MainWindow) -> None:
    room.view_controls.set_text_size(LARGE)
    guide = room.show_guide()
    try:
        large = guide.text.font().pointSizeF()
        room.view_controls.set_text_size(NORMAL)
        assert large == pytest.approx(QApplication.font().pointSizeF() * 1.1 * 1.25, rel=0.01)
        assert guide.text.font().pointSizeF() == pytest.approx(QApplication.font().pointSizeF() * 1.1, rel=0.01)
    finally:
        guide.close()


def test_zoom_and_panel_text_size_are_remembered_for_the_next_window(room: MainWindow, module_sandbox: Sandbox) -> None:
    room.browsers["blogin-admin"].set_zoom(1.5)
    room.browsers["end-user"].set_zoom(0.8)
    room.view_controls.set_text_size(LARGE)
    room.save_layout()

    second = MainWindow(module_sandbox)
    try:
        zooms = {key: round(browser.zoom_factor, 2) for key, browser in second.browsers.items()}
        assert zooms == {"jumpcloud-admin": 1.0, "end-user": 0.8, "blogin-admin": 1.5}
        assert second.browsers["blogin-admin"].zoom_button.text() == "150 %"
        assert second.view_controls.text_size == LARGE
        assert second.view_controls.text_size_actions[LARGE.key].isChecked()
        assert second.event_log.table.font().pointSizeF() == pytest.approx(QApplication.font().pointSizeF() * 1.25)
        assert not second.view_controls.zoom_all_action.isChecked()
    finally:
        close_window(second)

    room.view_controls.set_zoom_all(True)
    room.save_layout()
    third = MainWindow(module_sandbox)
    try:
        assert third.view_controls.zoom_all_action.isChecked()
    finally:
        close_window(third)
    room.view_controls.set_zoom_all(False)
    for browser in room.browsers.values():
        browser.set_zoom(1.0)
    room.view_controls.set_text_size(NORMAL)
    room.save_layout()
