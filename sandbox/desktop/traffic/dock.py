"""The SCIM traffic dock: exchanges on the left, the selected request and response on the right."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sandbox.desktop.flow.steps import CONNECTION_TEST_OPERATIONS
from sandbox.desktop.layout import column, side_by_side
from sandbox.desktop.list_share import share_dock
from sandbox.desktop.list_view import filter_bar, list_table, select_in_sight
from sandbox.desktop.theme import FAILING_RED, MUTED_GREY
from sandbox.desktop.trace_model import system_label
from sandbox.desktop.traffic.model import (
    LATENCY,
    METHOD,
    PATH,
    RECORDED_BY,
    STATUS,
    STATUS_CLASSES,
    TIME,
    ScimTrafficModel,
    TrafficFilter,
    pretty_body,
    readable_path,
)
from sandbox.desktop.traffic.words import failure_words, what_and_why
from sandbox.events import SandboxEvent

ALL_STATUSES = "All statuses"
ALL_RESOURCES = "All resources"
NOTHING_CHOSEN = "Select an exchange to see its request and response."
#: the longest path the detail's heading shows whole: a batch lookup's filter names every user in it (50
#: ``userName eq "…" or`` clauses, over 2,000 characters), which wrapped would push the request and response
#: out of the panel; the heading keeps its start and end, the Request tab has it all
HEADING_PATH_CHARS = 140
HEADING_PATH_END = 30
#: the most of the dock the list takes, its paths whole (a user's id too at Normal on a 1280 px window): the
#: request and response keep a third
LIST_SHARE_MOST = 2 / 3


def _mono_view(name: str) -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setObjectName(name)
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    mono.setStyleHint(QFont.StyleHint.Monospace)
    view.setFont(mono)
    return view


def http_text(start_line: str, headers: dict[str, str], body: str | None) -> str:
    """A request or response as it would look on the wire, body indented."""
    lines = [start_line, *(f"{name}: {value}" for name, value in headers.items())]
    pretty = pretty_body(body)
    return "\n".join(lines) + ("\n\n" + pretty if pretty else "")


class ScimTrafficDock(QDockWidget):
    """Every SCIM request and response between the systems."""

    #: the Directory Insights / audit event an exchange belongs to: (event id)
    event_requested = Signal(str)

    def __init__(self, model: ScimTrafficModel) -> None:
        super().__init__("SCIM traffic")
        self.setObjectName("scimTrafficDock")
        self.model = model
        self.current: SandboxEvent | None = None

        self.status_filter = QComboBox()
        self.status_filter.setObjectName("scimStatusFilter")
        self.status_filter.addItem(ALL_STATUSES, None)
        for status in STATUS_CLASSES:
            self.status_filter.addItem(status, status)
        self.resource_filter = QComboBox()
        self.resource_filter.setObjectName("scimResourceFilter")
        self.resource_filter.setMinimumContentsLength(16)
        self.resource_filter.addItem(ALL_RESOURCES, None)
        self.count_label = QLabel()
        self.count_label.setObjectName("scimCount")
        bar = filter_bar([self.status_filter, self.resource_filter, None, self.count_label])
        self.table = list_table(
            model,
            "scimTable",
            {TIME: 100, RECORDED_BY: 150, METHOD: 70, STATUS: 90, LATENCY: 80},
            stretch=PATH,
            follow=True,
            # A path too long for its column keeps its start and the resource id's end.
            elide_middle={PATH},
        )

        self.title = QLabel(NOTHING_CHOSEN)
        self.title.setObjectName("scimTitle")
        self.title.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("scimError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color:{FAILING_RED}; font-weight:600;")
        self.error.hide()
        self.what = QLabel()
        self.what.setObjectName("scimWhat")
        self.what.setWordWrap(True)
        self.what.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.what.hide()
        self.event_button = QPushButton("Open the related event")
        self.event_button.setObjectName("scimRelatedEvent")
        self.event_button.setToolTip("The Directory Insights event about this provisioning attempt, in the event log.")
        self.event_button.hide()
        self.event_button.clicked.connect(self._open_event)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.event_button)
        self.request_view = _mono_view("scimRequest")
        self.response_view = _mono_view("scimResponse")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("scimTabs")
        self.tabs.addTab(self.request_view, "Request")
        self.tabs.addTab(self.response_view, "Response")

        # Until an exchange is chosen: what this side will show, instead of two empty panes.
        self.placeholder = QLabel(
            "The request as it was sent and the response that came back, headers and bodies, appear here. "
            "Bearer tokens are masked."
        )
        self.placeholder.setObjectName("scimPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.placeholder.setStyleSheet(f"color:{MUTED_GREY}; padding-top:6px;")
        self.tabs.hide()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 6, 8, 6)
        right_layout.addLayout(heading)
        right_layout.addWidget(self.what)
        right_layout.addWidget(self.error)
        right_layout.addWidget(self.placeholder, 1)
        right_layout.addWidget(self.tabs, 1)
        self.splitter = side_by_side("scimTrafficSplitter", column(bar, self.table), right, (620, 620))
        share_dock(self.splitter, self.table, LIST_SHARE_MOST, most_at_normal=LIST_SHARE_MOST)
        self.setWidget(self.splitter)

        self.status_filter.currentIndexChanged.connect(self.apply_filter)
        self.resource_filter.currentIndexChanged.connect(self.apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # Once per batch, not per run of rows a batch inserts (nor when a filtered-out batch adds none).
        model.traces_added.connect(self._refresh)
        model.modelReset.connect(self._refresh)
        # After a reset or a scenario the exchange shown may be gone from both systems: not left on show.
        model.modelReset.connect(self._forget_vanished_exchange)
        self._refresh()

    # -- list -------------------------------------------------------------------------------------

    def set_text_scale(self, scale: float) -> None:
        """View › Panel text size: the short columns fitted to their larger words, the path given the room."""
        self.table.fit_columns(scale)

    def apply_filter(self) -> None:
        """Show the exchanges of the chosen status class and resource; the open one stays selected when kept."""
        wanted = TrafficFilter(self.status_filter.currentData(), self.resource_filter.currentData())
        self.model.set_filter(None if wanted == TrafficFilter() else wanted)
        if self.current is not None:
            select_in_sight(self.table, self.model.row_of(self.current.id))

    def _refresh(self) -> None:
        shown, total = self.model.visible_count(), self.model.total_count()
        noun = "exchange" if total == 1 else "exchanges"
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")
        self.table.set_empty_hint(
            "No SCIM exchanges yet. Activate Identity Management on the BlogIn application in JumpCloud: "
            "the connection test and every provisioning request appear here, as sent and as received."
            if total == 0
            else "No exchange matches these filters. Choose All statuses and All resources to see every one."
        )
        known = {self.resource_filter.itemData(i) for i in range(1, self.resource_filter.count())}
        for resource in self.model.resources():
            if resource not in known:
                self.resource_filter.addItem(resource, resource)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            trace = self.model.trace_at(indexes[0].row())
            if trace is not None:
                self.open_exchange(trace)

    def show_trace(self, trace_id: str) -> bool:
        """Select the exchange ``trace_id`` (clearing filters that hide it); False if it is unknown."""
        if self.model.trace(trace_id) is None:
            return False
        row = self.model.row_of(trace_id)
        if row is None:
            self.status_filter.setCurrentIndex(0)
            self.resource_filter.setCurrentIndex(0)
            row = self.model.row_of(trace_id)
        if row is None:
            return False
        self.show()
        self.raise_()
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def show_exchange_of_event(self, event_id: str) -> bool:
        """Select the exchange a provisioning event is about; False when it has none."""
        trace = self.model.exchange_of_event(event_id)
        return trace is not None and self.show_trace(trace.id)

    # -- detail -----------------------------------------------------------------------------------

    def _forget_vanished_exchange(self) -> None:
        if self.current is not None and self.model.trace(self.current.id) is None:
            self.show_nothing()

    def show_nothing(self) -> None:
        """No exchange open: the detail says what it will show once one is chosen."""
        self.current = None
        self.title.setText(NOTHING_CHOSEN)
        for widget in (self.what, self.error, self.event_button, self.tabs):
            widget.hide()
        self.request_view.clear()
        self.response_view.clear()
        self.placeholder.show()

    def open_exchange(self, trace: SandboxEvent) -> None:
        self.current = trace
        self.placeholder.hide()
        self.tabs.show()
        data = trace.data
        status = data.get("status")
        outcome = f"→ {status}" if status is not None else "→ no response"
        latency = data.get("latency_ms")
        took = f" in {float(latency):,.0f} ms" if isinstance(latency, int | float) else ""
        attempt = int(data.get("attempt") or 1)
        retry = f" · attempt {attempt}" if attempt > 1 else ""
        operation = f" · {escape(str(data['operation']))}" if data.get("operation") else ""
        if data.get("operation") in CONNECTION_TEST_OPERATIONS:
            operation += " (Activate's connection test: a test user and group, deleted afterwards)"
        path = readable_path(str(data.get("path", "")))
        self.title.setText(
            f"<b>{escape(str(data.get('method', '')))} {escape(heading_path(path))}</b> "
            f"{outcome}{took}"
            f"<br><span style='color:#5f6b7a'>recorded by {system_label(trace.system)} "
            f"({escape(str(data.get('direction', '')))}){operation}{retry}</span>"
        )
        self.what.setText(what_and_why(data))
        self.what.show()
        failure = failure_words(data)
        self.error.setText(failure)
        self.error.setVisible(bool(failure))
        self.request_view.setPlainText(
            http_text(
                f"{data.get('method', '')} {data.get('url', '')}",
                dict(data.get("request_headers") or {}),
                data.get("request_body"),
            )
        )
        self.response_view.setPlainText(
            http_text(f"HTTP {status}", dict(data.get("response_headers") or {}), data.get("response_body"))
            if status is not None
            else "(no response arrived)"
        )
        self.event_button.setVisible(bool(trace.related_id))

    def _open_event(self) -> None:
        if self.current is not None and self.current.related_id:
            self.event_requested.emit(self.current.related_id)


def heading_path(path: str) -> str:
    """``path`` as the detail's heading shows it: whole, or its start and end around an ellipsis when longer
    than :data:`HEADING_PATH_CHARS`."""
    if len(path) <= HEADING_PATH_CHARS:
        return path
    return f"{path[: HEADING_PATH_CHARS - HEADING_PATH_END - 1]}…{path[-HEADING_PATH_END:]}"
