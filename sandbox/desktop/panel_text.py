"""View › Panel text size: the docks' text and table rows made larger for a room to read.

Each widget that sets a font of its own (a monospaced record, a title) keeps it, scaled from the size it
was built with; the others follow the dock's font. Tables with fixed row heights grow with their text.
A dock that draws text of its own (the flow diagram) or sizes it in a style sheet (the walkthrough)
has a ``set_text_scale(scale)`` method, called as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QTableView, QWidget


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

# Dynamic properties holding what a widget was built with, so scaling again starts from it.
_BASE_POINTS = "panelTextBasePoints"
_BASE_PIXELS = "panelTextBasePixels"
_BASE_ROW = "panelTextBaseRow"
# QFont::SizeResolved, which PySide6 does not expose: the font names a size of its own.
_SIZE_RESOLVED = 0x0002


def text_size(key: object) -> TextSize:
    """The text size stored as ``key``; Normal for anything unknown."""
    return next((size for size in TEXT_SIZES if size.key == key), NORMAL)


def scale_text(root: QWidget, scale: float) -> None:
    """Scale the text of ``root`` and every widget in it to ``scale`` times the size each was built with."""
    widgets = [root, *root.findChildren(QWidget)]
    # Every base is read before any font changes: a child's inherited size would already be scaled.
    for widget in widgets:
        if widget is root or _own_font_size(widget):
            _remember_base(widget, root)
    for widget in widgets:
        if widget.property(_BASE_POINTS) is not None or widget.property(_BASE_PIXELS) is not None:
            _apply_font(widget, scale)
        if isinstance(widget, QTableView):
            _scale_rows(widget, scale)
    hook = getattr(root, "set_text_scale", None)
    if callable(hook):
        hook(scale)


def scaled_font(font: QFont, scale: float) -> QFont:
    """``font`` at ``scale`` times its size (point or pixel sized)."""
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * scale)
    elif font.pixelSize() > 0:
        scaled.setPixelSize(max(1, round(font.pixelSize() * scale)))
    return scaled


def relative_font(factor: float) -> QFont:
    """The application's font at ``factor`` times its size: a dock's larger title, say."""
    return scaled_font(QApplication.font(), factor)


def _own_font_size(widget: QWidget) -> bool:
    """Whether ``widget`` was given a font whose size it does not take from its parent."""
    if widget.property(_BASE_POINTS) is not None or widget.property(_BASE_PIXELS) is not None:
        return True
    if not widget.testAttribute(Qt.WidgetAttribute.WA_SetFont):
        return False
    return bool(widget.font().resolveMask() & _SIZE_RESOLVED)


def _remember_base(widget: QWidget, root: QWidget) -> None:
    if widget.property(_BASE_POINTS) is not None or widget.property(_BASE_PIXELS) is not None:
        return
    # The dock itself starts from the application's font: its own may already be a scaled one.
    font = widget.font() if widget is not root or _own_font_size(widget) else QApplication.font()
    if font.pointSizeF() > 0:
        widget.setProperty(_BASE_POINTS, font.pointSizeF())
    elif font.pixelSize() > 0:
        widget.setProperty(_BASE_PIXELS, font.pixelSize())


def _apply_font(widget: QWidget, scale: float) -> None:
    font = QFont(widget.font())
    points = widget.property(_BASE_POINTS)
    if points is not None:
        font.setPointSizeF(float(points) * scale)
    else:
        font.setPixelSize(max(1, round(int(widget.property(_BASE_PIXELS)) * scale)))
    widget.setFont(font)


def _scale_rows(table: QTableView, scale: float) -> None:
    header = table.verticalHeader()
    base = table.property(_BASE_ROW)
    if base is None:
        base = header.defaultSectionSize()
        table.setProperty(_BASE_ROW, base)
    header.setDefaultSectionSize(round(int(base) * scale))
