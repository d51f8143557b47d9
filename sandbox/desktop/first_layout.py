"""Room for the docks: the window's first layout, before the user has arranged one, more room when
View › Panel text size makes their text larger, and the docks' sizes kept when it changes.

The first layout is given once the window is on screen at the size it got (the right-hand docks once they
are built); a layout the window remembers is restored instead and that does nothing. As the window changes
size afterwards, the docks keep the share of it the first layout (or the reader) gave them: dock_share.py.

Larger text makes the tabs under the docks and the status bar taller, and the main window then lays its
docks out again: left alone it takes that height from the docks, and going back to Normal does not give
it back to them. :class:`KeptDockSizes` around the change keeps every dock as it was, the persona area
taking the difference; where the window has no room for that (the walkthrough's larger text needs its
height beside the personas on a 720 px window) the dock gets its size back at the next change.

On a projector's 1280 × 720 or 1366 × 768 the personas come first, since the guide's steps happen in them:
the first layout gives the docks below them less than their share, down to a few rows of the event log,
and a text size that makes the status bar and the dock tabs taller takes that height from the docks below
the personas rather than leaving the personas under :data:`MIN_PERSONA_HEIGHT` (:func:`keep_persona_height`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

if TYPE_CHECKING:
    from sandbox.desktop.window import MainWindow

DEFAULT_SIZE = (1600, 1000)
#: the docks below the personas, until the user sizes them: at the default size ten rows of the event
#: log and more, or the SAML tracer's reason with the XML below it
BOTTOM_DOCK_SHARE = 0.37
#: what the persona browsers keep (their header and address bar included) when the bottom docks grow,
#: and what a small window's first layout gives them (about 400 px of page)
MIN_PERSONA_HEIGHT = 480
#: what a small window's first layout leaves the event log at the least, personas or not: the latest
#: events in sight (at 1280 × 720 the personas keep their height with this many; taller windows show more)
MIN_EVENT_LOG_ROWS = 3
#: the walkthrough and edge-case docks' default width: their longest step name whole, the personas wide
RIGHT_DOCK_WIDTH = 380
#: what the persona browsers keep of the width when the right-hand docks grow for larger text: two pages
#: of 350 px side by side (a 1280 px window still gives the docks their whole Extra large width, which
#: the Edge cases panel needs; narrower ones keep the pages usable, and the panel scrolls)
MIN_PERSONA_WIDTH = 700


def first_window_size(window: QWidget) -> tuple[int, int]:
    """:data:`DEFAULT_SIZE`, within the room the window's screen has for windows (its taskbars left out).

    A projector's 1280 × 720 would otherwise get a window larger than itself, its status bar and the
    docks' edges off screen where no window manager fits it. The offscreen platform's screen is a fixed
    800 × 800 stand-in for none at all, so there the window keeps the default size its pictures are made at.
    """
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None or QGuiApplication.platformName() == "offscreen":
        return DEFAULT_SIZE
    room = screen.availableGeometry()
    if room.width() <= 0 or room.height() <= 0:
        return DEFAULT_SIZE
    return min(DEFAULT_SIZE[0], room.width()), min(DEFAULT_SIZE[1], room.height())


class FirstLayout:
    """Whether the window still has its first layout to give, and giving it."""

    def __init__(self) -> None:
        self.bottom_pending = False
        self.right_pending = False

    @property
    def pending(self) -> bool:
        return self.bottom_pending or self.right_pending

    def start(self, window: MainWindow) -> None:
        """No layout was remembered: the default size (as much of it as the screen has) now, the docks'
        room once on screen."""
        width, height = first_window_size(window)
        window.resize(width, height)
        window.area.set_split_sizes([width // 2, width // 2])
        self.bottom_pending = self.right_pending = True

    def apply(self, window: MainWindow) -> list[Qt.Orientation]:
        """Below the personas about a third of the height, the personas keeping a usable height; on the
        right the walkthrough's width. Each once: after that the user's sizes stand.

        On a small window (1280 × 720) the docks below start smaller than they would of themselves, so
        that the personas get :data:`MIN_PERSONA_HEIGHT`, never below :data:`MIN_EVENT_LOG_ROWS` rows of
        the event log; again once the later docks' tabs have taken their height.

        Returns the directions it sized docks in (:attr:`Qt.Orientation.Vertical` for the heights of the
        docks below the personas), none when there was nothing left to give.
        """
        given: list[Qt.Orientation] = []
        if not window.isVisible():
            return given
        if self.bottom_pending:
            given.append(Qt.Orientation.Vertical)
            self.bottom_pending = False
            bottom = window.event_log.height() if window.event_log.isVisible() else 0
            room = window.area.height() + bottom - MIN_PERSONA_HEIGHT
            height = min(round(window.height() * BOTTOM_DOCK_SHARE), room)
            if height > bottom:
                window.resizeDocks([window.event_log], [height], Qt.Orientation.Vertical)
            else:
                _fit_below_personas(window)
        if self.right_pending and window.docks_installed:
            self.right_pending = False
            window.resizeDocks([window.panels.walkthrough], [RIGHT_DOCK_WIDTH], Qt.Orientation.Horizontal)
            # The tabs under the docks built with them (SAML tracer, SCIM traffic…) took their height.
            _fit_below_personas(window)
            given = [Qt.Orientation.Vertical, Qt.Orientation.Horizontal]
        return given


def _fit_below_personas(window: MainWindow) -> None:
    """The event log, on a window too low for its share and the personas' height, made low enough for the
    personas to have :data:`MIN_PERSONA_HEIGHT`, keeping :data:`MIN_EVENT_LOG_ROWS` rows in sight."""
    log = window.event_log
    if not docked(window, log):
        return
    settle_layout(window)
    short = MIN_PERSONA_HEIGHT - window.area.height()
    if short <= 0:
        return
    lower_for_personas(window, log, Qt.Orientation.Vertical, MIN_PERSONA_HEIGHT, event_log_floor(window))


def event_log_floor(window: MainWindow) -> int:
    """The event log's height with :data:`MIN_EVENT_LOG_ROWS` rows in sight (as it is laid out now)."""
    log = window.event_log
    table = log.table
    return log.height() - table.viewport().height() + MIN_EVENT_LOG_ROWS * table.verticalHeader().defaultSectionSize()


