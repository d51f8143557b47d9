"""The list half of the event log, SAML tracer and SCIM traffic docks: a filter bar over a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QTableView,
    QWidget,
)

from sandbox.desktop.panel_text import chosen_text_scale, scale_text, widen_for_new_rows

# Styled by the theme and found by the event log's export buttons.
FILTER_BAR_NAME = "eventFilterBar"
HINT_GREY = "#6b7785"


class ListTable(QTableView):
    """A table that says what will appear in it, or why nothing shows, while it has no rows."""

    def __init__(self) -> None:
        super().__init__()
        self._empty_hint = ""
        self._had_rows = False
        #: keep the newest rows in sight as they arrive, unless the reader scrolled up from them
        self.follows_new_rows = False
        self._was_at_bottom = True

    def watch_rows(self) -> None:
        """Follow the model's rows coming and going (called once the model is set)."""
        model = self.model()
        model.rowsAboutToBeInserted.connect(self._remember_scroll)
        model.rowsInserted.connect(self._rows_inserted)
        model.modelReset.connect(self._rows_changed)
        self._had_rows = model.rowCount() > 0

    def _remember_scroll(self) -> None:
        bar = self.verticalScrollBar()
        self._was_at_bottom = bar.value() >= bar.maximum() - 2

    def _rows_changed(self) -> None:
        model = self.model()
        has_rows = model is not None and model.rowCount() > 0
        if has_rows and not self._had_rows:
            self._first_rows_arrived()
        self._had_rows = has_rows

    def _rows_inserted(self, _parent: QModelIndex | QPersistentModelIndex, first: int, last: int) -> None:
        had_rows = self._had_rows
        self._rows_changed()
        if had_rows:
            # The first rows sized the columns already; later ones only widen a column too narrow for them.
            widen_for_new_rows(self, first, last)
        if self.follows_new_rows and self._was_at_bottom:
            # Like a log being tailed: a new message or exchange comes into sight as it arrives.
            self.scrollToBottom()

    def _first_rows_arrived(self) -> None:
        # Larger panel text chosen while the table was empty widened every fixed column by the whole
        # factor, with no rows to say how much they need: the stretching one (SCIM traffic's Path) was
        # squeezed to nothing. Its first rows size them again, as wide as the larger text needs.
        scale = chosen_text_scale(self)
        if scale == 1.0:
            return
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None:
            scale_text(dock, scale)

    @property
    def empty_hint(self) -> str:
        return self._empty_hint

    def set_empty_hint(self, text: str) -> None:
        """The words shown in the middle of the empty table (``""``: none)."""
        if text != self._empty_hint:
            self._empty_hint = text
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if not self._empty_hint or model is None or model.rowCount() > 0:
            return
        painter = QPainter(self.viewport())
        painter.setPen(QColor(HINT_GREY))
        area = self.viewport().rect().adjusted(24, 24, -24, -24)
        painter.drawText(
            QRect(area.left(), area.top(), area.width(), min(area.height(), 120)),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
            self._empty_hint,
        )
        painter.end()


def filter_bar(items: Sequence[QWidget | None]) -> QFrame:
    """A bar of filter widgets, left to right; ``None`` is a stretch that pushes the rest right."""
    bar = QFrame()
    bar.setObjectName(FILTER_BAR_NAME)
    layout = QHBoxLayout(bar)
    layout.setContentsMargins(8, 4, 8, 4)
    for item in items:
        if item is None:
            layout.addStretch(1)
        else:
            layout.addWidget(item)
    return bar


def list_table(
    model: QAbstractItemModel,
    object_name: str,
    widths: Mapping[int, int],
    stretch: int | None = None,
    empty_hint: str = "",
    follow: bool = False,
) -> ListTable:
    """A one-row-at-a-time table over ``model`` with fixed row heights (cheap to scroll at 100,000 rows).

    ``widths`` sets the starting width of columns; ``stretch`` takes the remaining room (the last
    column when ``None``); ``empty_hint`` is shown while the table has no rows; ``follow`` keeps the
    newest rows in sight as they arrive while the reader is at the end of the list.
    """
    table = ListTable()
    table.set_empty_hint(empty_hint)
    table.setObjectName(object_name)
    table.setModel(model)
    table.watch_rows()
    table.follows_new_rows = follow
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    vertical = table.verticalHeader()
    vertical.hide()
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for column, width in widths.items():
        header.resizeSection(column, width)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def select_in_sight(table: QTableView, row: int | None) -> bool:
    """Select ``row`` (when there is one) and scroll it to the middle of ``table``; whether it was."""
    model = table.model()
    if row is None or model is None or not 0 <= row < model.rowCount():
        return False
    table.selectRow(row)
    table.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
    return True
