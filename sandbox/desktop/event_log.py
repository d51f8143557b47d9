"""The event log dock: filters, the table of events and the selected event's JSON."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from sandbox.desktop.event_model import (
    EVENT_TYPE,
    RESULT,
    SUMMARY,
    SYSTEM,
    SYSTEM_COLOURS,
    SYSTEM_LABELS,
    TIME,
    EventFilter,
    EventLogModel,
)
from sandbox.desktop.layout import column, side_by_side
from sandbox.desktop.list_share import share_dock
from sandbox.desktop.list_view import filter_bar, list_table, select_in_sight
from sandbox.desktop.theme import FAILING_RED, dot_icon
from sandbox.events import SandboxEvent

ALL_TYPES = "All event types"
#: the most of the dock the list takes at larger text, its summaries whole: the record beside it keeps the rest
LIST_SHARE_MOST = 0.8
REASON_STYLE = (
    f"color:{FAILING_RED}; font-weight:600; background:#fdecec; border:1px solid #f3b8b8;"
    " border-radius:5px; padding:5px 8px;"
)


def until_tomorrow() -> int:
    """Milliseconds from now to just after the next midnight on this computer's clock."""
    now = datetime.now().astimezone()
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(0, 0, 1), now.tzinfo)
    return max(1000, int((tomorrow - now).total_seconds() * 1000))


def failure_reason(event: SandboxEvent) -> str:
    """Why a failed event failed, in the system's own words ('' for a success or when it does not say).

    BlogIn's audit events keep it in ``detail.reason``; JumpCloud's Directory Insights events in
    ``error_message``; both fall back to the event's summary.
    """
    if event.success:
        return ""
    data: dict[str, Any] = event.data or {}
    detail = data.get("detail")
    reason = detail.get("reason") if isinstance(detail, dict) else None
    reason = reason or data.get("error_message") or data.get("reason")
    check = detail.get("check") if isinstance(detail, dict) else None
    text = str(reason or event.summary)
    if reason and str(reason) in event.summary:
        text = event.summary  # the summary says who and what as well ("olive was refused by BlogIn: …")
    return f"{text} (failed check: {check})" if check and str(check) not in text else text