def make_room_for_text(window: MainWindow, scale: float) -> None:
    """Larger text chosen: the docks grow to show as much as before, never shrinking what the user sized.

    The right-hand docks to their default width times ``scale``, the personas keeping
    :data:`MIN_PERSONA_WIDTH`; the docks below the personas to their default share times ``scale``, the
    personas keeping :data:`MIN_PERSONA_HEIGHT`.
    """
    if not window.docks_installed:
        return
    right = [dock for dock in (window.panels.walkthrough, window.panels.edge_cases) if docked(window, dock)]
    if right:
        room = window.area.width() + right[0].width() - MIN_PERSONA_WIDTH
        wanted = min(round(RIGHT_DOCK_WIDTH * scale), room)
        if right[0].width() < wanted:
            resize_docks(window, {right[0]: wanted}, Qt.Orientation.Horizontal)
    below = _below(window)
    if below:
        current = below[0].height()
        room = window.area.height() + current - MIN_PERSONA_HEIGHT
        height = min(round(window.height() * BOTTOM_DOCK_SHARE * scale), room)
        if height > current:
            resize_docks(window, {below[0]: height}, Qt.Orientation.Vertical)


def keep_persona_height(window: MainWindow, persona_height: int) -> None:
    """After a text size change: the personas back to ``persona_height`` (their height in the reader's
    layout, at most :data:`MIN_PERSONA_HEIGHT`) where the taller status bar and dock tabs, or a dock's
    size kept for the reader, took it, from the dock below them, as far as that dock can be made lower.

    A dock the reader sized is made lower only here, where the personas would otherwise fall under their
    minimum; :class:`KeptDockSizes` gives it its size back at the next change that has room for it.
    """
    below = _below(window)
    if below:
        lower_for_personas(window, below[0], Qt.Orientation.Vertical, min(persona_height, MIN_PERSONA_HEIGHT), 0)


def lower_for_personas(
    window: QMainWindow, dock: QDockWidget, orientation: Qt.Orientation, persona_size: int, floor: int
) -> None:
    """Make ``dock`` as much smaller across its area (lower below the personas, narrower beside them) as the
    personas lack of ``persona_size`` that way, not under ``floor`` nor its own minimum, and no more.

    Asked for a size, ``QMainWindow.resizeDocks`` sizes the dock's place, the tabs under docks sharing
    it included: what the dock got short of each try is asked more at the next, a few times at most.
    """
    central = window.centralWidget()
    if central is None:
        return
    settle_layout(window)
    highest = _size(dock, orientation)
    lowest = max(floor, _size_of(dock.minimumSizeHint(), orientation))
    tabs = 0
    for _ in range(4):
        now = _size(dock, orientation)
        size = min(highest, max(lowest, now - (persona_size - _size(central, orientation))))
        if size == now:
            return
        window.resizeDocks([dock], [size + tabs], orientation)
        settle_layout(window)
        tabs += size - _size(dock, orientation)


