"""The event log of both systems as a Qt table model, filtered over plain lists.

Rows are appended in batches (one ``beginInsertRows`` per batch) and filtering walks a list of
precomputed row tuples, so the log stays smooth at 100,000 events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events the log shows: ``None`` means any system or any type."""

    system: str | None = None
    event_type: str | None = None
    text: str = ""

    def matches(self, row: _Row) -> bool:
        if self.system is not None and row.event.system != self.system:
            return False
        if self.event_type is not None and row.event.event_type != self.event_type:
            return False
        return not self.text or self.text.lower() in row.haystack


class _Row:
    """One event and the lower-cased text the text filter searches; cells are made when painted."""

    __slots__ = ("event", "haystack")

    def __init__(self, event: SandboxEvent) -> None:
        self.event = event
        label = SYSTEM_LABELS.get(event.system, event.system)
        self.haystack = f"{label} {event.event_type} {event.summary}".lower()

    def cell(self, column: int) -> str:
        event = self.event
        if column == TIME:
            return event.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if column == SYSTEM:
            return SYSTEM_LABELS.get(event.system, event.system)
        if column == EVENT_TYPE:
            return event.event_type
        if column == SUMMARY:
            return event.summary
        return "Success" if event.success else "Failure"


class EventLogModel(QAbstractTableModel):
    """Events of both systems, oldest first; only ``kind == "event"`` records belong here."""

    event_types_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[_Row] = []
        self._visible: list[_Row] = []
        self._ids: set[str] = set()
        self._types: set[str] = set()
        self._filter = EventFilter()
        self._icons: dict[str, QIcon] = {}
        self._failure_brush = QBrush(QColor(FAILING_RED))

    # -- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._visible):
            return None
        row = self._visible[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cell(column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.event.timestamp_text if column == TIME else row.cell(column)
        if role == Qt.ItemDataRole.DecorationRole and column == SYSTEM:
            return self._system_icon(row.event.system)
        if role == Qt.ItemDataRole.ForegroundRole and column == RESULT and not row.event.success:
            return self._failure_brush
        if role == EVENT_ROLE:
            return row.event
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    # -- feeding --------------------------------------------------------------------------

    def append_events(self, events: Iterable[SandboxEvent]) -> int:
        """Add events not seen before; returns how many became visible."""
        fresh: list[_Row] = []
        types_before = len(self._types)
        for event in events:
            if event.kind != EVENT or event.id in self._ids:
                continue
            self._ids.add(event.id)
            self._types.add(event.event_type)
            fresh.append(_Row(event))
        if not fresh:
            return 0
        self._rows.extend(fresh)
        shown = [row for row in fresh if self._filter.matches(row)]
        if shown:
            first = len(self._visible)
            self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
            self._visible.extend(shown)
            self.endInsertRows()
        if len(self._types) != types_before:
            self.event_types_changed.emit()
        return len(shown)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._visible.clear()
        self._ids.clear()
        self._types.clear()
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
        if event_filter == EventFilter():
            self._visible = list(self._rows)
        else:
            self._visible = [row for row in self._rows if event_filter.matches(row)]
        self.endResetModel()

    def event_types(self) -> list[str]:
        return sorted(self._types)

    def total_count(self) -> int:
        return len(self._rows)

    def event_at(self, row: int) -> SandboxEvent | None:
        return self._visible[row].event if 0 <= row < len(self._visible) else None

    def _system_icon(self, system: str) -> QIcon:
        icon = self._icons.get(system)
        if icon is None:
            icon = self._icons[system] = dot_icon(SYSTEM_COLOURS.get(system, "#8a94a6"), 10)
        return icon
