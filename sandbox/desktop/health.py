"""The status bar's view of both systems: their URLs and whether ``/health`` answers."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from PySide6.QtCore import QObject, QSize, QTimer, QUrl, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QLabel

from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN, MUTED_GREY

log = logging.getLogger("sandbox.desktop.health")


class SystemHealth(QLabel):
    """ "● JumpCloud  http://console.jumpcloud.localhost:47801", green while it answers.

    The dot and the words are text, so they grow with View › Panel text size. When the status bar has no
    room for a message beside the URL (a narrow window at Extra large), the light shows its name alone
    until the message goes, the URL in its tooltip (see status_line.py).
    """

    def __init__(self, label: str, base_url: str) -> None:
        super().__init__()
        self.label = label
        self.base_url = base_url
        self.healthy: bool | None = None
        self.with_url = True
        self._colour = MUTED_GREY
        self._detail = "checking…"
        self._other_width: tuple[tuple[str, str], int] | None = None
        self.setObjectName(f"health-{label}")
        self._show()

    def set_healthy(self, healthy: bool, detail: str) -> None:
        self.healthy = healthy
        self._colour = HEALTHY_GREEN if healthy else FAILING_RED
        self._detail = detail
        self._show()

    # -- room in the status bar ---------------------------------------------------------------

    def full_width(self) -> int:
        """The width the light needs with its URL."""
        return self._width(with_url=True)

    def narrowest_width(self) -> int:
        """The width the light needs with its name alone."""
        return self._width(with_url=False)

    def show_within(self, width: int) -> None:
        """Show the URL when ``width`` has room for it, the name alone otherwise."""
        with_url = width >= self.full_width()
        if with_url != self.with_url:
            self.with_url = with_url
            self._show()

    def minimumSizeHint(self) -> QSize:
        """As narrow as the name alone: a long URL never makes the window wider than the screen."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.narrowest_width()), hint.height())

    def _width(self, *, with_url: bool) -> int:
        shown = super().sizeHint().width()
        if with_url == self.with_url:
            return shown
        # The other text measured apart (setting it here would lay the status bar out again and again):
        # the label's padding is what its size hint has beyond the text it shows. Kept until the font or
        # the text changes, as the status bar asks on every layout.
        key = (self.font().key(), self.text())
        if self._other_width is None or self._other_width[0] != key:
            other = self._html_width(self._html(with_url=with_url)) - self._html_width(self.text())
            self._other_width = (key, math.ceil(other))
        return shown + self._other_width[1]

    def _html_width(self, html: str) -> float:
        document = QTextDocument()
        document.setDefaultFont(self.font())
        document.setHtml(html)
        return document.idealWidth()

    def _html(self, *, with_url: bool) -> str:
        words = f'<span style="color:{self._colour}">●</span> <b>{self.label}</b>'
        return f"{words} &nbsp;{self.base_url}" if with_url else words

    def _show(self) -> None:
        self.setText(self._html(with_url=self.with_url))
        self.setToolTip(f"{self.label} at {self.base_url}: {self._detail}")


class HealthMonitor(QObject):
    """Polls each system's ``/health`` on the GUI thread without blocking it (QNetworkAccessManager).

    Qt's resolver does not know ``*.localhost`` names, so requests go to 127.0.0.1 with the
    system's host name in the ``Host`` header, as a browser would send it. ``serving`` says whether
    a system serves yet: at start-up one system may still be starting behind its bound port, and
    its light stays "checking…" until then rather than turning red.
    """

    checked = Signal(str, bool)

    def __init__(
        self,
        indicators: dict[str, tuple[SystemHealth, str, int]],
        interval_ms: int = 3000,
        serving: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__()
        self._indicators = indicators
        self._serving = serving
        self._network = QNetworkAccessManager(self)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check_now)
        self._in_flight: set[str] = set()
        self._replies: set[QNetworkReply] = set()
        self._stopped = False

    def start(self) -> None:
        self.check_now()
        self._timer.start()

    def stop(self) -> None:
        """Stop polling and drop kept-alive connections, so the servers can stop at once."""
        self._stopped = True
        self._timer.stop()
        # A check still on its way is dropped: its answer would reach lights that are gone with the window.
        for reply in list(self._replies):
            reply.abort()
        self._network.clearConnectionCache()

    def check_now(self) -> None:
        if self._stopped:
            return
        for name, (_indicator, host, port) in self._indicators.items():
            if name in self._in_flight or (self._serving is not None and not self._serving(name)):
                continue
            request = QNetworkRequest(QUrl(f"http://127.0.0.1:{port}/health"))
            request.setRawHeader(b"Host", f"{host}:{port}".encode())
            request.setTransferTimeout(2000)
            reply = self._network.get(request)
            self._replies.add(reply)
            self._in_flight.add(name)
            reply.finished.connect(lambda reply=reply, name=name: self._finished(name, reply))

    def _finished(self, name: str, reply: QNetworkReply) -> None:
        self._in_flight.discard(name)
        self._replies.discard(reply)
        if self._stopped:
            reply.deleteLater()
            return
        indicator = self._indicators[name][0]
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        healthy = reply.error() == QNetworkReply.NetworkError.NoError and status == 200
        detail = "answering" if healthy else f"not answering ({reply.errorString() or status})"
        if healthy != indicator.healthy:
            log.log(logging.INFO if healthy else logging.WARNING, "%s %s", indicator.label, detail)
        indicator.set_healthy(healthy, detail)
        reply.deleteLater()
        self.checked.emit(name, healthy)
