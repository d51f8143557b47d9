"""Logins waiting for the user to sign in, and Responses held before posting, kept in memory a while at most.

A flow begins when an AuthnRequest (or an IdP-initiated launch) has been checked, and ends when the
browser comes back signed in and the Response is sent. Flows are kept in the order they began, so the
expired ones are always the oldest: each new flow drops them from the front, at no cost for the flows
still alive. A client that starts logins and never finishes them (a load test, a loop in an SP) cannot
grow the store past :data:`MAX_PENDING`: the oldest flows make room.

The same store keeps the Responses the hand-off page holds (the "Hold the Response before posting it"
edge case) until the page releases them through JumpCloud (:mod:`sandbox.jumpcloud.web.hand_off`).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sandbox.jumpcloud.services.sso import ApplicationFacts
from sandbox.saml.idp import AuthnRequestInfo, IssuedResponse

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
    # The application as the login began: only to name it should it be deleted before the Response is
    # issued. The Response itself is built from the application as it is then.
    application: ApplicationFacts | None = None


@dataclass(frozen=True)
class HeldResponse:
    """A signed Response the hand-off page holds, and whom it is for; released once, through JumpCloud."""

    application: ApplicationFacts  # as it was when the Response was issued (names it if deleted meanwhile)
    user_id: str
    username: str
    issued: IssuedResponse
    idp_initiated: bool
    certificate_sha256: str
    flow_id: str  # the AuthnRequest's ID, or the Response's for an IdP-initiated sign-in
    hold: int


T = TypeVar("T")


class Flows(Generic[T]):
    """Values by unguessable flow id, each for a lifetime at most, the oldest dropped first; thread-safe."""

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
        # flow id -> (when it was added, the value), oldest first
        self._flows: OrderedDict[str, tuple[float, T]] = OrderedDict()

    def add(self, value: T) -> str:
        """Keep ``value``; the flow id the browser carries to :meth:`get` it back."""
        flow_id = secrets.token_urlsafe(16)
        with self._lock:
            now = self._clock()
            while self._flows:
                added, _ = next(iter(self._flows.values()))
                if now - added < self._lifetime_s and len(self._flows) < self._max_pending:
                    break
                self._flows.popitem(last=False)
            self._flows[flow_id] = (now, value)
        return flow_id

    def get(self, flow_id: str) -> T | None:
        """The value of ``flow_id``, or ``None`` when there is none or it has expired."""
        with self._lock:
            entry = self._flows.get(flow_id)
        if entry is None or self._clock() - entry[0] >= self._lifetime_s:
            return None
        return entry[1]

    def take(self, flow_id: str) -> T | None:
        """The value of ``flow_id``, forgotten at once: a second take of the same flow finds nothing."""
        with self._lock:
            entry = self._flows.pop(flow_id, None)
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


class PendingLogins(Flows[PendingLogin]):
    """Pending logins by flow id; thread-safe."""
