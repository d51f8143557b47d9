"""The drift rows as a Qt table model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from sandbox.desktop.drift.compare import NOT_AUTHORIZED, DriftRow

COLUMNS = ("User", "JumpCloud", "Groups", "BlogIn", "Source", "Differences", "Next sync")
JUMPCLOUD_COLUMN = COLUMNS.index("JumpCloud")
GROUPS_COLUMN = COLUMNS.index("Groups")
DIFFERENCES_COLUMN = COLUMNS.index("Differences")
Index = QModelIndex | QPersistentModelIndex

_WARN = QColor("#fff4e5")
_MISSING = QColor("#fdecec")


class DriftModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[DriftRow] = []

    def set_rows(self, rows: list[DriftRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows) or not 0 <= index.column() < len(COLUMNS):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                row.user_name,
                row.in_jumpcloud,
                row.groups,
                row.in_blogin,
                row.source,
                "; ".join(row.differences) if row.differences else ("—" if not row.in_sync else "In sync"),
                row.next_sync,
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, index.column())
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.in_jumpcloud == "—" or row.in_blogin == "—":
                return QBrush(_MISSING)
            if row.differences or row.in_jumpcloud == NOT_AUTHORIZED:
                return QBrush(_WARN)
        return None

    def _tooltip(self, row: DriftRow, column: int) -> str | None:
        if column == DIFFERENCES_COLUMN and row.differences:
            return "\n".join(row.differences)
        if column == GROUPS_COLUMN and len(row.group_list) > 1:
            # The cell elides a long list: the hover names every group, one per line.
            return "\n".join((row.why, "", *row.group_list))
        if column in (JUMPCLOUD_COLUMN, GROUPS_COLUMN) and row.why:
            return row.why
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
