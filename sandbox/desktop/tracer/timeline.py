"""A small timeline: the assertion's validity window, the allowed clock skew and the receiver's clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN, MUTED_GREY
from sandbox.desktop.tracer.message import ValidityWindow, duration_text

WINDOW_GREEN = QColor(HEALTHY_GREEN)
SKEW_GREEN = QColor(46, 157, 79, 70)
AXIS = QColor("#c9d1db")
TEXT = QColor("#3d4852")
#: room for the clock's label above the axis and two rows of labels below it
HEIGHT = 92


def _hms(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


def gap_text(window: ValidityWindow) -> str | None:
    """How far outside the window (beyond the allowed skew) the receiver's clock was, or ``None`` inside it."""
    if window.clock is None:
        return None
    skew = timedelta(seconds=window.allowed_skew_s)
    if window.not_on_or_after is not None and window.clock >= window.not_on_or_after + skew:
        late = (window.clock - window.not_on_or_after).total_seconds()
        return f"arrived {duration_text(late)} after NotOnOrAfter"
    if window.not_before is not None and window.clock < window.not_before - skew:
        early = (window.not_before - window.clock).total_seconds()
        return f"arrived {duration_text(early)} before NotBefore"
    return None


class ValidityTimeline(QWidget):
    """Paints NotBefore → NotOnOrAfter as a bar, the skew as paler ends and the clock as a marker."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("validityTimeline")
        self.window_: ValidityWindow | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(HEIGHT)

    def sizeHint(self) -> QSize:
        return QSize(420, HEIGHT)

    def set_window(self, window: ValidityWindow | None) -> None:
        self.window_ = window
        self.setVisible(window is not None and window.known)
        self.update()

    def _span(self, window: ValidityWindow) -> tuple[datetime, datetime]:
        skew = timedelta(seconds=window.allowed_skew_s)
        moments = [m for m in (window.clock, window.not_before, window.not_on_or_after) if m is not None]
        if window.not_before is not None:
            moments.append(window.not_before - skew)
        if window.not_on_or_after is not None:
            moments.append(window.not_on_or_after + skew)
        start, end = min(moments), max(moments)
        padding = max((end - start) * 0.08, timedelta(seconds=5))
        return start - padding, end + padding

    def paintEvent(self, _event: QPaintEvent) -> None:
        window = self.window_
        if window is None or not window.known or window.clock is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        start, end = self._span(window)
        total = (end - start).total_seconds() or 1.0
        left, right = 12.0, self.width() - 12.0
        axis_y = 30.0

        def x_of(moment: datetime) -> float:
            return left + (right - left) * (moment - start).total_seconds() / total

        painter.setPen(QPen(AXIS, 2))
        painter.drawLine(QPointF(left, axis_y), QPointF(right, axis_y))
        skew = timedelta(seconds=window.allowed_skew_s)
        opened = window.not_before or start
        closed = window.not_on_or_after or end
        painter.setPen(Qt.PenStyle.NoPen)
        if skew:
            painter.setBrush(SKEW_GREEN)
            painter.drawRoundedRect(
                QRectF(x_of(opened - skew), axis_y - 7, x_of(closed + skew) - x_of(opened - skew), 14), 4, 4
            )
        painter.setBrush(WINDOW_GREEN)
        painter.drawRoundedRect(QRectF(x_of(opened), axis_y - 5, max(2.0, x_of(closed) - x_of(opened)), 10), 3, 3)

        painter.setPen(TEXT)
        metrics = painter.fontMetrics()
        first_row, second_row = axis_y + 22, axis_y + 38
        taken_until = -1.0  # where the first row's NotBefore label ends
        if window.not_before is not None:
            label = f"NotBefore {_hms(window.not_before)}"
            x = max(0.0, x_of(opened) - 4)
            painter.drawText(QPointF(x, first_row), label)
            taken_until = x + metrics.horizontalAdvance(label) + 8
        if window.not_on_or_after is not None:
            label = f"NotOnOrAfter {_hms(window.not_on_or_after)}"
            width = metrics.horizontalAdvance(label)
            x = max(0.0, min(self.width() - width - 2.0, x_of(closed) - width + 4))
            # A short window puts both ends close together: the second label drops a row.
            painter.drawText(QPointF(x, first_row if x >= taken_until else second_row), label)
        clock_x = x_of(window.clock)
        colour = QColor(HEALTHY_GREEN if window.valid else FAILING_RED)
        painter.setPen(QPen(colour, 2))
        painter.drawLine(QPointF(clock_x, axis_y - 14), QPointF(clock_x, axis_y + 8))
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(clock_x, axis_y - 14), 3.5, 3.5)
        label = f"receiver's clock {_hms(window.clock)}"
        width = metrics.horizontalAdvance(label)
        painter.setPen(colour)
        painter.drawText(QPointF(min(max(0.0, clock_x - width / 2), self.width() - width - 2.0), 11), label)
        gap = gap_text(window)
        if gap is not None:
            # How far the clock was outside the window: a dashed red span from the window's edge to it.
            edge = closed + skew if window.clock >= closed else opened - skew
            painter.setPen(QPen(QColor(FAILING_RED), 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x_of(edge), axis_y), QPointF(clock_x, axis_y))
            width = metrics.horizontalAdvance(gap)
            middle = (x_of(edge) + clock_x) / 2
            painter.setPen(QColor(FAILING_RED))
            painter.drawText(
                QPointF(min(max(0.0, middle - width / 2), self.width() - width - 2.0), self.height() - 4), gap
            )
        elif skew:
            painter.setPen(QColor(MUTED_GREY))
            note = f"± {window.allowed_skew_s} s skew"
            painter.drawText(QPointF(right - metrics.horizontalAdvance(note), self.height() - 4), note)
        painter.end()
