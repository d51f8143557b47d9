"""A word-wrapped label that always has the height of all its lines."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class WrappedLabel(QLabel):
    """A label whose text wraps between words and is never cut at the top or the bottom.

    In the Edge cases panel (a form inside a scroll area) Qt gave a wrapped label the height its text
    had needed before: a longer text ("Not yet configured: …" after File › Reset sandbox…), a summary
    that took a second line or a larger panel text size left it cut top and bottom. Its height is kept
    to what its text needs at its present width and font, which every layout honours.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)  # an application's Display Label is shown as typed
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()

    def needed_height(self) -> int:
        """The height all the lines of the text take at the label's present width and font."""
        # Not heightForWidth(): QLabel never answers less than its minimum height, which is what is set here.
        inner = self.contentsRect().width() - 2 * self.margin()
        flags = int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)
        text = self.fontMetrics().boundingRect(QRect(0, 0, max(inner, 1), 100_000), flags, self.text())
        margins = self.contentsMargins()
        return text.height() + margins.top() + margins.bottom() + 2 * self.margin()

    def _fit(self) -> None:
        # Neither less (cut lines) nor more (a form gave a hint room for lines it had at a narrower width).
        needed = self.needed_height()
        if needed != self.minimumHeight() or needed != self.maximumHeight():
            self.setFixedHeight(needed)
