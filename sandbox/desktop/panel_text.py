"""View › Panel text size: the docks' text and table rows made larger for a room to read.

The window's style sheet stops a font set on a dock from reaching the widgets in it (Qt's rule for
styled widgets), so a larger size is given as a style sheet of the dock's own: it reaches every widget
in it, those a panel builds later too (a selected message's fields), and a monospaced record keeps
its family. Tables with fixed row heights grow with their text. A dock that draws text of its own
(the flow diagram) or sizes some of it apart (the walkthrough, the guide) has a
``set_text_scale(scale)`` method, called after.

The window's dialogs (Help › About, Reset sandbox…, the no-browser dialog, error messages) follow the
same choice: the window remembers it, and each dialog is scaled from it before it is shown. So does the
status bar: its message, both systems' health lights and the edge-case indicator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication, QHeaderView, QStatusBar, QTableView, QWidget


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
#: where the window's layout file keeps the choice
PANEL_TEXT_KEY = "view/panelTextSize"

# What a table's rows were built with, so that scaling again starts from it.
_BASE_ROW = "panelTextBaseRow"
_SCALED = "panelTextScale"
_BASE_WIDTHS = "panelTextBaseWidths"
_SCALED_COLUMNS = "panelTextColumnScale"
# The size chosen, on the main window, for the dialogs it opens.
_CHOSEN = "panelTextChosenScale"
# What the main window's own tabs (of docks sharing a place) were last scaled to.
_TABS_SCALED = "panelTextTabScale"


def text_size(key: object) -> TextSize:
    """The text size stored as ``key``; Normal for anything unknown."""
    return next((size for size in TEXT_SIZES if size.key == key), NORMAL)


def stored_text_size(layout_file: Path) -> TextSize:
    """The text size kept in a window's layout file (Normal when there is none), for a dialog shown
    before the window exists."""
    if not layout_file.is_file():
        return NORMAL
    return text_size(QSettings(str(layout_file), QSettings.Format.IniFormat).value(PANEL_TEXT_KEY))


def remember_text_scale(window: QWidget, scale: float) -> None:
    """Keep the chosen ``scale`` on ``window``, for the dialogs it opens later."""
    window.setProperty(_CHOSEN, scale)


def chosen_text_scale(widget: QWidget | None) -> float:
    """The text size chosen for the window ``widget`` is in (1.0 when none was chosen).

    A dialog is a window of its own: the window that opened it is asked in turn.
    """
    while widget is not None:
        window = widget.window()
        value = window.property(_CHOSEN)
        if value is not None:
            return float(value)
        widget = window.parentWidget()
    return 1.0


def follow_panel_text(dialog: QWidget, opener: QWidget | None, scale: float | None = None) -> float:
    """Show ``dialog``'s text at the size chosen for the window of ``opener`` (or at ``scale``); returns it."""
    chosen = chosen_text_scale(opener) if scale is None else scale
    scale_text(dialog, chosen)
    return chosen


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


def scale_dock_tabs(window: QWidget, scale: float) -> None:
    """The tabs under docks that share a place (Event log, SAML tracer…) ``scale`` times larger.

    The main window makes those tab bars itself, outside any dock, and anew when docks are moved: a
    rule of the window's own style sheet reaches them all, and nothing else of it.
    """
    if window.property(_TABS_SCALED) is None and scale == 1.0:
        return  # never scaled: nothing to undo
    window.setProperty(_TABS_SCALED, scale)
    window.setStyleSheet("" if scale == 1.0 else f"QMainWindow > QTabBar {{ font-size: {points(scale)}; }}")


def scale_status_bar(bar: QStatusBar, scale: float) -> None:
    """The status bar's message and the indicators in it ``scale`` times larger, its height following at once.

    Qt sizes a status bar from its widgets only when it next handles a layout request, and a widget never
    shown yet (the edge-case indicator while nothing is on) takes a new font only when polished: both are
    done here, so the window lays itself out once, with the bar's new height, before anything measures it.
    """
    if bar.property(_SCALED) is None and scale == 1.0:
        return  # never scaled: nothing to undo (a window's start-up does no work for it)
    scale_text(bar, scale)
    for widget in bar.findChildren(QWidget):
        widget.ensurePolished()
    QApplication.sendEvent(bar, QEvent(QEvent.Type.LayoutRequest))


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
    # The column that fills the rest is the last one in sight, wherever the reader or the dock moved it.
    last = columns.logicalIndex(columns.count() - 1)
    model = table.model()
    listed = model is not None and model.rowCount() > 0
    for index, width in enumerate(widths):
        stretched = columns.sectionResizeMode(index) != QHeaderView.ResizeMode.Interactive
        if stretched or (index == last and columns.stretchLastSection()):
            continue
        wanted = round(int(width) * scale)
        if scale > 1.0:
            # Only as wide as its larger text needs (its heading's, and its rows' when it has any), never
            # wider than the whole factor: the room saved goes to the column that stretches (SCIM traffic's
            # Path, the event log's Summary), which a narrow window at Large or Extra large left none, with
            # rows or still empty. At Normal the columns keep the widths they were built with.
            needed = columns.sectionSizeHint(index)
            if listed:
                needed = max(needed, table.sizeHintForColumn(index))
            wanted = min(wanted, needed)
        columns.resizeSection(index, wanted)
    table.setProperty(_SCALED_COLUMNS, scale)
