"""Room for the panels below the personas: a sensible first layout, and the user's own layout after."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.first_layout import (
    BOTTOM_DOCK_SHARE,
    MIN_PERSONA_HEIGHT,
    MIN_PERSONA_WIDTH,
    RIGHT_DOCK_WIDTH,
)
from sandbox.desktop.main import close_window
from sandbox.desktop.panel_text import EXTRA_LARGE, NORMAL
from sandbox.desktop.window import MainWindow


def _shown(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    # The default share is given once the window is laid out at the size it got.
    qtbot.waitUntil(lambda: window.event_log.height() > 300)
    qtbot.wait(100)


def _rows_shown(window: MainWindow) -> int:
    table = window.event_log.table
    return table.viewport().height() // table.verticalHeader().defaultSectionSize()


def test_first_window_gives_the_bottom_panels_a_third_of_the_height(qtbot: QtBot, fresh: Sandbox) -> None:
    window = MainWindow(fresh)
    try:
        _shown(qtbot, window)
        assert window.height() == 1000
        log = window.event_log
        assert _rows_shown(window) >= 10  # ten events and more without scrolling
        assert log.height() >= round(window.height() * BOTTOM_DOCK_SHARE) - 40
        # The personas keep a usable page: header, address bar and ~400 px of page.
        assert window.area.height() >= MIN_PERSONA_HEIGHT
        browser = window.area.visible_browsers()[0]
        assert browser.view.height() >= MIN_PERSONA_HEIGHT - 100
        assert window.panels.walkthrough.width() == pytest.approx(RIGHT_DOCK_WIDTH, abs=4)

        # The SAML tracer, raised, has the same room: its reason above the message and the message below.
        tracer = window.traffic_panels.tracer
        tracer.raise_()
        qtbot.waitUntil(tracer.isVisible)
        assert tracer.height() == log.height()
        assert tracer.detail.height() >= 250
    finally:
        close_window(window)


def test_with_the_docks_built_after_the_first_page_the_share_is_the_same(qtbot: QtBot, fresh: Sandbox) -> None:
    window = MainWindow(fresh, docks_after_first_page=True)
    try:
        _shown(qtbot, window)
        window.install_docks()
        qtbot.waitUntil(lambda: window.panels.walkthrough.isVisible())
        qtbot.wait(100)
        assert _rows_shown(window) >= 10
        assert window.area.height() >= MIN_PERSONA_HEIGHT
        assert window.panels.walkthrough.width() == pytest.approx(RIGHT_DOCK_WIDTH, abs=4)
    finally:
        close_window(window)


def test_a_remembered_layout_wins_over_the_default_share(qtbot: QtBot, fresh: Sandbox) -> None:
    first = MainWindow(fresh)
    try:
        _shown(qtbot, first)
        first.resizeDocks([first.event_log], [220], Qt.Orientation.Vertical)
        qtbot.wait(100)
        kept, saved_size = first.event_log.height(), first.size()
        assert kept < 250
    finally:
        close_window(first)  # closing saves the layout

    second = MainWindow(fresh)
    try:
        # At the size it was saved at: the offscreen platform's screen is smaller than that, and the window
        # would come back fitted to it, its docks taking their share of it (see test_window_resize.py).
        second.resize(saved_size)
        second.show()
        qtbot.waitExposed(second)
        qtbot.wait(100)
        assert second.event_log.height() == kept
    finally:
        close_window(second)


def test_extra_large_text_on_a_narrow_window_leaves_the_personas_their_width(qtbot: QtBot, fresh: Sandbox) -> None:
    window = MainWindow(fresh)
    try:
        window.resize(1100, 800)
        _shown(qtbot, window)
        walkthrough = window.panels.walkthrough
        qtbot.waitUntil(lambda: walkthrough.width() == pytest.approx(RIGHT_DOCK_WIDTH, abs=4))
        window.view_controls.text_size_actions[EXTRA_LARGE.key].trigger()
        qtbot.wait(100)
        # Wider for its larger step names, as far as two pages side by side keep a usable width.
        assert walkthrough.width() > RIGHT_DOCK_WIDTH
        assert window.area.width() >= MIN_PERSONA_WIDTH
    finally:
        window.view_controls.text_size_actions[NORMAL.key].trigger()
        close_window(window)


def test_on_a_wide_screen_the_walkthrough_runs_the_whole_height(qtbot: QtBot, fresh: Sandbox) -> None:
    window = MainWindow(fresh)
    try:
        _shown(qtbot, window)
        walkthrough, log = window.panels.walkthrough, window.event_log
        qtbot.waitUntil(walkthrough.isVisible)
        # At the default 1600 px the event log takes the whole width, its summaries whole.
        assert log.geometry().right() > walkthrough.geometry().left()
        assert walkthrough.geometry().bottom() < log.geometry().top()

        window.resize(1920, 1080)  # a 1080p projector
        qtbot.waitUntil(lambda: walkthrough.geometry().bottom() > log.geometry().top())
        assert log.geometry().right() < walkthrough.geometry().left()
        # Every step and a good part of the open step's instructions in sight at once.
        assert walkthrough.height() >= window.area.height() + log.height() - 40

        window.resize(1600, 1000)  # back to a narrower window: the log has the width again
        qtbot.waitUntil(lambda: log.geometry().right() > walkthrough.geometry().left())
    finally:
        close_window(window)
