"""Room for the docks: the window's first layout, before the user has arranged one, more room when
View › Panel text size makes their text larger, and the docks' sizes kept when it changes.

The first layout is given once the window is on screen at the size it got (the right-hand docks once they
are built); a layout the window remembers is restored instead and that does nothing.

Larger text makes the tabs under the docks and the status bar taller, and the main window then lays its
docks out again: left alone it takes that height from the docks, and going back to Normal does not give
it back to them. :class:`KeptDockSizes` around the change keeps every dock as it was, the persona area
taking the difference; where the window has no room for that (the walkthrough's larger text needs its
height beside the personas on a 720 px window) the dock gets its size back at the next change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow

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
            resize_docks(window, {right[0]: wanted}, Qt.Orientation.Horizontal)
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
            resize_docks(window, {below[0]: height}, Qt.Orientation.Vertical)


#: a dock on screen, with the direction of its size across its area (height above or below the personas,
#: width beside them) and that size
DockSizes = dict[QDockWidget, tuple[Qt.Orientation, int]]


def dock_sizes(window: QMainWindow) -> DockSizes:
    """The size across its area of each dock on screen in ``window`` (floating and hidden ones aside)."""
    sizes: DockSizes = {}
    for dock in window.findChildren(QDockWidget):
        if not _docked(window, dock):
            continue
        area = window.dockWidgetArea(dock)
        if area in (Qt.DockWidgetArea.TopDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea):
            sizes[dock] = (Qt.Orientation.Vertical, dock.height())
        elif area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            sizes[dock] = (Qt.Orientation.Horizontal, dock.width())
    return sizes


class KeptDockSizes:
    """What the docks on screen should measure across View › Panel text size changes, for one window."""

    def __init__(self) -> None:
        self._wanted: DockSizes = {}
        self._left: DockSizes = {}

    def wanted(self, window: QMainWindow) -> DockSizes:
        """Each dock on screen with the size to keep: its own, unless the last change left it smaller than
        it should have been and the reader has not sized it since: then the size it should have."""
        sizes = dock_sizes(window)
        for dock, size in sizes.items():
            wanted = self._wanted.get(dock)
            if wanted is not None and self._left.get(dock) == size and wanted[0] == size[0]:
                sizes[dock] = wanted
        return sizes

    def note(self, window: QMainWindow, wanted: DockSizes) -> None:
        """The change is done: what the docks should measure (``wanted``, or more where they grew for the
        text) and what they do measure, to tell the reader's own sizing from it next time."""
        self._left = dock_sizes(window)
        self._wanted = {
            dock: (orientation, max(size, self._left[dock][1]))
            for dock, (orientation, size) in wanted.items()
            if dock in self._left and self._left[dock][0] == orientation
        }


def keep_dock_sizes(window: QMainWindow, sizes: DockSizes) -> None:
    """Give the docks of :func:`dock_sizes` their sizes back after the window laid itself out again.

    The window's pending layout is done first, so that what is measured is what the reader would see.
    """
    settle_layout(window)
    for orientation in (Qt.Orientation.Vertical, Qt.Orientation.Horizontal):
        wanted = {
            dock: size
            for dock, (direction, size) in sizes.items()
            if direction == orientation and _docked(window, dock) and _size(dock, orientation) != size
        }
        if wanted:
            resize_docks(window, wanted, orientation)


def resize_docks(window: QMainWindow, sizes: dict[QDockWidget, int], orientation: Qt.Orientation) -> None:
    """Make each dock of ``sizes`` that size (height with :attr:`Qt.Orientation.Vertical`), as far as the
    window has room.

    ``QMainWindow.resizeDocks`` sizes the place a dock is in, which for docks sharing a place includes the
    tabs under them: asked again by what was missing, the dock itself gets the size.
    """
    docks = list(sizes)
    asked = [sizes[dock] for dock in docks]
    window.resizeDocks(docks, asked, orientation)
    settle_layout(window)
    missing = [sizes[dock] - _size(dock, orientation) for dock in docks]
    if any(missing):
        window.resizeDocks(docks, [size + short for size, short in zip(asked, missing, strict=True)], orientation)
        settle_layout(window)


def settle_layout(window: QMainWindow) -> None:
    """Lay the window out now rather than at the next turn of the event loop (layouts wait for it)."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    layout = window.layout()
    if layout is not None:
        layout.activate()


def _size(dock: QDockWidget, orientation: Qt.Orientation) -> int:
    return dock.height() if orientation == Qt.Orientation.Vertical else dock.width()


def _docked(window: QMainWindow, dock: QDockWidget) -> bool:
    # On screen in the window: a dock tabbed behind another counts as visible, but shows nothing.
    return dock.isVisible() and not dock.isFloating() and not dock.visibleRegion().isEmpty()
