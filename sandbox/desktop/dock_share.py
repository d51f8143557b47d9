"""The docks' share of the window kept as the window changes size, the personas keeping a usable share.

Left alone, ``QMainWindow`` keeps each dock's size in pixels when the window changes size and takes all the
difference from the persona area: a window made smaller (a laptop plugged into a projector's 1280 × 720, a
window restored from maximised, a remembered layout opened on a smaller screen) leaves the persona pages a
strip above a dock area as tall as before. :class:`DockShare` gives the docks, instead:

- the share of the window's height (for the docks below or above the personas) and width (beside them)
  that the reader last gave them, or the first layout gave them if the reader has not sized them: the
  first layout's right-hand docks keep their width, which their step names need, rather than a share;
- never more than that size: a larger window gives its room to the personas, and the window back at the
  size the reader sized the docks at has them as the reader left them;
- and the personas never less than :data:`MIN_PERSONA_HEIGHT` (:data:`MIN_PERSONA_WIDTH` across) when they
  had that much, the event log keeping :data:`MIN_EVENT_LOG_ROWS` rows in sight.

The reader's own sizing at any window size (a dock's edge dragged, the panel text size changed, a dock
shown, hidden or moved) becomes the share kept from then on. Docks are sized only when the window has
changed size: a dock's edge being dragged is left to the reader. What the window saves on closing is the
layout as it is on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QDataStream, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget

from sandbox.desktop.first_layout import (
    MIN_PERSONA_HEIGHT,
    MIN_PERSONA_WIDTH,
    docked,
    event_log_floor,
    lower_for_personas,
    resize_docks,
    settle_layout,
)
from sandbox.desktop.panel_text import NORMAL

if TYPE_CHECKING:
    from sandbox.desktop.window import MainWindow

#: the dock areas that share each direction with the personas, the first giving its room first
AREAS = {
    Qt.Orientation.Vertical: (Qt.DockWidgetArea.BottomDockWidgetArea, Qt.DockWidgetArea.TopDockWidgetArea),
    Qt.Orientation.Horizontal: (Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea),
}
MIN_PERSONA_SIZE = {Qt.Orientation.Vertical: MIN_PERSONA_HEIGHT, Qt.Orientation.Horizontal: MIN_PERSONA_WIDTH}
#: QWidget.saveGeometry's first four bytes
GEOMETRY_MAGIC = 0x1D9D0CB


@dataclass(frozen=True)
class Share:
    """The docks of one direction as they were sized: the persona area's size that way and each dock area's
    size across (the docks sharing an area show one at a time, in one size)."""

    personas: int
    docks: dict[Qt.DockWidgetArea, int]
    #: the docks keep this size rather than their share (the first layout's width for the right-hand docks)
    fixed: bool = False

    def sizes_for(self, personas: int, docks: dict[Qt.DockWidgetArea, int]) -> dict[Qt.DockWidgetArea, int]:
        """What each dock area of ``docks`` should measure now that the personas and ``docks`` measure what
        they do: its share of their room, no more than it was given."""
        areas = [area for area in docks if area in self.docks]
        given = self.personas + sum(self.docks[area] for area in areas)
        room = personas + sum(docks[area] for area in areas)
        if self.fixed or room >= given or given <= 0:
            return {area: self.docks[area] for area in areas}
        return {area: round(self.docks[area] * room / given) for area in areas}


class DockShare(QObject):
    """The docks' share of one window, kept as the window changes size (see the module's description)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._shares: dict[Qt.Orientation, Share] = {}
        #: each direction's persona size and dock sizes as last sized or seen here, and the share then: what
        #: the window's layout since is told from
        self._left: dict[Qt.Orientation, tuple[int, dict[Qt.DockWidgetArea, int]]] = {}
        self._left_shares: dict[Qt.Orientation, Share] = {}
        #: the window's size when its docks were last sized or seen here
        self._settled: QSize | None = None
        self._adjusting = False
        self._follow_timer = QTimer(self, singleShot=True, interval=0)
        self._follow_timer.timeout.connect(self.follow)
        self._seen_timer = QTimer(self, singleShot=True, interval=0)
        self._seen_timer.timeout.connect(self._seen_unchanged)
        window.area.installEventFilter(self)

    @property
    def started(self) -> bool:
        """Whether a layout (the first one, or one remembered) has been given to keep."""
        return bool(self._shares)

    def given(self, orientation: Qt.Orientation, *, fixed: bool = False) -> None:
        """The first layout has sized the docks that way: their sizes now are those to keep, as a share of
        the window's size or, ``fixed``, as they are."""
        personas, sizes = self._sizes(orientation)
        self._shares[orientation] = Share(personas, sizes, fixed)
        self._seen()

    def restored(self, saved_size: QSize | None) -> None:
        """A remembered layout was restored: its docks have their sizes of a window of ``saved_size`` (the
        size it was saved at), the persona area having taken the difference where the window is smaller
        now. The docks get their share of the window it has now."""
        settle_layout(self.window)
        for orientation in AREAS:
            personas, sizes = self._sizes(orientation)
            if saved_size is not None:
                personas += max(0, _size_of(saved_size, orientation) - _size_of(self.window.size(), orientation))
            self._shares[orientation] = Share(personas, sizes)
        self.follow()

    def window_resized(self) -> None:
        """The window has a new size: its docks get their share of it once it is laid out."""
        if self.started:
            self._settled = None  # until they have, none of the docks' changes is the reader's
            self._follow_timer.start()

    def follow(self) -> None:
        """Size the docks to their share of the window's size now (see the module's description)."""
        window = self.window
        if not self.started or not window.isVisible():
            return
        settle_layout(window)
        self._adjusting = True
        try:
            for orientation, share in self._shares.items():
                self._follow(orientation, share)
        finally:
            self._adjusting = False
        self._seen()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The persona area or a dock changed size: the reader may have sized a dock. Each is looked at as it
        # comes, the last of them seeing the window's layout as it ends.
        if event.type() == QEvent.Type.Resize and not self._adjusting and self.started:
            self._note_reader_sizing()
        return False

    def _follow(self, orientation: Qt.Orientation, share: Share) -> None:
        window = self.window
        personas, docks = self._measure(orientation)
        if not docks:
            return
        sizes = share.sizes_for(personas, self._sizes(orientation)[1])
        for area, size in sizes.items():
            # A small share still shows the latest events, as far as the reader gave the log that much.
            sizes[area] = max(size, min(share.docks[area], self._floor(docks[area], orientation)))
        wanted = {docks[area]: size for area, size in sizes.items() if _size(docks[area], orientation) != size}
        if wanted:
            resize_docks(window, wanted, orientation)
        # The personas keep a readable size where they had it, the docks giving it back in turn.
        least = min(MIN_PERSONA_SIZE[orientation], share.personas)
        for dock in docks.values():
            if _size(window.area, orientation) >= least:
                break
            lower_for_personas(window, dock, orientation, least, self._floor(dock, orientation))

    def _floor(self, dock: QDockWidget, orientation: Qt.Orientation) -> int:
        """How small the docks make ``dock`` at the least (its own minimum aside): the event log's few rows,
        as in the first layout; at a larger panel text size the personas come first, as when it is chosen
        (first_layout.keep_persona_height)."""
        window = self.window
        if dock is window.event_log and orientation == Qt.Orientation.Vertical:
            return event_log_floor(window) if window.view_controls.text_size == NORMAL else 0
        return 0

    def _note_reader_sizing(self) -> None:
        """Docks or personas resized with the window's size unchanged since the last look.

        Told from the layout then (the persona area and the docks are resized one after the other, and the
        last of them decides): the personas and docks sharing the same room differently is the reader's
        sizing, whose sizes are the share kept from now on; docks shown, hidden or moved likewise. Their
        room itself changed (taller dock tabs or status bar for a larger panel text size) is not: the share
        kept changes by as much as each of them did.
        """
        window = self.window
        if self._adjusting or not window.isVisible() or window.size() != self._settled:
            return  # the window is changing size: its docks follow it (window_resized)
        for orientation in list(self._shares):
            left, share = self._left.get(orientation), self._left_shares.get(orientation)
            personas, sizes = self._sizes(orientation)
            if left is None or share is None or sizes.keys() != left[1].keys():
                self._shares[orientation] = Share(personas, sizes)
            elif personas + sum(sizes.values()) == left[0] + sum(left[1].values()):
                if (personas, sizes) != left:
                    self._shares[orientation] = Share(personas, sizes)
                else:
                    self._shares[orientation] = share
            else:
                docks = {
                    area: max(1, share.docks[area] + size - left[1][area]) if area in share.docks else size
                    for area, size in sizes.items()
                }
                self._shares[orientation] = Share(max(1, share.personas + personas - left[0]), docks, share.fixed)
        self._seen_timer.start()

    def _seen_unchanged(self) -> None:
        # The reader's change is over (the event loop has come back): what follows is told from it.
        if not self._adjusting and self.window.size() == self._settled:
            self._seen()

    def _seen(self) -> None:
        window = self.window
        self._settled = window.size()
        for orientation, share in self._shares.items():
            self._left[orientation] = self._sizes(orientation)
            self._left_shares[orientation] = share
        for dock in window.findChildren(QDockWidget):
            dock.installEventFilter(self)  # once: installed again, a filter only moves to the front

    def _sizes(self, orientation: Qt.Orientation) -> tuple[int, dict[Qt.DockWidgetArea, int]]:
        """The persona area's size that way, and each dock area's size across."""
        personas, docks = self._measure(orientation)
        return personas, {area: _size(dock, orientation) for area, dock in docks.items()}

    def _measure(self, orientation: Qt.Orientation) -> tuple[int, dict[Qt.DockWidgetArea, QDockWidget]]:
        """The persona area's size that way, and the dock on screen in each dock area sharing it."""
        window = self.window
        docks: dict[Qt.DockWidgetArea, QDockWidget] = {}
        for dock in window.findChildren(QDockWidget):
            area = window.dockWidgetArea(dock)
            if area in AREAS[orientation] and area not in docks and docked(window, dock):
                docks[area] = dock
        ordered = {area: docks[area] for area in AREAS[orientation] if area in docks}
        return _size(window.area, orientation), ordered