class EventLogDock(QDockWidget):
    """Live events of both systems, newest at the bottom."""

    def __init__(self, model: EventLogModel) -> None:
        super().__init__("Event log")
        self.setObjectName("eventLogDock")
        self.model = model

        self.system_filter = QComboBox()
        self.system_filter.setObjectName("systemFilter")
        self.system_filter.addItem("All systems", None)
        for system, label in SYSTEM_LABELS.items():
            self.system_filter.addItem(dot_icon(SYSTEM_COLOURS[system]), label, system)
        self.type_filter = QComboBox()
        self.type_filter.setObjectName("typeFilter")
        self.type_filter.setMinimumContentsLength(22)
        self.type_filter.addItem(ALL_TYPES, None)
        self.text_filter = QLineEdit()
        self.text_filter.setObjectName("textFilter")
        self.text_filter.setPlaceholderText("Filter by text…")
        self.text_filter.setClearButtonEnabled(True)
        self.failures_filter = QCheckBox("Failures only")
        self.failures_filter.setObjectName("failuresOnly")
        self.failures_filter.setToolTip("Show only the events that record a failure, with why in their record.")
        self.count_label = QLabel()
        self.count_label.setObjectName("eventCount")

        bar = filter_bar(
            [self.system_filter, self.type_filter, self.text_filter, self.failures_filter, self.count_label]
        )
        # Event types run to 34 characters (scim_provisioning_status_changed): wide enough for them. The
        # short columns are only as wide as their words; the summary, which says what happened, takes the rest.
        self.table = list_table(
            model,
            "eventTable",
            {TIME: 150, SYSTEM: 110, EVENT_TYPE: 250, RESULT: 80},
            stretch=SUMMARY,
            elide_middle={EVENT_TYPE},
        )

        self.detail = QPlainTextEdit()
        self.detail.setObjectName("eventDetail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select an event to see its full record.")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.detail.setFont(mono)

        # A failed event's reason in words above its record, so nobody digs for it in the JSON.
        self.reason = QLabel()
        self.reason.setObjectName("eventReason")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason.setStyleSheet(REASON_STYLE)
        self.reason.hide()
        detail_side = QWidget()
        detail_layout = QVBoxLayout(detail_side)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.setSpacing(4)
        detail_layout.addWidget(self.reason)
        detail_layout.addWidget(self.detail, 1)

        # At larger text the event type gives way to the summary, keeping its start and end (its tooltip
        # names it whole).
        self.table.gives_way = EVENT_TYPE
        self.splitter = side_by_side("eventLogSplitter", self.table, detail_side, (900, 360), stretch=(3, 1))
        share_dock(self.splitter, self.table, LIST_SHARE_MOST)
        self.setWidget(column(bar, self.splitter))

        # Typing in the text filter re-filters after a short pause, not on every key.
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(150)
        self._text_timer.timeout.connect(self.apply_filter)
        self.text_filter.textChanged.connect(self._text_timer.start)
        # At midnight the day's events take their date (only today's show their time alone): measured again.
        self._midnight = QTimer(self)
        self._midnight.setSingleShot(True)
        self._midnight.timeout.connect(self.new_day)
        self._midnight.start(until_tomorrow())
        self.system_filter.currentIndexChanged.connect(self.apply_filter)
        self.type_filter.currentIndexChanged.connect(self.apply_filter)
        self.failures_filter.toggled.connect(self.apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(self._show_detail_of)
        model.event_types_changed.connect(self._refresh_types)
        model.rowsAboutToBeInserted.connect(self._remember_scroll)
        model.rowsInserted.connect(self._follow_new_rows)
        model.rowsInserted.connect(self._update_count)
        model.modelReset.connect(self._update_count)
        # A reset (File › Reset sandbox…, a scenario) or a filter takes the selected row away without a
        # selection change: its record must not stay beside a table that no longer holds it.
        model.modelReset.connect(self._forget_vanished_selection)
        model.rowsRemoved.connect(self._forget_vanished_selection)
        self._was_at_bottom = True
        self._reading_history = False
        self._update_count()

    def new_day(self) -> None:
        """Yesterday's events now show their date: the Time column as wide as that needs."""
        self.table.fit_columns()
        self.table.viewport().update()
        self._midnight.start(until_tomorrow())

    def set_text_scale(self, scale: float) -> None:
        """View › Panel text size: the short columns fitted to their larger words, the summary given the room."""
        self.table.fit_columns(scale)

    def apply_filter(self) -> None:
        """Show the events matching the system, type and text chosen above the table.

        The selected event stays selected, and in sight, when the filter keeps it.
        """
        self._text_timer.stop()
        selected = self.selected_event()
        self.model.set_filter(
            EventFilter(
                system=self.system_filter.currentData(),
                event_type=self.type_filter.currentData(),
                text=self.text_filter.text().strip(),
                failures_only=self.failures_filter.isChecked(),
            )
        )
        if not select_in_sight(self.table, self.model.row_of_event(selected.id) if selected is not None else None):
            self.clear_detail()
            self.table.scrollToBottom()

    def clear_detail(self) -> None:
        """No event selected: the record side shows its invitation to select one, nothing older."""
        self.detail.clear()
        self.reason.clear()
        self.reason.hide()

    def selected_event(self) -> SandboxEvent | None:
        """The event of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.event_at(rows[0].row()) if rows else None

    def _refresh_types(self) -> None:
        current = self.type_filter.currentData()
        self.type_filter.blockSignals(True)
        self.type_filter.clear()
        self.type_filter.addItem(ALL_TYPES, None)
        for event_type in self.model.event_types():
            self.type_filter.addItem(event_type, event_type)
        index = self.type_filter.findData(current) if current is not None else 0
        self.type_filter.setCurrentIndex(max(index, 0))
        self.type_filter.blockSignals(False)
        if current is not None and index < 0:
            self.apply_filter()

    def _remember_scroll(self) -> None:
        bar = self.table.verticalScrollBar()
        self._was_at_bottom = bar.value() >= bar.maximum() - 2

    def _follow_new_rows(self) -> None:
        # Follow the log like `tail -f`, unless the user has scrolled up to read.
        if self._was_at_bottom:
            self.table.scrollToBottom()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total_count()
        noun = "event" if total == 1 else "events"
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")
        if total == 0 and self._reading_history:
            hint = "Reading the events JumpCloud and BlogIn have stored…"
        elif total == 0:
            hint = "No events yet. What the administrators and end users do in JumpCloud and BlogIn appears here."
        else:
            hint = (
                "No event matches these filters. Choose All systems and All event types, clear the text, "
                "or untick Failures only."
            )
        self.table.set_empty_hint(hint)

    def set_reading_history(self, reading: bool) -> None:
        """While the stored events are still to be read (the systems start after the first page), the empty
        log says so rather than that there are none."""
        self._reading_history = reading
        self._update_count()

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self._show_detail_of(indexes[0])
        else:
            self._forget_vanished_selection()

    def _forget_vanished_selection(self) -> None:
        if not self.table.selectionModel().hasSelection():
            self.clear_detail()

    def _show_detail_of(self, index: QModelIndex) -> None:
        event = self.model.event_at(index.row())
        if event is not None:
            event = self.model.full_event(event)
            self.detail.setPlainText(json.dumps(event.data, indent=2, ensure_ascii=False, default=str))
            reason = failure_reason(event)
            self.reason.setText(f"✘ {reason}")
            self.reason.setVisible(bool(reason))
