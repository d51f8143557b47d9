"""The status bar follows View › Panel text size: its message, both systems' health lights and the
edge-case indicator read at the size chosen, without taking room from the docks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QStatusBar
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.first_layout import DEFAULT_SIZE, MIN_PERSONA_HEIGHT
from sandbox.desktop.main import close_window
from sandbox.desktop.panel_text import EXTRA_LARGE, LARGE, NORMAL, TextSize
from sandbox.desktop.persona_area import SPLIT, TABS
from sandbox.desktop.theme import HEALTHY_GREEN
from sandbox.desktop.window import MainWindow

NARROW = (1280, 720)


@pytest.fixture
def bar_window(qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox) -> Iterator[MainWindow]:
    """The shared window in split view with both systems answering; afterwards at Normal, its default size,
    with no edge case on."""
    window.area.set_mode(SPLIT)
    qtbot.waitUntil(lambda: all(health.healthy for health in window.health.values()), timeout=10_000)
    yield window
    window.view_controls.text_size_actions[NORMAL.key].trigger()
    module_sandbox.blogin.clear_scim_faults()
    window.panels.edge_cases.refresh()
    window.statusBar().clearMessage()
    window.area.set_mode(SPLIT)
    window.resize(*DEFAULT_SIZE)
    qtbot.wait(50)


def choose(qtbot: QtBot, window: MainWindow, size: TextSize) -> None:
    """View › Panel text size › ``size``, as the reader picks it, and the window's layout after it."""
    window.view_controls.text_size_actions[size.key].trigger()
    qtbot.wait(50)


def dot_height(label: QLabel) -> int:
    """How tall the health light's green dot is drawn, in pixels."""
    image = label.grab().toImage()
    green = QColor(HEALTHY_GREEN)
    rows = [y for y in range(image.height()) for x in range(image.width()) if _near(image.pixelColor(x, y), green)]
    return max(rows) - min(rows) + 1 if rows else 0


def _near(colour: QColor, wanted: QColor) -> bool:
    return (
        abs(colour.red() - wanted.red()) + abs(colour.green() - wanted.green()) + abs(colour.blue() - wanted.blue())
        < 60
    )


def docks_on_screen(window: MainWindow) -> dict[str, int]:
    """Each dock the reader sees in the window, by name, with the size the reader gives it by dragging its
    edge: the height of a dock below the personas, the width of one beside them."""
    sizes: dict[str, int] = {}
    for dock in window.findChildren(QDockWidget):
        if dock.isVisible() and not dock.isFloating() and not dock.visibleRegion().isEmpty():
            below = window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
            sizes[dock.objectName()] = dock.height() if below else dock.width()
    return sizes


def not_smaller(now: dict[str, int], before: dict[str, int]) -> list[str]:
    """The docks of ``before`` that are smaller ``now``, described."""
    return [f"{name}: {before[name]} -> {size}" for name, size in now.items() if size < before.get(name, 0)]


def test_the_status_bar_message_and_indicators_read_at_the_panel_text_size(
    qtbot: QtBot, bar_window: MainWindow, module_sandbox: Sandbox
) -> None:
    window, bar = bar_window, bar_window.statusBar()
    module_sandbox.blogin.set_scim_fault("Users", status=503)
    indicator = window.panels.indicator
    qtbot.waitUntil(lambda: not indicator.isHidden() and "503" in indicator.text(), timeout=10_000)
    base = QApplication.font().pointSizeF()
    jumpcloud, blogin = window.health["jumpcloud"], window.health["blogin"]
    normal_height, normal_dot = bar.height(), dot_height(jumpcloud)
    normal_widths = [label.sizeHint().width() for label in (jumpcloud, blogin, indicator)]
    assert bar.font().pointSizeF() == pytest.approx(base)
    assert normal_dot >= 6

    choose(qtbot, window, EXTRA_LARGE)
    # The message ("Ready", a zoom level…) is drawn in the bar's own font.
    assert bar.font().pointSizeF() == pytest.approx(base * 1.5)
    for label in (jumpcloud, blogin, indicator):
        assert label.font().pointSizeF() == pytest.approx(base * 1.5)
    widths = [label.sizeHint().width() for label in (jumpcloud, blogin, indicator)]
    assert all(large > normal * 1.3 for large, normal in zip(widths, normal_widths, strict=True))
    assert dot_height(jumpcloud) >= normal_dot * 1.3
    assert dot_height(blogin) >= normal_dot * 1.3
    assert bar.height() > normal_height  # the taller text is not cut off
    assert all(label.height() >= label.sizeHint().height() for label in (jumpcloud, blogin, indicator))

    choose(qtbot, window, LARGE)
    assert bar.font().pointSizeF() == pytest.approx(base * 1.25)
    assert jumpcloud.font().pointSizeF() == pytest.approx(base * 1.25)

    choose(qtbot, window, NORMAL)
    assert bar.font().pointSizeF() == pytest.approx(base)
    assert [label.font().pointSizeF() for label in (jumpcloud, blogin, indicator)] == pytest.approx([base] * 3)
    assert [label.sizeHint().width() for label in (jumpcloud, blogin, indicator)] == normal_widths
    assert dot_height(jumpcloud) == normal_dot
    assert bar.height() == normal_height


