"""View › Panel text size: the docks' text and table rows made larger for a room to read.

The window's style sheet stops a font set on a dock from reaching the widgets in it (Qt's rule for
styled widgets), so a larger size is given as a style sheet of the dock's own: it reaches every widget
in it, those a panel builds later too (a selected message's fields), and a monospaced record keeps
its family. Tables with fixed row heights grow with their text. A dock that draws text of its own
(the flow diagram) or sizes some of it apart (the walkthrough, the guide) has a
``set_text_scale(scale)`` method, called after.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QApplication, QHeaderView, QTableView, QWidget


@dataclass(frozen=True)
class TextSize:
    """One choice of View › Panel text size."""

    key: str
    label: str
    scale: float


NORMAL = TextSize("normal", "&Normal", 1.0)
LARGE = TextSize("large", "&Large", 1.25)
EXTRA_LARGE = TextSize("extra-large", "E&xtra large", 1.5)
TEXT_SIZES: tuple[TextSize, ...] = (NORMAL, LARGE, EXTRA_LARGE)

# What a table's rows were built with, so that scaling again starts from it.
_BASE_ROW = "panelTextBaseRow"
_SCALED = "panelTextScale"
_BASE_WIDTHS = "panelTextBaseWidths"
_SCALED_COLUMNS = "panelTextColumnScale"


def text_size(key: object) -> TextSize:
    """The text size stored as ``key``; Normal for anything unknown."""
    return next((size for size in TEXT_SIZES if size.key == key), NORMAL)


def points(scale: float, factor: float = 1.0) -> str:
    """The application's font size times ``scale`` and ``factor``, as a style sheet length."""
    base = QApplication.font().pointSizeF()
    return f"{(base if base > 0 else 9.0) * scale * factor:.2f}pt"


def scale_text(root: QWidget, scale: float) -> None:
    """Show the text of ``root`` and every widget in it ``scale`` times larger (1.0: as built)."""
    if root.property(_SCALED) is None and scale == 1.0:
        return  # never scaled: nothing to undo
    root.setProperty(_SCALED, scale)
    root.setStyleSheet("" if scale == 1.0 else f"* {{ font-size: {points(scale)}; }}")
    for table in root.findChildren(QTableView):
        _scale_rows(table, scale)
    hook = getattr(root, "set_text_scale", None)
    if callable(hook):
        hook(scale)


def _scale_rows(table: QTableView, scale: float) -> None:
    """Row heights, and the widths of the columns that do not stretch, grow with the text."""
    rows = table.verticalHeader()
    base = table.property(_BASE_ROW)
    if base is None:
        base = rows.defaultSectionSize()
        table.setProperty(_BASE_ROW, base)
    rows.setDefaultSectionSize(round(int(base) * scale))
    columns = table.horizontalHeader()
    widths = table.property(_BASE_WIDTHS)
    if not isinstance(widths, list) or len(widths) != columns.count():
        # Taken as they are now: as built, or as the reader left them at the size before.
        previous = table.property(_SCALED_COLUMNS)
        factor = float(previous) if previous else 1.0
        widths = [round(columns.sectionSize(index) / factor) for index in range(columns.count())]
        table.setProperty(_BASE_WIDTHS, widths)
    last = columns.count() - 1
    for index, width in enumerate(widths):
        stretched = columns.sectionResizeMode(index) != QHeaderView.ResizeMode.Interactive
        if stretched or (index == last and columns.stretchLastSection()):
            continue
        columns.resizeSection(index, round(int(width) * scale))
    table.setProperty(_SCALED_COLUMNS, scale)
