"""A window made smaller (a laptop plugged into a projector, a remembered layout on a smaller screen): the
docks keep their share of it rather than their size, and the personas keep a readable page."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.first_layout import MIN_EVENT_LOG_ROWS, MIN_PERSONA_HEIGHT, MIN_PERSONA_WIDTH, RIGHT_DOCK_WIDTH
from sandbox.desktop.main import close_window
from sandbox.desktop.panel_text import EXTRA_LARGE, LARGE, NORMAL
from sandbox.desktop.persona_area import SPLIT, TABS
from sandbox.desktop.window import LAYOUT_FILE, WIDE_WINDOW, MainWindow

PROJECTOR = (1280, 720)


def launch(qtbot: QtBot, sandbox: Sandbox, size: tuple[int, int], mode: str = SPLIT) -> MainWindow:
    """A window opened at ``size`` with no layout remembered, its first layout given, personas in ``mode``."""
    window = MainWindow(sandbox)
    window.resize(*size)
    window.area.set_mode(mode)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.first_layout.pending)
    assert (window.width(), window.height()) == size
    return window


def resize(qtbot: QtBot, window: MainWindow, size: tuple[int, int]) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)


def page_height(window: MainWindow) -> int:
    """The height of the page the reader sees in the persona area (below its header, address bar, tabs)."""
    return window.area.visible_browsers()[0].view.height()


def rows_shown(window: MainWindow) -> int:
    table = window.event_log.table
    return table.viewport().height() // table.verticalHeader().defaultSectionSize()


def share(window: MainWindow, dock: QDockWidget, orientation: Qt.Orientation) -> float:
    """The dock's share of the room it and the personas divide that way."""
    if orientation == Qt.Orientation.Vertical:
        return dock.height() / (dock.height() + window.area.height())
    return dock.width() / (dock.width() + window.area.width())


@pytest.mark.parametrize("mode", [SPLIT, TABS])
def test_a_window_made_projector_sized_gives_the_personas_what_a_first_launch_there_does(
    qtbot: QtBot, fresh: Sandbox, mode: str
) -> None:
    first = launch(qtbot, fresh, PROJECTOR, mode)
    try:
        projector_area, projector_page = first.area.height(), page_height(first)
    finally:
        close_window(first)
    (fresh.settings.data_dir / LAYOUT_FILE).unlink()

    window = launch(qtbot, fresh, (1600, 1000), mode)
    try:
        log = window.event_log
        default_log = log.height()
        resize(qtbot, window, PROJECTOR)
        # Before, the log kept its 340 px and the pages got about 220 px (190 px in tabs).
        qtbot.waitUntil(lambda: window.area.height() >= projector_area - 4)
        assert page_height(window) >= projector_page - 4
        assert log.height() < default_log
        assert rows_shown(window) >= MIN_EVENT_LOG_ROWS

        # Back at its size the window has the docks as they were: the personas gave the room back.
        resize(qtbot, window, (1600, 1000))
        qtbot.waitUntil(lambda: log.height() == default_log)
    finally:
        close_window(window)


def test_maximised_on_a_small_screen_and_restored_the_docks_have_their_size_back(qtbot: QtBot, fresh: Sandbox) -> None:
    """The offscreen platform's screen is 800 × 800: maximised, the window is smaller than it was."""
    window = launch(qtbot, fresh, (1600, 1000))
    try:
        log = window.event_log
        default_log = log.height()
        window.showMaximized()
        qtbot.waitUntil(lambda: window.height() < 1000)
        qtbot.waitUntil(lambda: window.area.height() >= MIN_PERSONA_HEIGHT)  # before, about 380 px
        assert rows_shown(window) >= MIN_EVENT_LOG_ROWS
        window.showNormal()
        qtbot.waitUntil(lambda: (window.width(), window.height()) == (1600, 1000))
        qtbot.waitUntil(lambda: log.height() == default_log)
    finally:
        close_window(window)


def test_a_dock_the_reader_sized_keeps_its_share_of_the_window(qtbot: QtBot, fresh: Sandbox) -> None:
    window = launch(qtbot, fresh, (1600, 1000))
    try:
        log = window.event_log
        window.resizeDocks([log], [200], Qt.Orientation.Vertical)  # the reader makes the log lower
        qtbot.waitUntil(lambda: log.height() <= 200)
        chosen, chosen_share = log.height(), share(window, log, Qt.Orientation.Vertical)

        resize(qtbot, window, (1600, 860))
        qtbot.waitUntil(lambda: log.height() < chosen)
        assert share(window, log, Qt.Orientation.Vertical) == pytest.approx(chosen_share, abs=0.01)
        assert window.area.height() >= MIN_PERSONA_HEIGHT

        # A taller window gives the log back what the reader gave it, and no more.
        resize(qtbot, window, (1600, 1100))
        qtbot.waitUntil(lambda: log.height() == chosen)

        # Sized again at another size: that is the share kept from then on, never grown past.
        resize(qtbot, window, (1600, 860))
        qtbot.waitUntil(lambda: log.height() < chosen)
        window.resizeDocks([log], [250], Qt.Orientation.Vertical)
        qtbot.waitUntil(lambda: log.height() >= 220)
        taller, taller_share = log.height(), share(window, log, Qt.Orientation.Vertical)
        resize(qtbot, window, (1600, 1000))
        qtbot.wait(50)  # nothing grows it afterwards
        assert log.height() == taller
        resize(qtbot, window, (1600, 800))
        qtbot.waitUntil(lambda: log.height() < taller)
        assert share(window, log, Qt.Orientation.Vertical) == pytest.approx(taller_share, abs=0.01)
    finally:
        close_window(window)