@pytest.mark.parametrize("mode", [SPLIT, TABS])
@pytest.mark.parametrize("size", [DEFAULT_SIZE, NARROW], ids=["default-size", "1280x720"])
def test_the_taller_status_bar_never_makes_a_dock_smaller(
    qtbot: QtBot, bar_window: MainWindow, mode: str, size: tuple[int, int]
) -> None:
    window, bar = bar_window, bar_window.statusBar()
    window.resize(*size)
    window.area.set_mode(mode)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    qtbot.wait(50)
    normal_bar = bar.height()
    before = docks_on_screen(window)
    personas = [window.area.height()]
    assert {"eventLogDock", "walkthroughDock"} <= set(before)

    steps: list[dict[str, int]] = []
    for text_size in (EXTRA_LARGE, NORMAL, LARGE, EXTRA_LARGE, LARGE, NORMAL):
        choose(qtbot, window, text_size)
        if text_size == EXTRA_LARGE:
            assert bar.height() > normal_bar
        steps.append(docks_on_screen(window))
        personas.append(window.area.height())

    assert bar.height() == normal_bar
    assert not_smaller(steps[-1], before) == []  # back at Normal: every dock at least as large as it was
    assert not_smaller(steps[1], before) == []
    # No step takes the personas under their minimum height, or under what the reader left them below it.
    assert min(personas) >= min(MIN_PERSONA_HEIGHT, personas[0]), personas
    if size == DEFAULT_SIZE:
        # With room to spare the persona area gives the status bar and the docks' tabs the height their larger
        # text needs; a dock below is made smaller only where the personas would otherwise go under their
        # minimum (Extra large right after Large, which grew the docks below up to it), and only by what the
        # taller text took.
        for previous, now, height in zip([before, *steps], steps, personas[1:], strict=False):
            smaller = not_smaller(now, previous)
            if smaller:
                assert height == MIN_PERSONA_HEIGHT, smaller
                assert all(previous[name] - shown <= 20 for name, shown in now.items() if name in previous), smaller


def whole(label: QLabel, bar: QStatusBar) -> bool:
    """Whether ``label`` is drawn as wide as its text needs, inside the status bar."""
    return label.width() >= label.sizeHint().width() and label.x() >= 0 and label.geometry().right() < bar.width()


def message_room(bar: QStatusBar) -> int:
    """How wide the status bar's message can be drawn: up to its first permanent widget (Qt's rule)."""
    shown = [widget for widget in bar.findChildren(QLabel) if widget.isVisible()]
    return min(widget.x() for widget in shown) - 8


