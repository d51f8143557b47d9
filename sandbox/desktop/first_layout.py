"""Room for the docks: the window's first layout, before the user has arranged one, and more room when
View › Panel text size makes their text larger.

The first layout is given once the window is on screen at the size it got (the right-hand docks once they
are built); a layout the window remembers is restored instead and that does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

if TYPE_CHECKING:
    from sandbox.desktop.window import MainWindow

DEFAULT_SIZE = (1600, 1000)
#: the docks below the personas, until the user sizes them: at the default size ten rows of the event
#: log and more, or the SAML tracer's reason with the XML below it
BOTTOM_DOCK_SHARE = 0.37
#: what the persona browsers keep (their header and address bar included) when the bottom docks grow
MIN_PERSONA_HEIGHT = 480
#: the walkthrough and edge-case docks' default width: their longest step name whole, the personas wide
RIGHT_DOCK_WIDTH = 380
#: what the persona browsers keep of the width when the right-hand docks grow for larger text: two pages
#: of 350 px side by side (a 1280 px window still gives the docks their whole Extra large width, which
#: the Edge cases panel needs; narrower ones keep the pages usable, and the panel scrolls)
MIN_PERSONA_WIDTH = 700


class FirstLayout:
    """Whether the window still has its first layout to give, and giving it."""

    def __init__(self) -> None:
        self.bottom_pending = False
        self.right_pending = False

    @property
    def pending(self) -> bool:
        return self.bottom_pending or self.right_pending

    def start(self, window: MainWindow) -> None:
        """No layout was remembered: the default size now, the docks' room once on screen."""
        window.resize(*DEFAULT_SIZE)
        window.area.set_split_sizes([DEFAULT_SIZE[0] // 2, DEFAULT_SIZE[0] // 2])
        self.bottom_pending = self.right_pending = True

    def apply(self, window: MainWindow) -> None:
        """Below the personas about a third of the height, the personas keeping a usable height; on the
        right the walkthrough's width. Each once: after that the user's sizes stand."""
        if not window.isVisible():
            return
        if self.bottom_pending:
            self.bottom_pending = False
            bottom = window.event_log.height() if window.event_log.isVisible() else 0
            room = window.area.height() + bottom - MIN_PERSONA_HEIGHT
            height = min(round(window.height() * BOTTOM_DOCK_SHARE), room)
            if height > bottom:
                window.resizeDocks([window.event_log], [height], Qt.Orientation.Vertical)
        if self.right_pending and window.docks_installed:
            self.right_pending = False
            window.resizeDocks([window.panels.walkthrough], [RIGHT_DOCK_WIDTH], Qt.Orientation.Horizontal)


def make_room_for_text(window: MainWindow, scale: float) -> None:
    """Larger text chosen: the docks grow to show as much as before, never shrinking what the user sized.

    The right-hand docks to their default width times ``scale``, the personas keeping
    :data:`MIN_PERSONA_WIDTH`; the docks below the personas to their default share times ``scale``, the
    personas keeping :data:`MIN_PERSONA_HEIGHT`.
    """
    if not window.docks_installed:
        return
    right = [dock for dock in (window.panels.walkthrough, window.panels.edge_cases) if _docked(window, dock)]
    if right:
        room = window.area.width() + right[0].width() - MIN_PERSONA_WIDTH
        wanted = min(round(RIGHT_DOCK_WIDTH * scale), room)
        if right[0].width() < wanted:
            window.resizeDocks(right[:1], [wanted], Qt.Orientation.Horizontal)
    below = [
        dock
        for dock in window.findChildren(QDockWidget)
        if _docked(window, dock) and window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    ]
    if below:
        current = below[0].height()
        room = window.area.height() + current - MIN_PERSONA_HEIGHT
        height = min(round(window.height() * BOTTOM_DOCK_SHARE * scale), room)
        if height > current:
            window.resizeDocks(below[:1], [height], Qt.Orientation.Vertical)


def _docked(window: MainWindow, dock: QDockWidget) -> bool:
    # On screen in the window: a dock tabbed behind another counts as visible, but shows nothing.
    return dock.isVisible() and not dock.isFloating() and not dock.visibleRegion().isEmpty()
