"""One readable line at the bottom of the window: the status bar's message, both systems' health lights and
the edge-case indicator, at any View › Panel text size.

At Extra large the lights' URLs and the list of edge cases on take most of a 1280 px window, and Qt
would then leave a message ("JumpCloud Admin: zoom 125 %") a few letters, or make the window wider than
the screen. The line is fitted instead: everything whole while there is room; otherwise the edge-case
indicator shortens first (its first items and how many more, the whole list in its tooltip), then the
lights show their names alone, their URLs in their tooltips, until the message has gone and the room
is back.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

#: where Qt draws a status bar's message: from 6 px in to 2 px before the first permanent widget
MESSAGE_MARGINS = 8
#: a little more than the message's text, so that its last letter is never cut
MESSAGE_SLACK = 4


class Fitting(Protocol):
    """A permanent widget of the status bar that can show less of itself when the line is short of room."""

    def full_width(self) -> int: ...

    def narrowest_width(self) -> int: ...

    def show_within(self, width: int) -> None: ...


class ElidedLabel(QLabel):
    """A one-line list ("⚠ SCIM Users: 503 · SCIM Groups: 500") that, given less than its width, shows
    its first items and how many more ("⚠ SCIM Users: 503 +1 more"), or its first item ending in "…"."""

    def __init__(self, separator: str = " · ") -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.separator = separator
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        """Show ``text``, whole while the status bar has room for it."""
        self.full_text = text
        self.setText(text)

    def full_width(self) -> int:
        """The width the whole text needs."""
        return self._width(self.full_text)

    def narrowest_width(self) -> int:
        """The width of its first word and "…"."""
        return self._width(self._shortest())

    def show_within(self, width: int) -> None:
        """As much of the list as fits in ``width``: whole, its first items and a count, or cut short."""
        items = self.full_text.split(self.separator)
        firsts = [self.separator.join(items[:count]) for count in range(len(items) - 1, 0, -1)]
        candidates = [
            self.full_text,
            *(f"{first} +{len(items) - first.count(self.separator) - 1} more" for first in firsts),
            *(f"{first} …" for first in firsts),
        ]
        shown = next((text for text in candidates if self._width(text) <= width), "")
        if not shown:
            # Not even the first item whole: as much of it as fits, ending in "…".
            room = width - self._width("")
            shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, room)
            if self._width(shown) < self.narrowest_width():
                shown = self._shortest()
        self.setText(shown)

    def minimumSizeHint(self) -> QSize:
        """As narrow as its first word: a long list never makes the window wider than the screen."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.narrowest_width()), hint.height())

    def _width(self, text: str) -> int:
        # The label's padding and border are what its size hint has beyond the text it shows.
        padding = super().sizeHint().width() - self.fontMetrics().horizontalAdvance(self.text())
        return padding + self.fontMetrics().horizontalAdvance(text)

    def _shortest(self) -> str:
        return self.full_text.split(" ", 1)[0] + " …"


class StatusLine(QObject):
    """Fits the message and the permanent widgets of ``bar`` into its width, again whenever either changes."""

    def __init__(self, bar: QStatusBar, widgets: list[Fitting]) -> None:
        super().__init__(bar)
        self.bar = bar
        #: who gives way first, first
        self._widgets: list[Fitting] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        bar.installEventFilter(self)
        bar.messageChanged.connect(lambda _message: self.fit())
        for widget in widgets:
            self.add(widget)

    def add(self, widget: Fitting, *, gives_way_first: bool = False) -> None:
        """Fit ``widget`` (a permanent widget of the bar) too."""
        if gives_way_first:
            self._widgets.insert(0, widget)
        else:
            self._widgets.append(widget)
        if isinstance(widget, QWidget):
            widget.installEventFilter(self)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Resized, its text size changed, an indicator shown or hidden: fitted once the change is done.
        if event.type() in (QEvent.Type.Resize, QEvent.Type.FontChange, QEvent.Type.Show, QEvent.Type.Hide):
            self._timer.start()
        return False

    def fit(self) -> None:
        """Everything whole if the line has room; otherwise the widgets give way, in turn, to the message."""
        bar = self.bar
        shown = [widget for widget in self._widgets if isinstance(widget, QWidget) and not widget.isHidden()]
        if not shown or not bar.isVisible():
            return
        layout = bar.layout()
        if layout is not None:
            layout.activate()
        # What the line spends besides the widgets and the message's room (spacing, margins), as laid out.
        message_room = min(widget.x() for widget in shown) - MESSAGE_MARGINS
        spent = bar.width() - sum(widget.width() for widget in shown) - message_room
        message = bar.currentMessage()
        needed = bar.fontMetrics().horizontalAdvance(message) + MESSAGE_SLACK if message else 0
        widths = {widget: widget.full_width() for widget in shown}
        room = bar.width() - spent - sum(widths.values()) - needed
        for widget in shown:
            if room >= 0:
                break
            cut = min(-room, widths[widget] - widget.narrowest_width())
            if cut > 0:
                widths[widget] -= cut
                room += cut
        for widget in shown:
            widget.show_within(widths[widget])
        # A light showing its name alone may have given more than was needed: the rest goes back to the
        # widgets before it (the indicator shows more of its list).
        left = bar.width() - spent - sum(widget.sizeHint().width() for widget in shown) - needed
        for widget in shown:
            width = widget.sizeHint().width()
            if left <= 0:
                break
            if width < widget.full_width():
                widget.show_within(width + left)
                left -= widget.sizeHint().width() - width
