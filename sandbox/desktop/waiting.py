"""What a persona's pane shows while its page has not begun to paint: which system is opening, and a spinner.

Chromium leaves the pane plain white until a page paints (a system still starting, a slow answer, a
Response held by an edge case); in front of a room that looks dead. The waiting state stands in the
page's place, in the window's colours, and never takes the keyboard or a click. It shows only once a
load has gone :data:`WAITING_AFTER_MS` without a page on screen (at once for a start page known to wait
for its system), so following links never flashes it, and never over a page that has painted: Chromium
keeps the last page on screen while the next one loads from the same origin.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPen, QShowEvent
from PySide6.QtWebEngineCore import QWebEngineLoadingInfo
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from sandbox.desktop.panel_text import points
from sandbox.settings import BLOGIN_HOST, JUMPCLOUD_HOST

#: the systems by the host names they serve on
SYSTEM_NAMES = {JUMPCLOUD_HOST: "JumpCloud", BLOGIN_HOST: "BlogIn"}
#: what each persona's start page is, in the guide's words
START_PAGES = {
    "jumpcloud-admin": "the JumpCloud Admin Portal",
    "end-user": "the JumpCloud User Console",
    "blogin-admin": "the BlogIn admin console",
}

#: how long a page may take to begin painting before the pane says what it waits for
WAITING_AFTER_MS = 300

BACKGROUND = "#f7f8fa"  # the navigation bar's
TITLE_COLOUR = "#1f2933"
DETAIL_COLOUR = "#3d4852"  # 9.6:1 on the background
TRACK_COLOUR = "#d9dee5"
SPINNER_SIZE = 36  # px at scale 1
SPINNER_STEP_MS = 80


def system_name(url: QUrl) -> str:
    """The system serving ``url`` ("JumpCloud", "BlogIn"), else its host (empty for none)."""
    host = url.host().lower()
    return SYSTEM_NAMES.get(host, host)


def waiting_words(url: QUrl, start_page: str | None, starting: bool) -> tuple[str, str]:
    """The two lines shown while ``url`` opens: what is opening, and what the pane waits for.

    ``start_page``: the persona's start page is opening (its name, from :data:`START_PAGES`);
    ``starting``: its system is known to be still starting.
    """
    system = system_name(url)
    what = start_page or system or "the page"
    title = f"Opening {what}…"
    if not system:
        return title, "Waiting for the page to answer."
    if starting:
        return title, f"{system} is starting; the page opens as soon as it answers."
    return title, f"Waiting for {system} to answer."


class BusySpinner(QWidget):
    """An arc going round, in the persona's colour; it turns only while on screen."""

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour = QColor(colour)
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(SPINNER_STEP_MS)
        self._timer.timeout.connect(self._turn)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.set_size(SPINNER_SIZE)

    @property
    def turning(self) -> bool:
        return self._timer.isActive()

    def set_size(self, size: int) -> None:
        self.setFixedSize(QSize(size, size))

    def _turn(self) -> None:
        self._angle = (self._angle + 30) % 360
        self.update()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        # Also sent when the pane holding it is hidden (another tab, a persona parked): no work off screen.
        super().hideEvent(event)
        self._timer.stop()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = max(2.0, self.width() / 9)
        ring = QRectF(self.rect()).adjusted(width, width, -width, -width)
        pen = QPen(QColor(TRACK_COLOUR), width)
        painter.setPen(pen)
        painter.drawEllipse(ring)
        pen.setColor(self._colour)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        # Qt's angles are in sixteenths of a degree, counter-clockwise: the arc turns clockwise.
        painter.drawArc(ring, (90 - self._angle) * 16, -100 * 16)
        painter.end()


