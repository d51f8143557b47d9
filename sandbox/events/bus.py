"""A small thread-safe publish/subscribe bus.

Server threads publish; observers (the desktop's signal bridge, tests) subscribe. A failing
subscriber is logged and never breaks the publisher.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sandbox.events.record import SandboxEvent

log = logging.getLogger("sandbox.events")

Subscriber = Callable[[SandboxEvent], None]


class Subscription:
    """Handle returned by :meth:`EventBus.subscribe`; ``close()`` stops delivery."""

    def __init__(self, bus: EventBus, subscriber: Subscriber) -> None:
        self._bus = bus
        self._subscriber = subscriber

    def close(self) -> None:
        self._bus._remove(self._subscriber)


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Subscription:
        with self._lock:
            self._subscribers = [*self._subscribers, subscriber]
        return Subscription(self, subscriber)

    def publish(self, event: SandboxEvent) -> None:
        with self._lock:
            subscribers = self._subscribers
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed on %s", event.event_type)

    def _remove(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers = [s for s in self._subscribers if s is not subscriber]
