"""The sequence diagram itself: three lanes and one clickable arrow per step."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QImageWriter,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
)

from sandbox.desktop.flow.steps import LANES, Flow, Step
from sandbox.desktop.personas import BLOGIN_ORANGE, END_USER_INDIGO, JUMPCLOUD_TEAL
from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN

LANE_COLOURS = (END_USER_INDIGO, JUMPCLOUD_TEAL, BLOGIN_ORANGE)
LANE_SPACING = 300.0
LEFT = 40.0
HEADER_HEIGHT = 44.0
HEADER_WIDTH = 190.0
FIRST_STEP = HEADER_HEIGHT + 50.0
STEP_HEIGHT = 46.0
NEUTRAL = "#3d4852"
SUBTITLE_GREY = "#5f6b7a"


NOTE_MIN_WIDTH = 300.0
NOTE_MAX_LINES = 3


def note_lines(text: str, metrics: QFontMetricsF, width: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` pixels; past the last line allowed it ends in "…"."""
    lines: list[str] = []
    current = ""
    words = text.split()
    for position, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if current and metrics.horizontalAdvance(candidate) > width:
            if len(lines) == NOTE_MAX_LINES - 1:
                rest = " ".join([current, *words[position:]])
                lines.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
                return lines
            lines.append(current)
            candidate = word
        current = candidate
    if current:
        lines.append(metrics.elidedText(current, Qt.TextElideMode.ElideRight, width))
    return lines


def lane_x(lane: int) -> float:
    return LEFT + HEADER_WIDTH / 2 + lane * LANE_SPACING


class ArrowItem(QGraphicsPathItem):
    """One step; clicking it asks the scene to open its message."""

    def __init__(self, step: Step, y: float) -> None:
        super().__init__()
        self.step = step
        self.y_pos = y
        start, end = lane_x(step.source), lane_x(step.target)
        direction = 1 if end > start else -1
        path = QPainterPath(QPointF(start, y))
        path.lineTo(QPointF(end - direction * 2, y))
        # A generous band around the line and its label, so a click needs no precision. Kept, not
        # recomputed: the scene asks for it many times per paint and per index update.
        self._bounds = path.boundingRect().adjusted(0, -22, 0, 8)
        self._band = QPainterPath()
        self._band.addRect(self._bounds)
        self.setPath(path)
        colour = QColor(HEALTHY_GREEN if step.ok else FAILING_RED if step.ok is False else NEUTRAL)
        pen = QPen(colour, 2)
        if step.reply:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        head = QPolygonF(
            [QPointF(end, y), QPointF(end - direction * 11, y - 5.5), QPointF(end - direction * 11, y + 5.5)]
        )
        tip = QGraphicsPathItem(self)
        tip_path = QPainterPath()
        tip_path.addPolygon(head)
        tip_path.closeSubpath()
        tip.setPath(tip_path)
        tip.setBrush(QBrush(colour))
        tip.setPen(QPen(colour, 1))
        label = QGraphicsSimpleTextItem(step.label, self)
        label.setBrush(QBrush(colour.darker(115)))
        left = min(start, end)
        width = abs(end - start)
        label.setPos(left + (width - label.boundingRect().width()) / 2, y - 20)
        #: room the note takes below the arrow beyond its first line (the next arrow moves down by it)
        self.extra_height = 0.0
        self.note_item: QGraphicsSimpleTextItem | None = None
        if step.note:
            note = self.note_item = QGraphicsSimpleTextItem(self)
            small = QFont(note.font())
            small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
            note.setFont(small)
            lines = note_lines(step.note, QFontMetricsF(small), max(width, NOTE_MIN_WIDTH) - 8)
            note.setText("\n".join(lines))
            note.setBrush(QBrush(QColor(FAILING_RED)))
            note.setPos(left + 4, y + 4)
            self.extra_height = QFontMetricsF(small).lineSpacing() * (len(lines) - 1)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(
            f"{step.label}\nClick to open it in the {'SAML tracer' if step.kind == 'saml' else 'SCIM traffic'} panel"
        )
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)

    def shape(self) -> QPainterPath:
        return self._band

    def boundingRect(self) -> QRectF:
        return self._bounds

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene = self.scene()
        if isinstance(scene, FlowScene):
            scene.step_clicked.emit(self.step)
        event.accept()