def test_a_panel_text_size_chosen_on_the_smaller_window_keeps_the_docks_share(qtbot: QtBot, fresh: Sandbox) -> None:
    window = launch(qtbot, fresh, (1600, 1000))
    try:
        log = window.event_log
        default_log = log.height()
        resize(qtbot, window, PROJECTOR)
        qtbot.waitUntil(lambda: window.area.height() >= MIN_PERSONA_HEIGHT)
        # Larger text on the projector: its taller tabs take a little of the log, not the log's share.
        window.view_controls.text_size_actions[LARGE.key].trigger()
        qtbot.waitUntil(lambda: window.view_controls.text_size == LARGE)
        resize(qtbot, window, (1600, 1000))
        qtbot.waitUntil(lambda: log.height() >= default_log - 20)  # before, it stayed at about 160 px
        # Extra large on the large window, then the projector: the personas still come first.
        window.view_controls.text_size_actions[EXTRA_LARGE.key].trigger()
        qtbot.waitUntil(lambda: window.view_controls.text_size == EXTRA_LARGE)
        resize(qtbot, window, PROJECTOR)
        qtbot.waitUntil(lambda: window.area.height() >= MIN_PERSONA_HEIGHT)
    finally:
        window.view_controls.text_size_actions[NORMAL.key].trigger()
        close_window(window)


def test_a_dock_being_sized_with_the_window_unchanged_is_left_to_the_reader(qtbot: QtBot, fresh: Sandbox) -> None:
    window = launch(qtbot, fresh, PROJECTOR)
    try:
        log = window.event_log
        # More log than the personas' minimum allows, as the reader wants: nothing takes it back.
        window.resizeDocks([log], [log.height() + 120], Qt.Orientation.Vertical)
        qtbot.waitUntil(lambda: window.area.height() < MIN_PERSONA_HEIGHT - 60)
        chosen = log.height()
        qtbot.wait(100)
        assert log.height() == chosen
    finally:
        close_window(window)


def test_the_wide_layouts_right_docks_keep_their_width_or_their_share(qtbot: QtBot, fresh: Sandbox) -> None:
    wide = (WIDE_WINDOW, 1000)
    window = launch(qtbot, fresh, wide)
    try:
        walkthrough, log = window.panels.walkthrough, window.event_log
        qtbot.waitUntil(lambda: walkthrough.width() == pytest.approx(RIGHT_DOCK_WIDTH, abs=4))
        first_width = walkthrough.width()
        assert walkthrough.height() > window.area.height() + log.height() - 40  # the whole height

        # The first layout's width stands on a narrower window: the longest step name stays whole.
        resize(qtbot, window, PROJECTOR)
        qtbot.waitUntil(lambda: window.area.height() >= MIN_PERSONA_HEIGHT)
        assert walkthrough.width() == first_width
        assert window.area.width() >= MIN_PERSONA_WIDTH
        resize(qtbot, window, wide)
        qtbot.waitUntil(lambda: log.height() > 300)  # the log's height back
        assert walkthrough.height() > window.area.height() + log.height() - 40
        assert walkthrough.width() == first_width

        # Widened by the reader, the walkthrough keeps its share of the width, the personas theirs.
        window.resizeDocks([walkthrough], [700], Qt.Orientation.Horizontal)
        qtbot.waitUntil(lambda: walkthrough.width() >= 690)
        widened, widened_share = walkthrough.width(), share(window, walkthrough, Qt.Orientation.Horizontal)
        resize(qtbot, window, PROJECTOR)
        qtbot.waitUntil(lambda: window.area.height() >= MIN_PERSONA_HEIGHT)
        assert walkthrough.width() < widened
        assert share(window, walkthrough, Qt.Orientation.Horizontal) == pytest.approx(widened_share, abs=0.01)
        assert window.area.width() >= MIN_PERSONA_WIDTH
        resize(qtbot, window, wide)
        # Before, the narrower window took it down to what it had room for, and left it there.
        qtbot.waitUntil(lambda: walkthrough.width() == widened)
    finally:
        close_window(window)


@pytest.mark.parametrize("docks_later", [False, True], ids=["docks-at-once", "docks-after-first-page"])
def test_a_remembered_layout_on_a_smaller_screen_keeps_the_personas_readable(
    qtbot: QtBot, fresh: Sandbox, docks_later: bool
) -> None:
    first = launch(qtbot, fresh, (1600, 1000))
    try:
        first.resizeDocks([first.event_log], [400], Qt.Orientation.Vertical)
        qtbot.waitUntil(lambda: first.event_log.height() >= 360)
        saved = first.event_log.height()
    finally:
        close_window(first)  # closing saves the layout

    second = MainWindow(fresh, docks_after_first_page=docks_later)
    try:
        second.resize(*PROJECTOR)  # as a window manager fits the remembered window to a projector's screen
        second.show()
        qtbot.waitExposed(second)
        if docks_later:
            second.install_docks()  # the remembered places given again with the docks built
            qtbot.waitUntil(second.panels.walkthrough.isVisible)
        # Before, the log kept its 370 px and the personas had 300 px.
        qtbot.waitUntil(lambda: second.area.height() >= MIN_PERSONA_HEIGHT and rows_shown(second) >= MIN_EVENT_LOG_ROWS)
        assert second.event_log.height() < saved
        qtbot.wait(100)  # nothing later takes it back
        assert second.area.height() >= MIN_PERSONA_HEIGHT
        assert rows_shown(second) >= MIN_EVENT_LOG_ROWS
    finally:
        close_window(second)
