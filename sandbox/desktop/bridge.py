"""The one way events cross from server threads to the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal

from sandbox.events import EventBus, SandboxEvent, Subscription


class EventBridge(QObject):
    """Subscribes to the bus; delivers what server threads publish as batches on the GUI thread.

    A publisher only appends to a list under a lock and, when that list was empty, posts one
    queued wake-up; the GUI thread then takes everything gathered so far in one batch.
    """

    events_arrived = Signal(list)
    _wake = Signal()

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: list[SandboxEvent] = []
        self._wake.connect(self.drain, Qt.ConnectionType.QueuedConnection)
        self._subscription: Subscription | None = bus.subscribe(self._receive)

    def _receive(self, event: SandboxEvent) -> None:
        with self._lock:
            self._pending.append(event)
            first = len(self._pending) == 1
        if first:
            self._wake.emit()

    def drain(self) -> None:
        """Deliver everything published so far (also callable directly on the GUI thread)."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            self.events_arrived.emit(batch)

    def close(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        with self._lock:
            self._pending = []