class FlowScene(QGraphicsScene):
    """Draws one flow; ``step_clicked`` carries the clicked arrow's step."""

    step_clicked = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.flow: Flow | None = None
        self.arrows: list[ArrowItem] = []
        self._title: QGraphicsSimpleTextItem | None = None
        self._lifelines: list[QGraphicsLineItem] = []
        self._top = 0.0
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.draw(None)

    def draw(self, flow: Flow | None) -> None:
        """Redraw for ``flow`` (``None``: empty lanes with a hint).

        Drawing the flow already shown again only replaces the arrows from its first changed step on,
        so a long provisioning run drawn live costs its new arrows, not all of them, per update.
        """
        if flow is not None and flow is self.flow and self._title is not None and self._update(flow):
            return
        self.clear()
        self.arrows = []
        self._lifelines = []
        self.flow = flow
        steps = flow.steps if flow is not None else []
        title = QGraphicsSimpleTextItem(
            flow.caption()
            if flow is not None
            else "Sign in with SSO or provision users: the flow is drawn here as it happens."
        )
        bold = QFont(title.font())
        bold.setBold(True)
        title.setFont(bold)
        title.setBrush(QBrush(QColor(FAILING_RED if flow is not None and flow.failures else NEUTRAL)))
        title.setPos(LEFT, 0)
        self.addItem(title)
        self._title = title
        # A line under the title where the title alone could be taken for something else.
        top = 0.0
        if flow is not None and flow.subtitle:
            subtitle = QGraphicsSimpleTextItem(flow.subtitle)
            subtitle.setBrush(QBrush(QColor(SUBTITLE_GREY)))
            subtitle.setPos(LEFT, title.boundingRect().height() + 2)
            subtitle.setData(0, "subtitle")
            self.addItem(subtitle)
            top = subtitle.boundingRect().height() + 6
        self._top = top
        arrows: list[ArrowItem] = []
        y = top + FIRST_STEP
        for step in steps:
            arrow = ArrowItem(step, y)
            arrows.append(arrow)
            y += STEP_HEIGHT + arrow.extra_height
        bottom = max(y, top + FIRST_STEP + 3 * STEP_HEIGHT)
        for lane, name in enumerate(LANES):
            x = lane_x(lane)
            colour = QColor(LANE_COLOURS[lane])
            self._lifelines.append(
                self.addLine(x, top + HEADER_HEIGHT + 20, x, bottom, QPen(QColor("#c9d1db"), 1.5, Qt.PenStyle.DashLine))
            )
            box = self.addRect(
                QRectF(x - HEADER_WIDTH / 2, top + 20, HEADER_WIDTH, HEADER_HEIGHT - 6), QPen(colour), QBrush(colour)
            )
            box.setZValue(1)
            text = QGraphicsSimpleTextItem(name, box)
            text.setFont(bold)
            text.setBrush(QBrush(QColor("white")))
            bounds = text.boundingRect()
            text.setPos(x - bounds.width() / 2, top + 20 + (HEADER_HEIGHT - 6 - bounds.height()) / 2)
        for arrow in arrows:
            self.addItem(arrow)
            self.arrows.append(arrow)
        width = LEFT * 2 + HEADER_WIDTH + LANE_SPACING * (len(LANES) - 1)
        self.setSceneRect(QRectF(0, 0, max(width, self.itemsBoundingRect().right() + LEFT), bottom + 20))

    def _update(self, flow: Flow) -> bool:
        """Bring the drawn ``flow`` up to date from its first changed step; False if it needs a full redraw."""
        title = self._title
        if title is None:
            return False
        drawn, steps = self.arrows, flow.steps
        same, limit = 0, min(len(drawn), len(steps))
        while same < limit and drawn[same].step is steps[same]:
            same += 1
        for arrow in drawn[same:]:
            self.removeItem(arrow)
        del drawn[same:]
        last = drawn[-1] if drawn else None
        y = last.y_pos + STEP_HEIGHT + last.extra_height if last is not None else self._top + FIRST_STEP
        right = self.sceneRect().right() - LEFT
        for step in steps[same:]:
            arrow = ArrowItem(step, y)
            self.addItem(arrow)
            drawn.append(arrow)
            right = max(right, arrow.sceneBoundingRect().right())
            y += STEP_HEIGHT + arrow.extra_height
        bottom = max(y, self._top + FIRST_STEP + 3 * STEP_HEIGHT)
        for lifeline in self._lifelines:
            line = lifeline.line()
            lifeline.setLine(line.x1(), line.y1(), line.x2(), bottom)
        title.setText(flow.caption())
        title.setBrush(QBrush(QColor(FAILING_RED if flow.failures else NEUTRAL)))
        self.setSceneRect(QRectF(0, 0, max(self.sceneRect().width(), right + LEFT), bottom + 20))
        return True

    def lane_names_top(self) -> float:
        """Where the lanes' name boxes begin, in the scene."""
        return self._top + 20

    def paint_lane_names(self, painter: QPainter, y: float, left: float, right: float) -> None:
        """The lanes' name boxes at ``y`` on a white band from ``left`` to ``right`` (scene coordinates),
        as drawn at the top of the diagram: for a view scrolled down past them."""
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.fillRect(QRectF(left, y, right - left, HEADER_HEIGHT + 8), QColor("white"))
        painter.setPen(QPen(QColor("#d9dee5"), 1))
        painter.drawLine(QPointF(left, y + HEADER_HEIGHT + 8), QPointF(right, y + HEADER_HEIGHT + 8))
        # The boxes' own text items have the application's font; a painter would take the view's size
        # (the panel text size's, the view's transform scaling it again) for any not set explicitly.
        bold = QFont(QGuiApplication.font())
        bold.setPointSizeF(bold.pointSizeF())
        bold.setBold(True)
        painter.setFont(bold)
        for lane, name in enumerate(LANES):
            x = lane_x(lane)
            box = QRectF(x - HEADER_WIDTH / 2, y + 4, HEADER_WIDTH, HEADER_HEIGHT - 6)
            painter.fillRect(box, QColor(LANE_COLOURS[lane]))
            painter.setPen(QColor("white"))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, name)
        painter.restore()

    def subtitle_text(self) -> str:
        """The line under the title ("" when the flow has none)."""
        for item in self.items():
            if isinstance(item, QGraphicsSimpleTextItem) and item.data(0) == "subtitle":
                return item.text()
        return ""

    def export_png(self, path: Path, scale: float = 2.0) -> bool:
        """Save the diagram as a PNG at ``scale`` × its size (sharp on slides)."""
        rect = self.sceneRect()
        image = QImage(int(rect.width() * scale), int(rect.height() * scale), QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.render(painter, QRectF(image.rect()), rect)
        painter.end()
        writer = QImageWriter(str(path), QByteArray(b"png"))
        return writer.write(image)

    def export_svg(self, path: Path) -> bool:
        """Save the diagram as SVG (scales without blur in slide tools)."""
        rect = self.sceneRect()
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(int(rect.width()), int(rect.height())))
        generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
        generator.setTitle(self.flow.caption() if self.flow is not None else "SSO Sandbox flow")
        generator.setDescription("Sequence diagram exported from SSO Sandbox")
        painter = QPainter()
        if not painter.begin(generator):
            return False
        self.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()
        return path.exists() and path.stat().st_size > 0