def saved_window_size(geometry: QByteArray) -> QSize | None:
    """The window's size in what :meth:`QWidget.saveGeometry` saved (its normal size for older formats);
    None if the bytes are not such a geometry."""
    stream = QDataStream(geometry)
    stream.setVersion(QDataStream.Version.Qt_4_0)
    if stream.readUInt32() != GEOMETRY_MAGIC:
        return None
    major = stream.readUInt16()
    stream.readUInt16()
    rects = [_read_rect(stream) for _ in range(2)]  # the frame's geometry, the normal geometry
    stream.readInt32()  # screen number
    stream.readUInt8()  # maximised
    stream.readUInt8()  # full screen
    if major >= 2:
        stream.readInt32()  # the screen's width
    size = _read_rect(stream) if major >= 3 else rects[1]
    if stream.status() != QDataStream.Status.Ok or size.width() <= 0 or size.height() <= 0:
        return None
    return size


def _read_rect(stream: QDataStream) -> QSize:
    left, top, right, bottom = (stream.readInt32() for _ in range(4))
    return QSize(right - left + 1, bottom - top + 1)


def _size(widget: QWidget, orientation: Qt.Orientation) -> int:
    return _size_of(widget.size(), orientation)


def _size_of(size: QSize, orientation: Qt.Orientation) -> int:
    return size.height() if orientation == Qt.Orientation.Vertical else size.width()
