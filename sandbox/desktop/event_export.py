"""Event log extras: export to CSV and JSON, copy an event's JSON, open the message an event is about.

The event log dock belongs to the window; these extras attach to it from outside: a button on its
filter bar and a context menu on its table.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QFrame, QMenu, QPushButton

from sandbox.desktop.event_log import EventLogDock
from sandbox.desktop.saved_files import say_in_status_bar, suggested_path
from sandbox.events import SandboxEvent

log = logging.getLogger("sandbox.desktop.eventlog")

CSV_COLUMNS = ("timestamp", "system", "event_type", "summary", "result", "id", "related_id")

#: finds the SAML message or SCIM exchange an event is about: event → (kind, trace id) or None
RelatedFinder = Callable[[SandboxEvent], tuple[str, str] | None]


def event_record(event: SandboxEvent) -> dict[str, Any]:
    """One event as JSON: the system's own full record under ``data``."""
    return {
        "timestamp": event.timestamp_text,
        "system": event.system,
        "id": event.id,
        "event_type": event.event_type,
        "summary": event.summary,
        "success": event.success,
        "related_id": event.related_id,
        "data": event.data,
    }


def event_json(event: SandboxEvent) -> str:
    """The JSON detail of one event, indented for reading."""
    return json.dumps(event_record(event), indent=2, ensure_ascii=False, default=str)


def export_csv(events: Iterable[SandboxEvent], path: Path) -> int:
    """Write ``events`` as CSV (one row each, spreadsheet-friendly); returns how many."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for event in events:
            result = "Success" if event.success else "Failure"
            writer.writerow(
                (
                    event.timestamp_text,
                    event.system,
                    event.event_type,
                    event.summary,
                    result,
                    event.id,
                    event.related_id or "",
                )
            )
            count += 1
    return count


def export_json(events: Iterable[SandboxEvent], path: Path) -> int:
    """Write ``events`` as one JSON array of full records; returns how many."""
    records = [event_record(event) for event in events]
    with path.open("w", encoding="utf-8") as handle:
        json.dump(records, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")
    return len(records)


class EventLogExtras(QObject):
    """Export, copy-JSON and open-related for the window's event log dock."""

    def __init__(
        self, dock: EventLogDock, find_related: RelatedFinder, open_related: Callable[[str, str], object]
    ) -> None:
        super().__init__(dock)
        self.dock = dock
        self.find_related = find_related
        self.open_related = open_related

        self.related_button = QPushButton("Open related message")
        self.related_button.setObjectName("openRelatedMessage")
        self.related_button.setToolTip("The SAML message or SCIM exchange this event is about.")
        self.related_button.setEnabled(False)
        self.related_button.clicked.connect(self.open_selected_related)
        # A push button with a menu: its arrow sits beside the word (a tool button's overlapped it).
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("exportEvents")
        self.export_button.setToolTip("Save the events the log shows (its filters applied) as CSV or JSON.")
        menu = QMenu(self.export_button)
        self.export_csv_action = QAction("Export shown events as CSV…", menu)
        self.export_json_action = QAction("Export shown events as JSON…", menu)
        self.export_csv_action.triggered.connect(lambda: self.export("csv"))
        self.export_json_action.triggered.connect(lambda: self.export("json"))
        menu.addAction(self.export_csv_action)
        menu.addAction(self.export_json_action)
        self.export_button.setMenu(menu)
        bar = dock.findChild(QFrame, "eventFilterBar")
        layout = bar.layout() if bar is not None else None
        if layout is not None:
            layout.addWidget(self.related_button)
            layout.addWidget(self.export_button)

        dock.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        dock.table.customContextMenuRequested.connect(self._context_menu)
        dock.table.selectionModel().selectionChanged.connect(self._selection_changed)
        dock.model.modelReset.connect(self._selection_changed)

    def selected_event(self) -> SandboxEvent | None:
        rows = self.dock.table.selectionModel().selectedRows()
        return self.dock.model.event_at(rows[0].row()) if rows else None

    def shown_events(self) -> list[SandboxEvent]:
        """The events the log shows now, filters applied, oldest first."""
        model = self.dock.model
        return model.full_events(model.shown_events())

    def _selection_changed(self) -> None:
        event = self.selected_event()
        self.related_button.setEnabled(event is not None and self.find_related(event) is not None)

    def open_selected_related(self) -> bool:
        """Open the selected event's SAML message or SCIM exchange; False when it has none."""
        event = self.selected_event()
        related = self.find_related(event) if event is not None else None
        if related is None:
            return False
        self.open_related(*related)
        return True

    def copy_json(self) -> None:
        event = self.selected_event()
        if event is not None:
            QGuiApplication.clipboard().setText(event_json(self.dock.model.full_event(event)))

    def export(self, fmt: str, path: str | None = None) -> Path | None:
        """Export the shown events as ``"csv"`` or ``"json"``; asks where unless ``path`` is given."""
        if path is None:
            pattern = "CSV files (*.csv)" if fmt == "csv" else "JSON files (*.json)"
            start = suggested_path(self.dock, f"sso-sandbox-events.{fmt}")
            path, _filter = QFileDialog.getSaveFileName(self.dock, "Export events", start, f"{pattern};;All files (*)")
            if not path:
                return None
        target = Path(path)
        events = self.shown_events()
        try:
            count = export_csv(events, target) if fmt == "csv" else export_json(events, target)
        except OSError as error:
            log.warning("could not export events to %s: %s", target, error)
            self.dock.count_label.setText(f"Export failed: {error.strerror or error}")
            return None
        log.info("exported %d events to %s", count, target)
        say_in_status_bar(self.dock, f"{count:,} event{'' if count == 1 else 's'} exported to {target}")
        return target

    def _context_menu(self, point: QPoint) -> None:
        index = self.dock.table.indexAt(point)
        if index.isValid():
            self.dock.table.selectRow(index.row())
        event = self.selected_event()
        menu = QMenu(self.dock.table)
        copy = menu.addAction("Copy event as JSON")
        copy.setEnabled(event is not None)
        copy.triggered.connect(self.copy_json)
        related = menu.addAction("Open related message")
        related.setEnabled(event is not None and self.find_related(event) is not None)
        related.triggered.connect(self.open_selected_related)
        menu.addSeparator()
        menu.addAction(self.export_csv_action)
        menu.addAction(self.export_json_action)
        menu.popup(self.dock.table.viewport().mapToGlobal(point))
