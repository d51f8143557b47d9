"""The list half of the event log, SAML tracer and SCIM traffic docks: a filter bar over a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QTableView, QWidget

# Styled by the theme and found by the event log's export buttons.
FILTER_BAR_NAME = "eventFilterBar"


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
    model: QAbstractItemModel, object_name: str, widths: Mapping[int, int], stretch: int | None = None
) -> QTableView:
    """A one-row-at-a-time table over ``model`` with fixed row heights (cheap to scroll at 100,000 rows).

    ``widths`` sets the starting width of columns; ``stretch`` takes the remaining room (the last
    column when ``None``).
    """
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
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
