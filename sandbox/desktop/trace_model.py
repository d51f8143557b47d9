"""A Qt table model over captured traffic (SAML messages or SCIM exchanges) of both systems.

Traces arrive in batches from the signal bridge, not always in the order of their times: a SCIM client
stores its exchanges in batches, after the server has already published its own records of them. The
list reads in time order all the same (by the time its Time column shows; on a tie a message as sent
before the same message as received, then in order of arrival). A batch is sorted and merged into the
rows in place: it mostly lands after the last row (one ``beginInsertRows``), otherwise each contiguous
run of new rows is inserted where it belongs, so selections and the rows a view shows stay put. The
cells are worked out only when a view asks for them, and rows are handed to views lazily
(``fetchMore``), so a long history opens at once and scrolls smoothly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon

from sandbox.desktop.personas import BLOGIN_ORANGE, JUMPCLOUD_TEAL
from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN, dot_icon
from sandbox.events import SandboxEvent

SYSTEM_LABELS = {"jumpcloud": "JumpCloud", "blogin": "BlogIn"}
SYSTEM_COLOURS = {"jumpcloud": JUMPCLOUD_TEAL, "blogin": BLOGIN_ORANGE}
TRACE_ROLE = Qt.ItemDataRole.UserRole + 2
FETCH_BATCH = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
#: room for the arrival number in a sort key (see :meth:`TraceTableModel.sort_key`)
ARRIVALS = 1 << 40

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


def microseconds(moment: datetime) -> int:
    """Microseconds since 1970 (UTC); a time without a zone is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // MICROSECOND


