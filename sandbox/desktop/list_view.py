"""The list half of the event log, SAML tracer and SCIM traffic docks: a filter bar over a table."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
)
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

if TYPE_CHECKING:
    from sandbox.desktop.list_share import ListShare

# Styled by the theme and found by the event log's export buttons.
FILTER_BAR_NAME = "eventFilterBar"
HINT_GREY = "#6b7785"


AnyIndex = QModelIndex | QPersistentModelIndex
#: the newest rows a batch brought that are measured for the short columns (a batch's rows share their shapes)
ROWS_MEASURED = 64
#: how much of its width a column that gives way (the event log's Event type) keeps at the least
GIVE_WAY_FLOOR = 0.6


class ListHeader(QHeaderView):
    """The column headings, noting the columns the reader sized by hand (dragging an edge, or double-clicking
    it), which the list then leaves as the reader made them."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        #: the columns the reader sized: the width they gave each, and the panel text scale it was given at
        self.sized_by_reader: dict[int, tuple[int, float]] = {}
        #: the panel text scale the list is shown at (View › Panel text size)
        self.text_scale = 1.0
        self._pressed = False
        self.sectionResized.connect(self._resized)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pressed = True
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        self._pressed = False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self._pressed = True
        super().mouseDoubleClickEvent(event)
        self._pressed = False

    def _resized(self, column: int, _old: int, new: int) -> None:
        # The column that stretches follows the others: only a column the reader can size counts.
        if self._pressed and self.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive:
            self.sized_by_reader[column] = (new, self.text_scale)


class ElidingDelegate(QStyledItemDelegate):
    """Cells too long for their column lose their middle (a path keeps its resource id's end) or their end
    (words); the whole value is in the cell's tooltip."""

    def __init__(self, parent: QWidget, middle: Collection[int] = ()) -> None:
        super().__init__(parent)
        self.middle = frozenset(middle)

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = (
            Qt.TextElideMode.ElideMiddle if index.column() in self.middle else Qt.TextElideMode.ElideRight
        )


