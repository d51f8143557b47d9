"""A Qt table model over captured traffic (SAML messages or SCIM exchanges) of both systems.

Traces arrive in batches from the signal bridge. A batch costs one ``beginInsertRows``; the cells are
worked out only when a view asks for them, and rows are handed to views lazily (``fetchMore``), so a
long history opens at once and scrolls smoothly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon

from sandbox.desktop.personas import BLOGIN_ORANGE, JUMPCLOUD_TEAL
from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN, dot_icon
from sandbox.events import SandboxEvent

SYSTEM_LABELS = {"jumpcloud": "JumpCloud", "blogin": "BlogIn"}
SYSTEM_COLOURS = {"jumpcloud": JUMPCLOUD_TEAL, "blogin": BLOGIN_ORANGE}
TRACE_ROLE = Qt.ItemDataRole.UserRole + 2
FETCH_BATCH = 500

AnyIndex = QModelIndex | QPersistentModelIndex
TraceFilter = Callable[[SandboxEvent], bool]


def system_label(system: str) -> str:
    """``"jumpcloud"`` → ``"JumpCloud"``."""
    return SYSTEM_LABELS.get(system, system)


def local_time(event: SandboxEvent, moment: datetime | None = None) -> str:
    """The event's time (or ``moment``) on this computer's clock, with milliseconds (messages follow each
    other fast)."""
    local = (moment or event.timestamp).astimezone()
    return local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


class TraceTableModel(QAbstractTableModel):
    """Traces of one ``kind``, oldest first. Subclasses name the columns and fill the cells."""

    kind = ""
    columns: tuple[str, ...] = ()
    #: the column whose text turns red when the trace records a failure, green otherwise
    verdict_column = -1
    #: the column that shows the system's colour dot
    system_column = -1

    def __init__(self) -> None:
        super().__init__()
        self._traces: list[SandboxEvent] = []
        self._positions: dict[str, int] = {}
        self._visible: list[int] = []
        self._fetched = 0
        # True while fetchMore inserts rows: a handler of rowsAboutToBeInserted that fetches again
        # (QAbstractItemModelTester runs all its checks, fetchMore included, on that signal) would
        # otherwise hand out the same rows twice and count rows that do not exist.
        self._fetching = False
        self._filter: TraceFilter | None = None
        self._icons: dict[str, QIcon] = {}
        self._brushes: dict[str, QBrush] = {}

    # -- what subclasses say --------------------------------------------------------------------

    def cell(self, trace: SandboxEvent, column: int) -> str:
        """The text of ``column`` for ``trace``."""
        raise NotImplementedError

    def tooltip(self, trace: SandboxEvent, column: int) -> str:
        """The tooltip of a cell; the cell's own text unless a subclass knows better."""
        return self.cell(trace, column)

    def verdict_colour(self, trace: SandboxEvent) -> str | None:
        """The colour of the verdict cell: green for success, red for failure, ``None`` for neither."""
        return HEALTHY_GREEN if trace.success else FAILING_RED

    # -- Qt model interface ---------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._fetched

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and not self._fetching and self._fetched < len(self._visible)

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid() or self._fetching:
            return
        more = min(FETCH_BATCH, len(self._visible) - self._fetched)
        if more <= 0:
            return
        self._fetching = True
        try:
            self.beginInsertRows(QModelIndex(), self._fetched, self._fetched + more - 1)
            self._fetched += more
            self.endInsertRows()
        finally:
            self._fetching = False

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        trace = self.trace_at(index.row()) if index.isValid() else None
        if trace is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(trace, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(trace, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.verdict_column:
            colour = self.verdict_colour(trace)
            return self._brush(colour) if colour else None
        if role == Qt.ItemDataRole.DecorationRole and column == self.system_column:
            return self._system_icon(trace.system)
        if role == TRACE_ROLE:
            return trace
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if 0 <= section < len(self.columns) else None
        return None

    # -- feeding ----------------------------------------------------------------------------------

    def append_traces(self, events: Iterable[SandboxEvent]) -> int:
        """Add this model's kind of traces not seen before (others are ignored); returns how many."""
        first_new = len(self._traces)
        for event in events:
            if event.kind != self.kind or event.id in self._positions:
                continue
            self._positions[event.id] = len(self._traces)
            self._traces.append(event)
        added = range(first_new, len(self._traces))
        if not added:
            return 0
        keep = self._filter
        shown = list(added) if keep is None else [i for i in added if keep(self._traces[i])]
        if shown:
            if self._fetched == len(self._visible):
                # A view that has everything keeps following the live tail (the rest of a large
                # batch waits for fetchMore). _visible grows inside begin/end so that nobody
                # fetches the new rows twice from a rowsAboutToBeInserted handler.
                now = min(len(shown), FETCH_BATCH)
                self.beginInsertRows(QModelIndex(), self._fetched, self._fetched + now - 1)
                self._visible.extend(shown)
                self._fetched += now
                self.endInsertRows()
            else:
                self._visible.extend(shown)
        return len(added)

    def clear(self) -> None:
        self.beginResetModel()
        self._traces.clear()
        self._positions.clear()
        self._visible.clear()
        self._fetched = 0
        self.endResetModel()

    def set_filter(self, keep: TraceFilter | None) -> None:
        """Show only the traces ``keep`` accepts (``None``: all of them)."""
        self.beginResetModel()
        self._filter = keep
        if keep is None:
            self._visible = list(range(len(self._traces)))
        else:
            self._visible = [i for i, trace in enumerate(self._traces) if keep(trace)]
        self._fetched = min(len(self._visible), max(FETCH_BATCH, self._fetched))
        self.endResetModel()

    # -- lookups ----------------------------------------------------------------------------------

    def total_count(self) -> int:
        return len(self._traces)

    def visible_count(self) -> int:
        """Rows that pass the filter, fetched or not."""
        return len(self._visible)

    def trace_at(self, row: int) -> SandboxEvent | None:
        """The trace shown in ``row``, or ``None`` for a row the views have not been given."""
        return self._traces[self._visible[row]] if 0 <= row < min(self._fetched, len(self._visible)) else None

    def trace(self, trace_id: str) -> SandboxEvent | None:
        position = self._positions.get(trace_id)
        return self._traces[position] if position is not None else None

    def traces(self) -> list[SandboxEvent]:
        """Every trace, filtered or not, oldest first."""
        return list(self._traces)

    def row_of(self, trace_id: str) -> int | None:
        """The row showing ``trace_id``, fetching up to it; ``None`` when the filter hides it."""
        position = self._positions.get(trace_id)
        if position is None:
            return None
        row = bisect_left(self._visible, position)  # _visible is in ascending order of position
        if row == len(self._visible) or self._visible[row] != position:
            return None
        while self._fetched <= row:
            self.fetchMore(QModelIndex())
        return row

    def _brush(self, colour: str) -> QBrush:
        brush = self._brushes.get(colour)
        if brush is None:
            brush = self._brushes[colour] = QBrush(QColor(colour))
        return brush

    def _system_icon(self, system: str) -> QIcon:
        icon = self._icons.get(system)
        if icon is None:
            icon = self._icons[system] = dot_icon(SYSTEM_COLOURS.get(system, "#8a94a6"), 10)
        return icon
