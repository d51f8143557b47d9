"""The status bar's view of both systems: their URLs and whether ``/health`` answers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QLabel

from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN, MUTED_GREY

log = logging.getLogger("sandbox.desktop.health")


class SystemHealth(QLabel):
    """ "● JumpCloud  http://console.jumpcloud.localhost:47801", green while it answers."""

    def __init__(self, label: str, base_url: str) -> None:
        super().__init__()
        self.label = label
        self.base_url = base_url
        self.healthy: bool | None = None
        self.setObjectName(f"health-{label}")
        self._show(MUTED_GREY, "checking…")

    def set_healthy(self, healthy: bool, detail: str) -> None:
        self.healthy = healthy
        self._show(HEALTHY_GREEN if healthy else FAILING_RED, detail)

    def _show(self, colour: str, detail: str) -> None:
        self.setText(f'<span style="color:{colour}">●</span> <b>{self.label}</b> &nbsp;{self.base_url}')
        self.setToolTip(f"{self.label}: {detail}")


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

    def start(self) -> None:
        self.check_now()
        self._timer.start()

    def stop(self) -> None:
        """Stop polling and drop kept-alive connections, so the servers can stop at once."""
        self._timer.stop()
        self._network.clearConnectionCache()

    def check_now(self) -> None:
        for name, (_indicator, host, port) in self._indicators.items():
            if name in self._in_flight or (self._serving is not None and not self._serving(name)):
                continue
            request = QNetworkRequest(QUrl(f"http://127.0.0.1:{port}/health"))
            request.setRawHeader(b"Host", f"{host}:{port}".encode())
            request.setTransferTimeout(2000)
            reply = self._network.get(request)
            self._in_flight.add(name)
            reply.finished.connect(lambda reply=reply, name=name: self._finished(name, reply))

    def _finished(self, name: str, reply: QNetworkReply) -> None:
        self._in_flight.discard(name)
        indicator = self._indicators[name][0]
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        healthy = reply.error() == QNetworkReply.NetworkError.NoError and status == 200
        detail = "answering" if healthy else f"not answering ({reply.errorString() or status})"
        if healthy != indicator.healthy:
            log.log(logging.INFO if healthy else logging.WARNING, "%s %s", indicator.label, detail)
        indicator.set_healthy(healthy, detail)
        reply.deleteLater()
        self.checked.emit(name, healthy)