class PageWaiting(QFrame):
    """The waiting state over a persona's page: "Opening the JumpCloud Admin Portal…" and a spinner.

    ``text_scale`` gives the size to show the words at (the page's zoom, or the panel text size when
    larger); it is read each time the state shows and on :meth:`rescale`.
    """

    def __init__(self, colour: str, text_scale: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pageWaiting")
        self._text_scale = text_scale
        self._scale = 0.0
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Its words never make the pane larger than the page would be.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.spinner = BusySpinner(colour)
        self.title = QLabel()
        self.title.setObjectName("waitingTitle")
        self.detail = QLabel()
        self.detail.setObjectName("waitingDetail")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(2)
        layout.addWidget(self.spinner, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.setSpacing(6)
        for label in (self.title, self.detail):
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addStretch(3)
        # It stands in for the page: a click falls through to the page beneath, the keyboard stays where it is.
        for widget in (self, self.spinner, self.title, self.detail):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()

    def show_words(self, title: str, detail: str) -> None:
        """Show the state (if not yet) with ``title`` and ``detail``; a screen reader reads both."""
        self.title.setText(title)
        self.detail.setText(detail)
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)
        self.rescale()
        if self.isHidden():
            self.raise_()
            self.show()

    def rescale(self) -> None:
        """The words and spinner at the current text scale (after a zoom or text size change)."""
        scale = self._text_scale()
        if scale == self._scale:
            return
        self._scale = scale
        self.spinner.set_size(round(SPINNER_SIZE * scale))
        self.setStyleSheet(
            f"QFrame#pageWaiting {{ background: {BACKGROUND}; border: none; }}"
            f"QLabel#waitingTitle {{ color: {TITLE_COLOUR}; font-size: {points(scale, 1.45)}; font-weight: 600; }}"
            f"QLabel#waitingDetail {{ color: {DETAIL_COLOUR}; font-size: {points(scale, 1.05)}; }}"
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The panel text size may have changed while the pane was off screen.
        self.rescale()


class PaintWatch(QObject):
    """Follows a persona's page: whether the pane shows a page that has painted, and when it has not
    for a while during a load, the waiting state with words for what is opening.

    A page counts as painted once its load has finished (or failed: Chromium then shows why).
    QtWebEngine does not tell when a page first paints, and its ``contentsSizeChanged`` comes from the
    page being left too, even after the next one has replaced it: it cannot stand in for that.
    """

    def __init__(
        self, view: QWebEngineView, waiting: PageWaiting, persona_key: str, start_page_waits: Callable[[], bool]
    ) -> None:
        super().__init__(view)
        self._view = view
        self._waiting = waiting
        self._start_page = START_PAGES.get(persona_key)
        self._start_page_waits = start_page_waits
        self._shows_page = False
        self._shown_origin = ""
        self._loading_since: float | None = None
        self._loading_url = QUrl()
        self._opening_start_page = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_if_blank)
        view.loadStarted.connect(self._load_started)
        view.loadFinished.connect(self._load_finished)
        view.urlChanged.connect(self._committed)
        view.page().loadingChanged.connect(self._loading_changed)

    def opening_start_page(self, url: QUrl) -> None:
        """The start page at ``url`` is being opened; a pane with no page says so at once if it is known to wait."""
        self._opening_start_page = True
        self._loading_url = url
        if not self._shows_page and self._start_page_waits():
            self._show()

    def forget_page(self) -> None:
        """The page on screen belongs to a state that is gone (the sandbox reset): the next one is waited for."""
        self._shows_page = False

    def _load_started(self) -> None:
        self._loading_since = time.monotonic()
        if not self._shows_page:
            self._timer.start(WAITING_AFTER_MS)

    def _loading_changed(self, info: QWebEngineLoadingInfo) -> None:
        if info.status() == QWebEngineLoadingInfo.LoadStatus.LoadStartedStatus:
            if info.url() != self._loading_url:
                self._opening_start_page = False  # a link followed, an address typed, a form sent
            self._loading_url = info.url()

    def _committed(self, url: QUrl) -> None:
        # The loading page has replaced the one shown. Chromium holds the last page on screen until the next
        # paints only within an origin: from another one, the pane is blank until the new page paints.
        if self._loading_since is None or _origin(url) == self._shown_origin:
            return
        self._shows_page = False
        waited_ms = (time.monotonic() - self._loading_since) * 1000
        self._timer.start(max(0, round(WAITING_AFTER_MS - waited_ms)))

    def _load_finished(self) -> None:
        self._loading_since = None
        self._opening_start_page = False
        self._shows_page = True
        self._shown_origin = _origin(self._view.url())
        self._timer.stop()
        self._waiting.hide()

    def _show_if_blank(self) -> None:
        if self._loading_since is not None and not self._shows_page:
            self._show()

    def _show(self) -> None:
        start_page = self._start_page if self._opening_start_page else None
        starting = start_page is not None and self._start_page_waits()
        self._waiting.show_words(*waiting_words(self._loading_url, start_page, starting))


def _origin(url: QUrl) -> str:
    return f"{url.scheme()}://{url.host()}:{url.port()}" if url.isValid() else ""
