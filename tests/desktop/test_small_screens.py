"""A projector's screen (1280 × 720, 1366 × 768): the personas, where the guide's steps happen, keep a
readable height on a first launch and through View › Panel text size, the event log keeping a few rows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop import first_layout
from sandbox.desktop.first_layout import DEFAULT_SIZE, MIN_EVENT_LOG_ROWS, MIN_PERSONA_HEIGHT
from sandbox.desktop.main import close_window
from sandbox.desktop.panel_text import EXTRA_LARGE, LARGE, NORMAL
from sandbox.desktop.window import MainWindow


def first_launch(qtbot: QtBot, sandbox: Sandbox, size: tuple[int, int], *, docks_later: bool) -> MainWindow:
    """A window opened with no layout remembered on a screen of ``size``, its first layout given (with the
    docks built after the first page, as the app does, when ``docks_later``)."""
    window = MainWindow(sandbox, docks_after_first_page=docks_later)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    if docks_later:
        qtbot.waitUntil(lambda: not window.first_layout.bottom_pending)
        window.install_docks()
    qtbot.waitUntil(lambda: not window.first_layout.pending)
    qtbot.wait(100)
    assert (window.width(), window.height()) == size
    return window


def rows_shown(window: MainWindow) -> int:
    """How many whole rows of the event log the reader sees."""
    table = window.event_log.table
    return table.viewport().height() // table.verticalHeader().defaultSectionSize()


@pytest.mark.parametrize(("size", "rows"), [((1280, 720), MIN_EVENT_LOG_ROWS), ((1366, 768), 5)])
@pytest.mark.parametrize("docks_later", [True, False], ids=["docks-after-first-page", "docks-at-once"])
def test_a_first_launch_on_a_projector_gives_the_personas_their_height(
    qtbot: QtBot, fresh: Sandbox, size: tuple[int, int], rows: int, docks_later: bool
) -> None:
    window = first_launch(qtbot, fresh, size, docks_later=docks_later)
    try:
        # The portals first: their header, address bar and about 400 px of page (338 px in all before).
        assert window.area.height() >= MIN_PERSONA_HEIGHT
        assert window.area.visible_browsers()[0].view.height() >= MIN_PERSONA_HEIGHT - 80
        # The latest events still in sight below them, the docks sharing their place with their tabs.
        assert rows_shown(window) >= rows
        assert window.traffic_panels.tracer.isVisible() or window.event_log.isVisible()
        # The walkthrough beside the personas shows its steps and the step chosen.
        assert window.panels.walkthrough.height() >= window.area.height() - 40
    finally:
        close_window(window)


def test_larger_panel_text_on_a_720_px_window_never_leaves_the_personas_under_their_height(
    qtbot: QtBot, fresh: Sandbox
) -> None:
    window = first_launch(qtbot, fresh, (1280, 720), docks_later=True)
    try:
        log = window.event_log
        first_height, normal_bar = log.height(), window.statusBar().height()
        for text_size in (LARGE, EXTRA_LARGE, NORMAL, EXTRA_LARGE, LARGE, NORMAL):
            window.view_controls.text_size_actions[text_size.key].trigger()
            qtbot.wait(50)
            # The taller status bar and dock tabs took their height from the docks below, not the personas.
            assert window.area.height() >= MIN_PERSONA_HEIGHT, text_size.key
            if text_size != NORMAL:
                assert window.statusBar().height() > normal_bar
                assert log.height() < first_height
        # Back at Normal, the event log is as the first layout gave it, its rows in sight again.
        assert log.height() == first_height
        assert rows_shown(window) >= MIN_EVENT_LOG_ROWS
    finally:
        window.view_controls.text_size_actions[NORMAL.key].trigger()
        close_window(window)


def test_a_log_the_reader_made_taller_gives_the_personas_only_what_the_text_took(qtbot: QtBot, fresh: Sandbox) -> None:
    window = first_launch(qtbot, fresh, (1280, 720), docks_later=False)
    try:
        log = window.event_log
        # The reader wants more of the log than the first layout gave, the personas less than their minimum.
        window.resizeDocks([log], [log.height() + 90], Qt.Orientation.Vertical)
        qtbot.waitUntil(lambda: window.area.height() < MIN_PERSONA_HEIGHT - 40)
        chosen, personas = log.height(), window.area.height()
        window.view_controls.text_size_actions[EXTRA_LARGE.key].trigger()
        qtbot.wait(50)
        # The personas keep what the reader left them; the log gave only what the taller text took.
        assert window.area.height() == personas
        assert chosen - 30 <= log.height() < chosen
        window.view_controls.text_size_actions[NORMAL.key].trigger()
        qtbot.wait(50)
        assert (log.height(), window.area.height()) == (chosen, personas)  # the reader's own sizes back
    finally:
        window.view_controls.text_size_actions[NORMAL.key].trigger()
        close_window(window)


def test_a_first_window_is_no_larger_than_its_screen(
    qtbot: QtBot, fresh: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a screen with less room than the default size the first window takes the room there is.

    The offscreen platform's 800 × 800 screen stands in for no screen at all, so the window opens at the
    default size there; named as a real platform, the same screen is a small one.
    """
    window = MainWindow(fresh, docks_after_first_page=False)
    try:
        room = window.screen().availableGeometry()
        assert room.width() < DEFAULT_SIZE[0] and room.height() < DEFAULT_SIZE[1]
        assert (window.width(), window.height()) == DEFAULT_SIZE
        monkeypatch.setattr(first_layout.QGuiApplication, "platformName", staticmethod(lambda: "xcb"))
        window.first_layout.start(window)
        assert (window.width(), window.height()) == (room.width(), room.height())
        assert sum(window.area.splitter.sizes()) <= room.width()
    finally:
        close_window(window)
