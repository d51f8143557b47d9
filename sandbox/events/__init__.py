"""Event records and the thread-safe bus that carries them to observers."""

from sandbox.events.bus import EventBus, Subscription
from sandbox.events.record import SandboxEvent, new_event_id, utc_now

__all__ = ["EventBus", "SandboxEvent", "Subscription", "new_event_id", "utc_now"]
