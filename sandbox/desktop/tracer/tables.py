"""The tracer's two tables: a message's attributes and the checks its receiver made."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

FAILED_ROW = QColor("#fdecec")
ATTRIBUTE_VALUES_SHOWN = 50


def detail_table(headers: tuple[str, ...], name: str) -> QTableWidget:
    """A read-only table of rows, its first column as wide as its text, its last taking the rest."""
    table = QTableWidget(0, len(headers))
    _set_up(table, headers, name)
    return table


def _set_up(table: QTableWidget, headers: tuple[str, ...], name: str) -> None:
    table.setColumnCount(len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)  # Tab leaves the table for the next control; arrows move within it
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)


def fill_attributes(table: QTableWidget, attributes: dict[str, list[str]]) -> None:
    """One row per attribute, its values joined (a very long list is cut short, the XML has it all)."""
    table.setRowCount(len(attributes))
    for row, (name, values) in enumerate(attributes.items()):
        table.setItem(row, 0, QTableWidgetItem(name))
        shown = ", ".join(values[:ATTRIBUTE_VALUES_SHOWN])
        if len(values) > ATTRIBUTE_VALUES_SHOWN:
            shown += f" … and {len(values) - ATTRIBUTE_VALUES_SHOWN:,} more (see the XML tab)"
        table.setItem(row, 1, QTableWidgetItem(shown))


class ReceiverChecks(QTableWidget):
    """The checks a receiver made, the first failed one marked and brought into view."""

    def __init__(self) -> None:
        super().__init__()
        _set_up(self, ("Check", "Result", "Detail"), "samlChecks")
        #: the first failed check's row (-1: none failed)
        self.failed_row = -1

    def fill(self, checks: list[dict[str, object]], fix: str | None) -> None:
        """Show ``checks``; ``fix`` (what to fix) goes in the failed rows' tooltips."""
        self.setRowCount(len(checks))
        self.failed_row = -1
        for row, check in enumerate(checks):
            ok = bool(check.get("ok"))
            result = QTableWidgetItem("✔ passed" if ok else "✘ failed")
            result.setForeground(Qt.GlobalColor.darkGreen if ok else Qt.GlobalColor.red)
            items = (
                QTableWidgetItem(str(check.get("name", ""))),
                result,
                QTableWidgetItem(str(check.get("detail", ""))),
            )
            for column, item in enumerate(items):
                if not ok:
                    # The failed row stands out, and its tooltip says what to fix.
                    item.setBackground(QBrush(FAILED_ROW))
                    if fix is not None:
                        item.setToolTip(f"{check.get('detail', '')}\n\nWhat to fix: {fix}")
                self.setItem(row, column, item)
            if not ok and self.failed_row < 0:
                self.failed_row = row
        self.resizeRowsToContents()
        self.show_failed_check()

    def show_failed_check(self) -> None:
        """Scroll the first failed check into view (again once the table is on screen with a height)."""
        if 0 <= self.failed_row < self.rowCount():
            self.scrollTo(self.model().index(self.failed_row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
