"""Logins waiting for the user to sign in, kept in memory by flow id for a few minutes at most.

A flow begins when an AuthnRequest (or an IdP-initiated launch) has been checked, and ends when the
browser comes back signed in and the Response is sent. Flows are kept in the order they began, so the
expired ones are always the oldest: each new flow drops them from the front, at no cost for the flows
still alive. A client that starts logins and never finishes them (a load test, a loop in an SP) cannot
grow the store past :data:`MAX_PENDING`: the oldest flows make room.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.saml.idp import AuthnRequestInfo

#: How long a user may take to sign in once the login began.
FLOW_LIFETIME_S = 600.0
#: Flows kept at most; far more than the people at one sandbox start at once in ten minutes.
MAX_PENDING = 10_000


@dataclass
class PendingLogin:
    """What the Response will need: the application, the request it answers and where it goes back."""

    application_id: str
    request: AuthnRequestInfo | None
    relay_state: str | None
    binding: str | None
    request_trace_id: str | None
    # When the login began (seconds since the epoch): a ForceAuthn request wants a password typed after it.
    began_at: float = field(default_factory=time.time)


class PendingLogins:
    """Pending logins by flow id; thread-safe."""

    def __init__(
        self,
        lifetime_s: float = FLOW_LIFETIME_S,
        max_pending: int = MAX_PENDING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lifetime_s = lifetime_s
        self._max_pending = max_pending
        self._clock = clock
        self._lock = threading.Lock()
        # flow id -> (when it was added, the login), oldest first
        self._flows: OrderedDict[str, tuple[float, PendingLogin]] = OrderedDict()

    def add(self, login: PendingLogin) -> str:
        """Keep ``login``; the flow id the browser carries to :meth:`get` it back."""
        flow_id = secrets.token_urlsafe(16)
        with self._lock:
            now = self._clock()
            while self._flows:
                added, _ = next(iter(self._flows.values()))
                if now - added < self._lifetime_s and len(self._flows) < self._max_pending:
                    break
                self._flows.popitem(last=False)
            self._flows[flow_id] = (now, login)
        return flow_id

    def get(self, flow_id: str) -> PendingLogin | None:
        """The login of ``flow_id``, or ``None`` when there is none or it has expired."""
        with self._lock:
            entry = self._flows.get(flow_id)
        if entry is None or self._clock() - entry[0] >= self._lifetime_s:
            return None
        return entry[1]

    def finish(self, flow_id: str) -> None:
        """Forget ``flow_id`` (its Response has been sent, or it was refused)."""
        with self._lock:
            self._flows.pop(flow_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._flows)
