"""The window's first layout, before the user has arranged one: room for the docks below the personas.

Given once the window is on screen at the size it got (and the right-hand docks once they are built);
a layout the window remembers is restored instead and this does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

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
