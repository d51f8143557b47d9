"""What every SCIM request checks first — status On/Off, the token, which endpoints have a test fault —
kept in memory and forgotten whenever a write to those tables is committed.

The SCIM API asks this on every request; reading it from the database each time cost two queries per
request. Invalidation watches the engine rather than the pages that change the settings, so any writer in
this process counts: the User Provisioning tab, the Test faults page, the desktop, a scenario import, a
reset, a test writing through a Session. A write marks its connection; when that connection goes back to
the pool (after its commit or rollback, so the change is visible to every reader) the state is forgotten.
A load that raced with the change is discarded by the generation check, so a regenerated token is refused
from the very next request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from sandbox.blogin.models import ScimFault
from sandbox.blogin.scim.settings import provisioning_gate

# Tables whose rows the gate holds; a write naming either one makes the gate forget.
_WATCHED = ("provisioning_settings", "scim_faults")
_DIRTY = "sandbox.blogin.scim_gate_dirty"


@dataclass(frozen=True)
class GateState:
    """USER PROVISIONING STATUS, the current Secret (Bearer) token, and the endpoints with a fault on."""

    enabled: bool
    token: str | None
    faulty: frozenset[str]


class ScimGate:
    """The SCIM API's cached :class:`GateState` for one BlogIn database engine."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._state: GateState | None = None
        self._generation = 0
        event.listen(engine, "after_cursor_execute", self._on_execute)
        event.listen(engine, "checkin", self._on_checkin)

    def cached(self) -> GateState | None:
        """The state if it is known, without a Session: most requests need no other."""
        return self._state

    def state(self, session: Session) -> GateState:
        """The current state, read from ``session`` only when a change has been committed since the last read."""
        state = self._state
        if state is not None:
            return state
        with self._lock:
            generation = self._generation
        enabled, token = provisioning_gate(session)
        faulty = frozenset(
            session.scalars(
                select(ScimFault.endpoint).where((ScimFault.latency_ms > 0) | ScimFault.status.is_not(None))
            )
        )
        state = GateState(enabled, token, faulty)
        with self._lock:
            # A change committed while we were reading: do not keep what we read.
            if generation == self._generation:
                self._state = state
        return state

    def forget(self) -> None:
        """Read the state afresh on the next request."""
        with self._lock:
            self._generation += 1
            self._state = None

    def _on_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if any(table in statement for table in _WATCHED) and statement.lstrip()[:6].upper() != "SELECT":
            conn.info[_DIRTY] = True
            self.forget()

    def _on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_DIRTY, False):
            self.forget()
