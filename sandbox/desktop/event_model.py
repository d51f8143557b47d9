"""The event log of both systems as a Qt table model, kept in columns so a million events stay light.

The model holds the events it is given and, beside them, only what filtering needs: a byte per row
for the system, an integer per row for the event type and the lower-cased summary of each row.
Batches are taken apart with C-level ``map`` passes instead of a Python loop per event, a batch costs
one ``beginInsertRows``, cells are formatted only when a view paints them, and the rows a filter keeps
are an ``array('i')`` of positions (nothing at all when no filter is on), so opening a million events,
filtering them and scrolling through them stay quick.

Every row is handed to views at once rather than through ``fetchMore``: the log opens scrolled to its
newest event at the bottom, which a model that hands out rows from the top in chunks could only reach
after fetching all the others.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from itertools import compress, count, repeat
from operator import attrgetter, contains, eq, not_, or_
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon

from sandbox.desktop.personas import BLOGIN_ORANGE, JUMPCLOUD_TEAL
from sandbox.desktop.theme import FAILING_RED, dot_icon
from sandbox.events import SandboxEvent
from sandbox.events.traces import EVENT

SYSTEM_LABELS = {"jumpcloud": "JumpCloud", "blogin": "BlogIn"}
SYSTEM_COLOURS = {"jumpcloud": JUMPCLOUD_TEAL, "blogin": BLOGIN_ORANGE}
COLUMNS = ("Time", "System", "Event type", "Summary", "Result")
TIME, SYSTEM, EVENT_TYPE, SUMMARY, RESULT = range(len(COLUMNS))

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1

AnyIndex = QModelIndex | QPersistentModelIndex
#: reads the full records of some events of one system: (system, ids) -> {id: record}
RecordLoader = Callable[[str, list[str]], dict[str, dict[str, Any]]]
RECORDS_PER_READ = 500

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_ids = attrgetter("id")
_kinds = attrgetter("kind")
_systems = attrgetter("system")
_types = attrgetter("event_type")
_summaries = attrgetter("summary")
_successes = attrgetter("success")


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events the log shows: ``None`` means any system or any type."""

    system: str | None = None
    event_type: str | None = None
    text: str = ""
    #: only the events that record a failure (a refused sign-in, a SCIM error, …)
    failures_only: bool = False

    @property
    def is_empty(self) -> bool:
        return self.system is None and self.event_type is None and not self.text and not self.failures_only


def cell_text(event: SandboxEvent, column: int) -> str:
    """What the log shows for ``event`` in ``column``.

    An event of today shows its time only: the date took the width a summary needs at larger text (its
    tooltip, and its record beside the list, give the whole timestamp); an older one shows its date too.
    """
    if column == SUMMARY:
        return event.summary
    if column == EVENT_TYPE:
        return event.event_type
    if column == TIME:
        local = event.timestamp.astimezone()
        return local.strftime("%H:%M:%S" if local.date() == date.today() else "%Y-%m-%d %H:%M:%S")
    if column == SYSTEM:
        return SYSTEM_LABELS.get(event.system, event.system)
    return "Success" if event.success else "Failure"


def full_time(event: SandboxEvent) -> str:
    """When ``event`` happened, in full: its date and time on this computer's clock, then as recorded (UTC)."""
    local = event.timestamp.astimezone()
    return f"{local.strftime('%Y-%m-%d %H:%M:%S')}, recorded as {event.timestamp_text}"