#: a dock on screen, with the direction of its size across its area (height above or below the personas,
#: width beside them) and that size
DockSizes = dict[QDockWidget, tuple[Qt.Orientation, int]]


def dock_sizes(window: QMainWindow) -> DockSizes:
    """The size across its area of each dock on screen in ``window`` (floating and hidden ones aside)."""
    sizes: DockSizes = {}
    for dock in window.findChildren(QDockWidget):
        if not docked(window, dock):
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
        self._personas: int | None = None
        self._window_size: tuple[int, int] | None = None

    def wanted(self, window: QMainWindow) -> DockSizes:
        """Each dock on screen with the size to keep: its own, unless the last change left it smaller than
        it should have been and the reader has not sized it since: then the size it should have."""
        sizes = dock_sizes(window)
        for dock, size in sizes.items():
            wanted = self._wanted.get(dock)
            if wanted is not None and self._left.get(dock) == size and wanted[0] == size[0]:
                sizes[dock] = wanted
        return sizes

    def persona_height(self, window: QMainWindow, now: int) -> int:
        """How high the reader's own layout has the personas: ``now`` (their height before this change)
        where the reader has sized a dock or the window since the last change, or there was none; else
        what it was then, which the last change may have changed for the text (a larger size's docks
        making way for the personas, or the walkthrough's larger minimum height pushing them up)."""
        size = (window.width(), window.height())
        if self._personas is None or size != self._window_size or dock_sizes(window) != self._left:
            return now
        return self._personas

    def note(self, window: QMainWindow, wanted: DockSizes, persona_height: int) -> None:
        """The change is done: what the docks should measure (``wanted``, or more where they grew for the
        text) and what they do measure, to tell the reader's own sizing from it next time; and the
        personas' height in the reader's layout (:meth:`persona_height`)."""
        self._personas = persona_height
        self._window_size = (window.width(), window.height())
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
            if direction == orientation and docked(window, dock) and _size(dock, orientation) != size
        }
        if wanted:
            resize_docks(window, wanted, orientation)


def resize_docks(window: QMainWindow, sizes: dict[QDockWidget, int], orientation: Qt.Orientation) -> None:
    """Make each dock of ``sizes`` that size (height with :attr:`Qt.Orientation.Vertical`), as far as the
    window has room.

    ``QMainWindow.resizeDocks`` sizes the place a dock is in, which for docks sharing a place includes the
    tabs under them: asked again by what was missing, the dock itself gets the size (a few tries at most:
    near its minimum a dock gets less of what is asked for it).
    """
    docks = list(sizes)
    asked = [sizes[dock] for dock in docks]
    for _ in range(4):
        window.resizeDocks(docks, asked, orientation)
        settle_layout(window)
        missing = [sizes[dock] - _size(dock, orientation) for dock in docks]
        if not any(missing):
            return
        asked = [size + short for size, short in zip(asked, missing, strict=True)]


def settle_layout(window: QMainWindow) -> None:
    """Lay the window out now rather than at the next turn of the event loop (layouts wait for it)."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    layout = window.layout()
    if layout is not None:
        layout.activate()


def _size(widget: QWidget, orientation: Qt.Orientation) -> int:
    return _size_of(widget.size(), orientation)


def _size_of(size: QSize, orientation: Qt.Orientation) -> int:
    return size.height() if orientation == Qt.Orientation.Vertical else size.width()


def _below(window: QMainWindow) -> list[QDockWidget]:
    # The docks on screen below the personas: those sharing a place show one at a time, one height.
    return [
        dock
        for dock in window.findChildren(QDockWidget)
        if docked(window, dock) and window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    ]


def docked(window: QMainWindow, dock: QDockWidget) -> bool:
    """Whether ``dock`` shows in ``window`` (a dock tabbed behind another counts as visible, but shows nothing)."""
    return dock.isVisible() and not dock.isFloating() and not dock.visibleRegion().isEmpty()