def test_at_1280_px_and_extra_large_the_urls_show_in_full_and_give_way_to_a_message(
    qtbot: QtBot, bar_window: MainWindow, module_sandbox: Sandbox
) -> None:
    window, bar = bar_window, bar_window.statusBar()
    window.resize(*NARROW)
    module_sandbox.blogin.set_scim_fault("Users", status=503)
    indicator = window.panels.indicator
    qtbot.waitUntil(lambda: not indicator.isHidden() and "503" in indicator.text(), timeout=10_000)
    choose(qtbot, window, EXTRA_LARGE)
    bar.clearMessage()
    lights = [(window.health["jumpcloud"], module_sandbox.jumpcloud), (window.health["blogin"], module_sandbox.blogin)]

    def urls_whole() -> bool:
        return all(system.base_url in light.text() and whole(light, bar) for light, system in lights)

    qtbot.waitUntil(urls_whole)
    assert window.width() == NARROW[0]  # the larger status bar does not push the window wider
    for light, _system in lights:
        assert light.font().pointSizeF() == pytest.approx(QApplication.font().pointSizeF() * 1.5)
    assert "503" in indicator.text() and whole(indicator, bar)

    # A message (a zoom level, "Scenario loaded") is read whole: a light shows its name alone meanwhile,
    # its URL in its tooltip, and the URL comes back when the message goes.
    message = "JumpCloud Admin: zoom 125 %"
    bar.showMessage(message)
    qtbot.waitUntil(
        lambda: (
            message_room(bar) >= bar.fontMetrics().horizontalAdvance(message)
            and all(whole(label, bar) for label in (*(light for light, _system in lights), indicator))
        )
    )
    assert any(system.base_url not in light.text() for light, system in lights)
    assert all(system.base_url in light.toolTip() for light, system in lights)
    assert "503" in indicator.text()
    bar.clearMessage()
    qtbot.waitUntil(urls_whole)
    assert window.width() == NARROW[0]


def test_a_long_list_of_edge_cases_is_shortened_and_kept_whole_in_its_tooltip(
    qtbot: QtBot, bar_window: MainWindow, module_sandbox: Sandbox
) -> None:
    window, bar = bar_window, bar_window.statusBar()
    window.resize(*NARROW)
    choose(qtbot, window, EXTRA_LARGE)
    bar.clearMessage()
    indicator = window.panels.indicator
    module_sandbox.blogin.set_scim_fault("Users", status=503)
    qtbot.waitUntil(lambda: indicator.isVisible() and "503" in indicator.text(), timeout=10_000)
    module_sandbox.blogin.set_scim_fault("Groups", status=500)  # the list grows while it is shown
    qtbot.waitUntil(lambda: not indicator.isHidden() and "500" in indicator.toolTip(), timeout=10_000)
    qtbot.waitUntil(lambda: indicator.text() != indicator.full_text)

    lights = [window.health["jumpcloud"], window.health["blogin"]]
    qtbot.waitUntil(lambda: all(whole(label, bar) for label in [*lights, indicator]))
    assert window.width() == NARROW[0]
    # Its first item whole, and how many more (or "…" where that does not fit).
    assert indicator.text() in ("⚠ SCIM Users: 503 +1 more", "⚠ SCIM Users: 503 …") and whole(indicator, bar)
    assert "SCIM Users: 503" in indicator.toolTip() and "SCIM Groups: 500" in indicator.toolTip()
    for key, system in (("jumpcloud", module_sandbox.jumpcloud), ("blogin", module_sandbox.blogin)):
        assert system.base_url in window.health[key].text() and whole(window.health[key], bar)

    choose(qtbot, window, NORMAL)  # room again: the whole list
    qtbot.waitUntil(
        lambda: (
            "SCIM Users: 503" in indicator.text() and "SCIM Groups: 500" in indicator.text() and whole(indicator, bar)
        )
    )


def test_the_status_bar_text_size_is_remembered_for_the_next_window(
    bar_window: MainWindow, module_sandbox: Sandbox
) -> None:
    bar_window.view_controls.set_text_size(EXTRA_LARGE)
    bar_window.save_layout()
    second = MainWindow(module_sandbox)
    try:
        base = QApplication.font().pointSizeF()
        assert second.statusBar().font().pointSizeF() == pytest.approx(base * 1.5)
        assert second.health["blogin"].font().pointSizeF() == pytest.approx(base * 1.5)
    finally:
        close_window(second)
        bar_window.view_controls.set_text_size(NORMAL)
        bar_window.save_layout()