class TraceTableModel(QAbstractTableModel):
    """Traces of one ``kind`` in time order, oldest first. Subclasses name the columns and fill the cells."""

    #: emitted once per batch that brought traces of this kind, shown or filtered out
    traces_added = Signal()

    kind = ""
    columns: tuple[str, ...] = ()
    #: the column whose text turns red when the trace records a failure, green otherwise
    verdict_column = -1
    #: the column that shows the system's colour dot
    system_column = -1

    def __init__(self, fetch_batch: int = FETCH_BATCH) -> None:
        """``fetch_batch``: how many rows a view is handed at a time, the first time and as it scrolls."""
        super().__init__()
        self.fetch_batch = fetch_batch
        # Every trace in order of arrival, its sort key beside it; _order holds their positions in time
        # order, _visible those the filter keeps (also in time order): the rows.
        self._traces: list[SandboxEvent] = []
        self._keys: list[int] = []
        self._positions: dict[str, int] = {}
        self._order: list[int] = []
        self._visible: list[int] = []
        self._fetched = 0
        # True while rows are being inserted (by fetchMore or a new batch) or the model reset: a handler
        # of those signals that fetches (QAbstractItemModelTester runs all its checks, fetchMore
        # included, on each) would otherwise insert rows inside the change, hand out the same rows
        # twice and count rows that do not exist.
        self._changing = False
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

    def note_new_traces(self, traces: list[SandboxEvent]) -> None:
        """Called with each batch's new traces before any view hears of them (nothing to note here)."""

    def shown_time(self, trace: SandboxEvent) -> datetime:
        """The time the Time column shows for ``trace``, which orders the rows: when it was recorded."""
        return trace.timestamp

    def sort_key(self, trace: SandboxEvent, arrival: int) -> int:
        """Where ``trace`` (the ``arrival``-th to arrive) goes: by its shown time, to the microsecond; on a
        tie a message as sent before one as received; then in order of arrival. One int, cheap to compare."""
        received = 1 if trace.data.get("direction") == "received" else 0
        return ((microseconds(self.shown_time(trace)) << 1) | received) * ARRIVALS + arrival

    # -- Qt model interface ---------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._fetched

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and not self._changing and self._fetched < len(self._visible)

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid() or self._changing:
            return
        more = min(self.fetch_batch, len(self._visible) - self._fetched)
        if more <= 0:
            return
        self._changing = True
        try:
            self.beginInsertRows(QModelIndex(), self._fetched, self._fetched + more - 1)
            self._fetched += more
            self.endInsertRows()
        finally:
            self._changing = False

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
        """Add this model's kind of traces not seen before (others are ignored), each in its place in time
        order; returns how many."""
        first_new = len(self._traces)
        for event in events:
            if event.kind != self.kind or event.id in self._positions:
                continue
            arrival = len(self._traces)
            self._positions[event.id] = arrival
            self._traces.append(event)
            self._keys.append(self.sort_key(event, arrival))
        if len(self._traces) == first_new:
            return 0
        self.note_new_traces(self._traces[first_new:])
        key = self._keys.__getitem__
        # A batch is nearly in time order already: sorting it costs little more than a pass.
        added = sorted(range(first_new, len(self._traces)), key=key)
        _merge(self._order, added, key)
        keep = self._filter
        shown = added if keep is None else [i for i in added if keep(self._traces[i])]
        if shown:
            self._show(shown)
        self.traces_added.emit()
        return len(added)

    def _show(self, shown: list[int]) -> None:
        """Put the new rows ``shown`` (in time order) in their places, telling the views of those they hold."""
        self._changing = True
        try:
            self._place(shown)
        finally:
            self._changing = False

    def _place(self, shown: list[int]) -> None:
        visible = self._visible
        key = self._keys.__getitem__
        following = self._fetched == len(visible)
        if visible and key(shown[0]) < key(visible[-1]):
            # Some land among the rows: each contiguous run inside the rows views hold is inserted there.
            shown = self._insert_runs(shown)
            if not shown:
                return
        if following:
            # A view that has everything keeps following the live tail (the rest of a large batch waits
            # for fetchMore). _visible grows inside begin/end so that nobody fetches the new rows twice.
            now = min(len(shown), self.fetch_batch)
            self.beginInsertRows(QModelIndex(), self._fetched, self._fetched + now - 1)
            visible.extend(shown)
            self._fetched += now
            self.endInsertRows()
        else:
            visible.extend(shown)

    def _insert_runs(self, shown: list[int]) -> list[int]:
        """Insert the new rows that land before the last row, run by run; returns those after it."""
        visible = self._visible
        key = self._keys.__getitem__
        last = key(visible[-1])
        tail_from = len(shown)
        while tail_from and key(shown[tail_from - 1]) > last:
            tail_from -= 1
        runs: list[tuple[int, list[int]]] = []  # (row before which a run goes, in the rows as they were)
        low = 0
        for position in shown[:tail_from]:
            row = bisect_left(visible, key(position), low, key=key)
            if runs and runs[-1][0] == row:
                runs[-1][1].append(position)
            else:
                runs.append((row, [position]))
            low = row
        moved = 0  # rows inserted so far, above the next run
        for row, run in runs:
            at = row + moved
            if at < self._fetched:
                self.beginInsertRows(QModelIndex(), at, at + len(run) - 1)
                visible[at:at] = run
                self._fetched += len(run)
                self.endInsertRows()
            else:
                visible[at:at] = run  # among rows no view holds yet: fetchMore hands them out in turn
            moved += len(run)
        return shown[tail_from:]

    def clear(self) -> None:
        self._reset(self._clear)

    def _clear(self) -> None:
        self._traces.clear()
        self._keys.clear()
        self._positions.clear()
        self._order.clear()
        self._visible.clear()
        self._fetched = 0

    def set_filter(self, keep: TraceFilter | None) -> None:
        """Show only the traces ``keep`` accepts (``None``: all of them)."""
        self._reset(lambda: self._refilter(keep))

    def _refilter(self, keep: TraceFilter | None) -> None:
        self._filter = keep
        if keep is None:
            self._visible = list(self._order)
        else:
            traces = self._traces
            self._visible = [i for i in self._order if keep(traces[i])]
        self._fetched = min(len(self._visible), max(self.fetch_batch, self._fetched))

    def _reset(self, change: Callable[[], None]) -> None:
        self._changing = True
        try:
            self.beginResetModel()
            change()
            self.endResetModel()
        finally:
            self._changing = False

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
        """Every trace, filtered or not, in time order (oldest first)."""
        traces = self._traces
        return [traces[i] for i in self._order]

    def row_of(self, trace_id: str) -> int | None:
        """The row showing ``trace_id``, fetching up to it; ``None`` when the filter hides it."""
        position = self._positions.get(trace_id)
        if position is None:
            return None
        key = self._keys.__getitem__
        row = bisect_left(self._visible, key(position), key=key)  # _visible is in ascending order of key
        if row == len(self._visible) or self._visible[row] != position:
            return None
        while self._fetched <= row:
            fetched = self._fetched
            self.fetchMore(QModelIndex())
            if self._fetched == fetched:
                return None  # asked from inside a change of the rows, when nothing can be fetched
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


def _merge(order: list[int], added: list[int], key: Callable[[int], int]) -> None:
    """Merge ``added`` into ``order``, both sorted by ``key``, in place."""
    first = key(added[0])
    if not order or first > key(order[-1]):
        order.extend(added)
        return
    start = bisect_left(order, first, key=key)
    if len(added) <= 8:
        for position in added:
            start = bisect_left(order, key(position), start, key=key)
            order.insert(start, position)
    else:
        # Two sorted runs from where the first new one goes: the sort finds them and merges them in one pass.
        order[start:] = sorted(order[start:] + added, key=key)