class ListTable(QTableView):
    """A table that says what will appear in it, or why nothing shows, while it has no rows.

    Its short columns (a time, a method, a status) are as wide as their heading and rows need, never more
    than they were built times the panel text size, and the column that names the row takes the rest
    (:meth:`fit_columns`); a column the reader sized stays as they left it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalHeader(ListHeader())
        self._empty_hint = ""
        self._had_rows = False
        #: keep the newest rows in sight as they arrive, unless the reader scrolled up from them
        self.follows_new_rows = False
        self._was_at_bottom = True
        #: the column that takes the room the others leave (it names the row)
        self.room_column = -1
        #: the short columns' widths as built, at Normal text
        self.built_widths: dict[int, int] = {}
        #: the list's part of its dock at larger text, when it shares one with a detail
        self.share: ListShare | None = None
        #: a short column that gives way to the one naming the row at larger text, down to GIVE_WAY_FLOOR of
        #: its width (-1: none)
        self.gives_way = -1
        self._needed: dict[int, int] = {}

    @property
    def header(self) -> ListHeader:
        header = self.horizontalHeader()
        assert isinstance(header, ListHeader)
        return header

    def fit_columns(self, scale: float | None = None) -> None:
        """Each short column as wide as its heading and rows need, up to its built width times the panel
        text ``scale`` (the one the list has, when not given); the room left goes to the column that names
        the row. Then the list's part of its dock."""
        self.ensurePolished()
        header = self.header
        if scale is not None:
            header.text_scale = scale
        scale = header.text_scale
        model = self.model()
        listed = model is not None and model.rowCount() > 0
        for column in [*self._short_columns(), self.room_column]:
            needed = header.sectionSizeHint(column)
            if listed:
                needed = max(needed, self.sizeHintForColumn(column))
            self._needed[column] = needed
            if column != self.room_column:
                header.resizeSection(column, min(needed, round(self.built_widths[column] * scale)))
        # A column the reader sized keeps their width, grown or shrunk with the text since.
        for column, (width, their_scale) in header.sized_by_reader.items():
            header.resizeSection(column, round(width * scale / their_scale))
        if self.share is not None:
            self.share.fit(scale)
        self._give_way()

    def _give_way(self) -> None:
        """At larger text, the column that gives way narrows (to GIVE_WAY_FLOOR of its width at the least)
        for the column naming the row to be whole; at Normal both have room enough and it keeps its width."""
        column = self.gives_way
        header = self.header
        if column < 0 or column not in self._short_columns():
            return
        scale = header.text_scale
        full = min(self._needed.get(column, 0), round(self.built_widths[column] * scale))
        if not full:
            return
        if scale == 1.0:
            header.resizeSection(column, full)
            return
        others = sum(
            header.sectionSize(c)
            for c in range(header.count())
            if c not in (column, self.room_column) and not header.isSectionHidden(c)
        )
        left = self.viewport().width() - others - self._needed.get(self.room_column, 0)
        header.resizeSection(column, max(min(full, left), round(full * GIVE_WAY_FLOOR)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._give_way()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # A larger text size reaches a list on a dock's hidden tab when that tab is raised: measured then.
        if event.type() == QEvent.Type.FontChange and self.built_widths:
            self.fit_columns()

    def _short_columns(self) -> list[int]:
        header = self.header
        return [
            column
            for column in self.built_widths
            if column != self.room_column
            and column not in header.sized_by_reader
            and header.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive
        ]

    def _widen_for(self, first: int, last: int) -> None:
        """Rows ``first``…``last`` just listed: a short column too narrow for their text grows to fit it (up to
        its built width times the text size); none shrinks, so the columns never jump as rows arrive."""
        model = self.model()
        header = self.header
        scale = header.text_scale
        rows = range(max(first, last - ROWS_MEASURED + 1), last + 1)
        for column in [*self._short_columns(), self.room_column]:
            needed = max(self.sizeHintForIndex(model.index(row, column)).width() for row in rows)
            self._needed[column] = max(self._needed.get(column, 0), needed)
            if column in (self.room_column, self.gives_way):
                continue  # the room column takes the rest; the one giving way is sized by it (_give_way)
            wider = min(round(self.built_widths[column] * scale), needed)
            if wider > header.sectionSize(column):
                header.resizeSection(column, wider)
        self._give_way()

    def wanted_width(self) -> int:
        """How wide the table would be with every column's rows whole (the short ones as they are now, the one
        naming the rows as its rows were measured last: cheap enough for each resize of its dock)."""
        header = self.header
        width = sum(header.sectionSize(c) for c in range(header.count()) if c != self.room_column)
        if 0 <= self.room_column < header.count():
            width += self._needed.get(self.room_column, header.sectionSizeHint(self.room_column))
        return width + 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()

    def shown_text(self, row: int, column: int) -> str:
        """The text the reader sees in a cell: its value, shortened with "…" where the column is too narrow."""
        model = self.model()
        index = model.index(row, column)
        option = QStyleOptionViewItem()
        option.initFrom(self)
        option.rect = self.visualRect(index)
        option.font = self.font()
        option.fontMetrics = self.fontMetrics()
        delegate = self.itemDelegateForIndex(index)
        delegate.initStyleOption(option, index)  # type: ignore[attr-defined]
        area = self.style().subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, self)
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        text = str(option.text)
        mode = option.textElideMode
        return self.fontMetrics().elidedText(text, mode, area.width() - 2 * margin)

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
            self._widen_for(first, last)
        if self.follows_new_rows and self._was_at_bottom:
            # Like a log being tailed: a new message or exchange comes into sight as it arrives.
            self.scrollToBottom()

    def _first_rows_arrived(self) -> None:
        # While the table was empty only the headings said how wide the short columns are: its first rows
        # size them, and the list's part of its dock, for what they hold.
        self.fit_columns()

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
    elide_middle: Collection[int] = (),
) -> ListTable:
    """A one-row-at-a-time table over ``model`` with fixed row heights (cheap to scroll at 100,000 rows).

    ``widths`` sets the widest the short columns get at Normal text (they are as wide as their text needs,
    see :meth:`ListTable.fit_columns`); ``stretch`` takes the remaining room (the last column when
    ``None``); ``empty_hint`` is shown while the table has no rows; ``follow`` keeps the newest rows in
    sight as they arrive while the reader is at the end of the list; the columns of ``elide_middle`` (paths)
    lose their middle where they are too long, the others their end.
    """
    table = ListTable()
    table.setItemDelegate(ElidingDelegate(table, elide_middle))
    table.set_empty_hint(empty_hint)
    table.setObjectName(object_name)
    table.setModel(model)
    table.watch_rows()
    table.follows_new_rows = follow
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    # Tab goes on to the next control, as past any list: rows are chosen with the arrow keys. (A table's own
    # Tab moves from cell to cell, and a keyboard user could not leave the panel.)
    table.setTabKeyNavigation(False)
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
    table.built_widths = dict(widths)
    if stretch is None:
        header.setStretchLastSection(True)
        table.room_column = model.columnCount() - 1
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        table.room_column = stretch
    if model.rowCount() > 0:
        table.fit_columns()
    return table


def select_in_sight(table: QTableView, row: int | None) -> bool:
    """Select ``row`` (when there is one) and scroll it to the middle of ``table``; whether it was."""
    model = table.model()
    if row is None or model is None or not 0 <= row < model.rowCount():
        return False
    table.selectRow(row)
    table.scrollTo(model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
    return True
