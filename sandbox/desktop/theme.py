"""Colours, icons and the style sheet of the window."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QApplication

HEALTHY_GREEN = "#2e9d4f"
FAILING_RED = "#d64545"
MUTED_GREY = "#8a94a6"

STYLE_SHEET = """
QMainWindow { background: #eef1f5; }
QFrame#personaHeader { border: none; }
QFrame#personaHeader QLabel#personaTitle { color: white; font-weight: 600; font-size: 14px; }
QFrame#personaHeader QLabel#personaSubtitle { color: rgba(255, 255, 255, 0.85); }
QFrame#personaHeader QComboBox {
    color: white; font-weight: 600; font-size: 14px; background: rgba(255, 255, 255, 0.16);
    border: 1px solid rgba(255, 255, 255, 0.35); border-radius: 4px; padding: 2px 8px; min-width: 150px;
}
QFrame#personaHeader QComboBox::drop-down { border: none; width: 22px; }
QFrame#personaHeader QComboBox::down-arrow { image: url(@CHEVRON@); width: 12px; height: 12px; }
QFrame#personaHeader QComboBox QAbstractItemView { color: #1f2933; background: white; font-weight: 400; }
QFrame#navigationBar { background: #f7f8fa; border-bottom: 1px solid #d9dee5; }
QFrame#navigationBar QLineEdit {
    border: 1px solid #cfd6df; border-radius: 13px; padding: 3px 12px; background: white;
    selection-background-color: #137a78;  /* white text on it: 5.1:1 (WCAG AA) */
}
QFrame#navigationBar QToolButton { border: none; border-radius: 4px; padding: 3px; }
QFrame#navigationBar QToolButton:hover { background: #e3e8ee; }
/* Where the keyboard is, for someone tabbing along the bar: a ring in the sandbox's teal, the size unchanged. */
QFrame#navigationBar QToolButton:focus { border: 2px solid #137a78; padding: 1px; }
QFrame#personaHeader QComboBox:focus { border: 2px solid white; padding: 1px 7px; }
QFrame#navigationBar QLineEdit:focus { border: 2px solid #137a78; padding: 2px 11px; }
QFrame#navigationBar QToolButton#zoomLevel {
    color: #12706e; background: #e3f3f2; border: 1px solid #a9d8d6; border-radius: 11px;
    padding: 1px 9px; font-weight: 600;
}
QFrame#navigationBar QToolButton#zoomLevel:hover { background: #cdeae8; }
QFrame#navigationBar QToolButton#zoomLevel:focus { border: 2px solid #137a78; padding: 0 8px; }
QProgressBar#loadProgress { border: none; background: transparent; max-height: 2px; }
QProgressBar#loadProgress::chunk { background: #1a9d9b; }
QSplitter::handle:horizontal { background: #c9d1db; width: 4px; }
QDockWidget::title { background: #e3e8ee; padding: 5px 8px; font-weight: 600; }
QFrame#eventFilterBar { background: #f7f8fa; border-bottom: 1px solid #d9dee5; }
QTableView#eventTable { gridline-color: #edf0f3; selection-background-color: #d4eeed; selection-color: #1f2933; }
QPlainTextEdit#eventDetail { background: #fbfcfd; border: none; border-left: 1px solid #d9dee5; }
QStatusBar { background: #e3e8ee; }
QStatusBar QLabel { padding: 0 8px; }
QTabWidget#personaTabs::pane { border: none; }
QTabBar::tab { padding: 6px 16px; }
"""


def apply_theme(app: QApplication) -> None:
    """The Fusion style looks the same on every platform, offscreen included."""
    app.setStyle("Fusion")
    chevron = resources.files("sandbox.desktop").joinpath("resources", "chevron-down-white.svg")
    app.setStyleSheet(STYLE_SHEET.replace("@CHEVRON@", str(chevron).replace("\\", "/")))


def dot_icon(colour: str, size: int = 12) -> QIcon:
    """A filled circle: a persona's colour on a tab, or a health light."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return QIcon(pixmap)


def home_icon(size: int = 20, colour: str = "#3d4852") -> QIcon:
    """A house outline: "back to this persona's start page"."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(colour), 1.6)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    s = size
    house = QPainterPath()
    house.moveTo(s * 0.15, s * 0.5)
    house.lineTo(s * 0.5, s * 0.18)
    house.lineTo(s * 0.85, s * 0.5)
    painter.drawPath(house)
    body = QPainterPath()
    body.moveTo(s * 0.27, s * 0.42)
    body.lineTo(s * 0.27, s * 0.82)
    body.lineTo(s * 0.73, s * 0.82)
    body.lineTo(s * 0.73, s * 0.42)
    painter.drawPath(body)
    painter.drawRect(QRectF(s * 0.43, s * 0.6, s * 0.14, s * 0.22))
    painter.end()
    return QIcon(pixmap)


def external_link_icon(size: int = 20, colour: str = "#3d4852") -> QIcon:
    """A box with an arrow leaving it: "open in the system browser"."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(colour), 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    s = size
    box = QPainterPath()
    box.moveTo(s * 0.45, s * 0.25)
    box.lineTo(s * 0.2, s * 0.25)
    box.lineTo(s * 0.2, s * 0.8)
    box.lineTo(s * 0.75, s * 0.8)
    box.lineTo(s * 0.75, s * 0.55)
    painter.drawPath(box)
    painter.drawLine(QPointF(s * 0.45, s * 0.55), QPointF(s * 0.82, s * 0.18))
    painter.drawLine(QPointF(s * 0.58, s * 0.18), QPointF(s * 0.82, s * 0.18))
    painter.drawLine(QPointF(s * 0.82, s * 0.18), QPointF(s * 0.82, s * 0.42))
    painter.end()
    return QIcon(pixmap)