class _Codes:
    """Small integers standing for the few distinct values of a column (systems, event types)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.codes: dict[str, int] = {}

    def code(self, name: str) -> int:
        found = self.codes.get(name)
        if found is None:
            found = self.codes[name] = len(self.names)
            self.names.append(name)
        return found

    def encode(self, names: list[str]) -> Iterator[int]:
        """The codes of ``names``, adding the new ones (one dictionary look-up per row, in C)."""
        for name in set(names).difference(self.codes):
            self.code(name)
        return map(self.codes.__getitem__, names)

    def encode_bytes(self, events: list[SandboxEvent], field: attrgetter[str]) -> bytes:
        """One byte per event for a column of at most 256 values, without a list of the names in between."""
        try:
            return bytes(map(self.codes.__getitem__, map(field, events)))
        except KeyError:  # a value not seen before: register the batch's values first
            return bytes(self.encode(list(map(field, events))))

    def clear(self, known: tuple[str, ...] = ()) -> None:
        self.names.clear()
        self.codes.clear()
        for name in known:
            self.code(name)


class EventLogModel(QAbstractTableModel):
    """Events of both systems, oldest first; only ``kind == "event"`` records belong here."""

    event_types_changed = Signal()

    def __init__(self, load_records: RecordLoader | None = None) -> None:
        """``load_records`` reads the full records of events listed without them (the stored history)."""
        super().__init__()
        self._load_records = load_records
        self._events: list[SandboxEvent] = []
        self._seen: set[str] = set()
        self._system_codes = _Codes()
        self._system_codes.clear(tuple(SYSTEM_LABELS))
        self._type_codes = _Codes()
        self._system = bytearray()
        self._type = array("i")
        # The lower-cased summary of each row, searched by the text filter.
        self._lowered: list[str] = []
        # Positions of the rows the filter keeps, in order; None while no filter is on.
        self._visible: array[int] | None = None
        self._rows = 0
        self._filter = EventFilter()
        self._icons: dict[str, QIcon] = {}
        self._failure_brush = QBrush(QColor(FAILING_RED))

    # -- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        # Views ask for about seven roles per painted cell; the ones never answered leave first.
        if role != _DISPLAY and role != _TOOLTIP and role != _DECORATION and role != _FOREGROUND:
            return self.event_at(index.row()) if role == EVENT_ROLE and index.isValid() else None
        if not index.isValid():
            return None
        event = self.event_at(index.row())
        if event is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            return cell_text(event, column)
        if role == _TOOLTIP:
            return full_time(event) if column == TIME else cell_text(event, column)
        if role == _DECORATION:
            return self._system_icon(event.system) if column == SYSTEM else None
        if column == RESULT and not event.success:
            return self._failure_brush
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    # -- feeding --------------------------------------------------------------------------

    def append_events(self, events: Iterable[SandboxEvent]) -> int:
        """Add events not seen before; returns how many became visible."""
        batch = list(events)
        kinds = list(map(_kinds, batch))
        if kinds.count(EVENT) != len(kinds):
            batch = list(compress(batch, map(eq, kinds, repeat(EVENT))))
        fresh_ids = set(map(_ids, batch))
        if len(fresh_ids) != len(batch) or not self._seen.isdisjoint(fresh_ids):
            batch = self._unseen(batch)
            fresh_ids = set(map(_ids, batch))
        if not batch:
            return 0
        first = len(self._events)
        types_before = len(self._type_codes.names)
        systems = self._system_codes.encode_bytes(batch, _systems)
        types = array("i", self._type_codes.encode(list(map(_types, batch))))
        lowered = list(map(str.lower, map(_summaries, batch)))

        if self._events:
            self._seen |= fresh_ids
            self._events.extend(batch)
            self._type.extend(types)
            self._lowered.extend(lowered)
        else:  # the first batch (the stored history) is taken as it is, without copies
            self._seen, self._events, self._type, self._lowered = fresh_ids, batch, types, lowered
        self._system += systems
        visible = self._visible
        shown = self._matching(range(first, len(self._events))) if visible is not None else None
        count = len(batch) if shown is None else len(shown)
        if count:
            self.beginInsertRows(QModelIndex(), self._rows, self._rows + count - 1)
            if visible is not None and shown is not None:
                visible.extend(shown)
            self._rows += count
            self.endInsertRows()
        if len(self._type_codes.names) != types_before:
            self.event_types_changed.emit()
        return count

    def _unseen(self, batch: list[SandboxEvent]) -> list[SandboxEvent]:
        """The events of ``batch`` neither logged already nor repeated earlier in the batch."""
        logged, in_batch = self._seen, set()
        kept: list[SandboxEvent] = []
        for event in batch:
            if event.id not in logged and event.id not in in_batch:
                in_batch.add(event.id)
                kept.append(event)
        return kept

    def clear(self) -> None:
        self.beginResetModel()
        self._events.clear()
        self._seen = set()
        self._system_codes.clear(tuple(SYSTEM_LABELS))
        self._type_codes.clear()
        self._system = bytearray()
        self._type = array("i")
        self._lowered = []
        self._visible = None if self._filter.is_empty else array("i")
        self._rows = 0
        self.endResetModel()
        self.event_types_changed.emit()

    # -- filtering ------------------------------------------------------------------------

    @property
    def filter(self) -> EventFilter:
        return self._filter

    def set_filter(self, event_filter: EventFilter) -> None:
        if event_filter == self._filter:
            return
        self.beginResetModel()
        self._filter = event_filter
        if event_filter.is_empty:
            self._visible = None
            self._rows = len(self._events)
        else:
            self._visible = self._matching(range(len(self._events)))
            self._rows = len(self._visible)
        self.endResetModel()

    def _matching(self, rows: range) -> array[int]:
        """The positions among ``rows`` that pass the current filter, in order.

        Each step is one ``compress`` over the rows still kept, so the per-row work runs in C.
        """
        wanted = self._filter
        if wanted.is_empty:
            return array("i", rows)
        kept: Iterable[int] = rows
        if wanted.system is not None:
            code = self._system_codes.codes.get(wanted.system)
            if code is None:
                return array("i")
            kept = compress(kept, map(eq, self._column(self._system, rows, kept), repeat(code)))
        if wanted.event_type is not None:
            code = self._type_codes.codes.get(wanted.event_type)
            if code is None:
                return array("i")
            kept = list(kept) if kept is not rows else rows
            kept = compress(kept, map(eq, self._column(self._type, rows, kept), repeat(code)))
        if wanted.text:
            kept = list(kept) if kept is not rows else rows
            kept = compress(kept, self._text_hits(wanted.text.lower(), rows, kept))
        if wanted.failures_only:
            kept = list(kept) if kept is not rows else rows
            kept = compress(kept, map(not_, map(_successes, map(self._events.__getitem__, kept))))
        return array("i", kept)

    def _text_hits(self, needle: str, rows: range, kept: Iterable[int]) -> Iterator[bool]:
        """For each row kept, whether its summary, event type or system name contains ``needle``."""
        hits: Iterator[bool] = map(contains, self._column(self._lowered, rows, kept), repeat(needle))
        type_names = self._type_codes.names
        types = {code for code, name in enumerate(type_names) if needle in name.lower()}
        if types:
            hits = map(or_, hits, map(types.__contains__, self._column(self._type, rows, kept)))
        systems = {
            code
            for code, name in enumerate(self._system_codes.names)
            if needle in SYSTEM_LABELS.get(name, name).lower()
        }
        if systems:
            hits = map(or_, hits, map(systems.__contains__, self._column(self._system, rows, kept)))
        return hits

    @staticmethod
    def _column(column: Any, rows: range, kept: Iterable[int]) -> Iterable[Any]:
        """The values of ``column`` at the positions ``kept`` (a plain slice while ``kept`` is ``rows``)."""
        if kept is rows:
            return column[rows.start : rows.stop]
        return map(column.__getitem__, kept)

    def event_types(self) -> list[str]:
        return sorted(self._type_codes.names)

    def total_count(self) -> int:
        return len(self._events)

    def stored_events(self, kinds: Collection[tuple[str, str]]) -> list[SandboxEvent]:
        """Every event held (filters aside) whose (system, event type) is one of ``kinds``, oldest first."""
        return [event for event in self._events if (event.system, event.event_type) in kinds]

    def event_at(self, row: int) -> SandboxEvent | None:
        """The event shown in ``row``, or ``None`` past either end."""
        if not 0 <= row < self._rows:
            return None
        visible = self._visible
        return self._events[row if visible is None else visible[row]]

    def full_event(self, event: SandboxEvent) -> SandboxEvent:
        """``event`` with its system's full record (see :meth:`full_events`)."""
        return self.full_events([event])[0]

    def full_events(self, events: list[SandboxEvent]) -> list[SandboxEvent]:
        """``events`` with their systems' full records.

        The stored history is listed without them (reading thousands of records would slow the
        window's opening); they are read here, a few hundred per query, for the events asked for.
        """
        loader = self._load_records
        missing: dict[str, list[str]] = {}
        for event in events:
            if not event.data:
                missing.setdefault(event.system, []).append(event.id)
        if loader is None or not missing:
            return events
        records: dict[str, dict[str, Any]] = {}
        for system, ids in missing.items():
            for start in range(0, len(ids), RECORDS_PER_READ):
                records.update(loader(system, ids[start : start + RECORDS_PER_READ]))
        return [replace(event, data=records[event.id]) if event.id in records else event for event in events]

    def shown_events(self) -> list[SandboxEvent]:
        """The events the filter keeps, oldest first."""
        visible = self._visible
        return list(self._events) if visible is None else list(map(self._events.__getitem__, visible))

    def row_of_event(self, event_id: str) -> int | None:
        """The row showing the event ``event_id``, or ``None`` when it is not logged or the filter hides it."""
        if event_id not in self._seen:
            return None
        position = next(compress(count(), map(eq, map(_ids, self._events), repeat(event_id))), None)
        if position is None:
            return None
        visible = self._visible
        if visible is None:
            return position
        row = bisect_left(visible, position)
        return row if row < len(visible) and visible[row] == position else None

    def _system_icon(self, system: str) -> QIcon:
        icon = self._icons.get(system)
        if icon is None:
            icon = self._icons[system] = dot_icon(SYSTEM_COLOURS.get(system, "#8a94a6"), 10)
        return icon
