"""From traces and events to the arrows of a sequence diagram, grouped into flows.

A flow is one SSO login (AuthnRequest redirect, login, Response POST, session), one provisioning
run (SCIM requests and responses), or one connection test (JumpCloud's Activate on the Identity
Management tab: a test user and a test group created in the application, then deleted). SCIM arrows
come from the client's records when there are any, because the client saw the latency and the
retries; BlogIn's own record of the same request stands in until the client's arrives, so any SCIM
client's traffic is drawn.

JumpCloud marks each exchange of Activate's test with the Directory Insights event it belongs to
(``operation`` ``idm_integration_activate``); BlogIn's record of the same request carries no such
mark, so it is drawn in the provisioning run until JumpCloud's record arrives and moves it into the
connection test.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sandbox.events import SandboxEvent
from sandbox.events.traces import EVENT, SAML, SCIM

BROWSER, JUMPCLOUD, BLOGIN = range(3)
LANES = ("End User's browser", "JumpCloud", "BlogIn")
LANE_OF = {"jumpcloud": JUMPCLOUD, "blogin": BLOGIN}
SSO_LOGIN, PROVISIONING, CONNECTION_TEST = "SSO login", "Provisioning run", "Connection test (Activate)"
# The operations of JumpCloud's SCIM client that test the connection rather than provision.
CONNECTION_TEST_OPERATIONS = frozenset({"idm_integration_activate"})
SUBTITLES = {
    CONNECTION_TEST: "JumpCloud tests the Base URL and Token Key on Activate:\n"
    "a test user and a test group are created in BlogIn, then deleted. Nobody is provisioned yet.",
}
# The events (besides traces) a flow draws: (system, event type).
FLOW_EVENTS = frozenset({("jumpcloud", "user_login_attempt")})
# A resource id in an arrow's label is cut to this many characters (the trace it opens has it whole).
ID_SHOWN = 8
# BlogIn's records still waiting for JumpCloud's record of the same request (other SCIM clients' never pair).
PENDING_LIMIT = 2000
# A pause this long between SCIM exchanges ends one provisioning run.
RUN_GAP = timedelta(seconds=20)


@dataclass
class Step:
    """One arrow: from lane to lane, a label, and the trace clicking it opens."""

    source: int
    target: int
    label: str
    kind: str  # "saml" or "scim" (the panel that opens the trace), "event" for none
    trace_id: str
    ok: bool | None = None  # green / red / neutral
    reply: bool = False  # drawn dashed, like a sequence diagram's return message
    note: str = ""


@dataclass(eq=False)
class Flow:
    """One SSO login or provisioning run."""

    title: str
    started: SandboxEvent
    steps: list[Step] = field(default_factory=list)
    finished: bool = False
    last_seen: SandboxEvent | None = None
    #: for a connection test, the Directory Insights event its exchanges belong to
    group: str | None = None

    @property
    def subtitle(self) -> str:
        """A line under the title saying what kind of flow this is, where the title alone may mislead."""
        return SUBTITLES.get(self.title, "")

    @property
    def failures(self) -> int:
        """How many arrows failed: a message or sign-in refused, an error status answered."""
        return sum(1 for step in self.steps if step.ok is False)

    def outcome(self) -> str:
        """What went wrong, in a few words ('' when nothing did)."""
        failures = self.failures
        if not failures:
            return ""
        if self.title == SSO_LOGIN:
            return "sign-in refused"
        return f"{failures} failed"

    def caption(self) -> str:
        """The flow in the chooser and above the diagram: what, when, how long, and whether it failed."""
        moment = self.started.timestamp.astimezone().strftime("%H:%M:%S")
        arrows = len(self.steps)
        caption = f"{self.title} at {moment} ({arrows} {'arrow' if arrows == 1 else 'arrows'})"
        outcome = self.outcome()
        return f"{caption} — ✘ {outcome}" if outcome else caption


def _saml_steps(trace: SandboxEvent) -> list[Step]:
    data = trace.data
    message = str(data.get("message_type") or "message")
    binding = str(data.get("binding") or "")
    me = LANE_OF.get(trace.system, BLOGIN)
    verdict = data.get("verdict")
    ok = True if verdict == "accepted" else False if verdict == "rejected" else None
    if data.get("direction") == "sent":
        how = "302 redirect" if binding == "HTTP-Redirect" else "auto-submitting form"
        return [Step(me, BROWSER, f"{message} ({how})", SAML, trace.id)]
    steps = [Step(BROWSER, me, f"{message} via {binding}", SAML, trace.id, ok=ok)]
    if message == "Response" and trace.system == "blogin":
        if ok:
            steps.append(Step(me, BROWSER, "Signed in: BlogIn session cookie", SAML, trace.id, ok=True, reply=True))
        elif ok is False:
            reason = str(data.get("reason") or "rejected")
            # The failed check first: a long reason (two fingerprints) is cut short under the arrow.
            failed = next((c for c in data.get("checks") or [] if isinstance(c, dict) and not c.get("ok")), None)
            if failed is not None and failed.get("name"):
                reason = f"Failed check: {failed['name']}. {reason}"
            steps.append(Step(me, BROWSER, "Sign-in refused", SAML, trace.id, ok=False, reply=True, note=reason))
    return steps


def _short_path(path: str) -> str:
    """``/Users/4971ac9de0c64de2957aae8dbd30ec12?x=1`` → ``/Users/4971ac9d…``: the label stays between its lanes."""
    segments = path.split("?", 1)[0].split("/")
    return "/".join(f"{part[:ID_SHOWN]}…" if len(part) > ID_SHOWN * 2 else part for part in segments)


def _scim_steps(trace: SandboxEvent) -> list[Step]:
    data = trace.data
    status = data.get("status")
    ok = isinstance(status, int) and status < 400
    request = Step(
        JUMPCLOUD, BLOGIN, f"{data.get('method', '')} {_short_path(str(data.get('path', '')))}", SCIM, trace.id
    )
    if status is None:
        reply = Step(
            BLOGIN, JUMPCLOUD, "no response", SCIM, trace.id, ok=False, reply=True, note=str(data.get("error") or "")
        )
    else:
        latency = data.get("latency_ms")
        took = f" · {float(latency):,.0f} ms" if isinstance(latency, int | float) else ""
        reply = Step(BLOGIN, JUMPCLOUD, f"{status}{took}", SCIM, trace.id, ok=ok, reply=True)
    return [request, reply]


@dataclass(eq=False)
class _Pending:
    """BlogIn's record of a SCIM request, drawn until the client's record of it arrives."""

    flow: Flow
    request: Step
    at: int  # where ``request`` was appended; removals before it only move it towards the start
    response_body: Any


def _scim_key(data: dict[str, Any]) -> tuple[str, str, object]:
    # The client records the path without its query (``/Users``); BlogIn with it (``/Users?filter=…``).
    return str(data.get("method")), str(data.get("path")).split("?", 1)[0], data.get("status")


class FlowRecorder:
    """Turns arriving traces into flows; the newest flow is the one drawn live."""

    def __init__(self, limit: int = 50) -> None:
        self.flows: list[Flow] = []
        self.limit = limit
        self._pending: dict[tuple[str, str, object], deque[_Pending]] = {}
        self._pending_count = 0

    @property
    def current(self) -> Flow | None:
        return self.flows[-1] if self.flows else None

    def clear(self) -> None:
        """Forget every flow (after a reset: the systems' history is loaded again)."""
        self.flows.clear()
        self._pending.clear()
        self._pending_count = 0

    def add(self, event: SandboxEvent) -> Flow | None:
        """Take one trace or event; returns the flow it changed, if any."""
        if event.kind == SAML:
            return self._add_saml(event)
        if event.kind == SCIM:
            return self._add_scim(event)
        if event.kind == EVENT and (event.system, event.event_type) in FLOW_EVENTS:
            flow = self._flow(SSO_LOGIN, event, fresh=self._saml_done())
            flow.steps.append(Step(BROWSER, JUMPCLOUD, "Log in to the User Console", EVENT, event.id, ok=event.success))
            return flow
        return None

    def _saml_done(self) -> bool:
        current = self.current
        return current is None or current.title != SSO_LOGIN or current.finished

    def _add_saml(self, trace: SandboxEvent) -> Flow:
        data = trace.data
        sp_starts = data.get("message_type") == "AuthnRequest" and data.get("direction") == "sent"
        idp_starts = data.get("message_type") == "Response" and data.get("direction") == "sent"
        current = self.current
        fresh = self._saml_done() or sp_starts
        if idp_starts and current is not None and current.title == SSO_LOGIN:
            # An IdP-initiated Response after the user logged in continues that login's flow.
            fresh = current.finished
        flow = self._flow(SSO_LOGIN, trace, fresh=fresh)
        flow.steps.extend(_saml_steps(trace))
        if data.get("message_type") == "Response" and data.get("direction") == "received":
            flow.finished = True
        return flow

    def _add_scim(self, trace: SandboxEvent) -> Flow:
        data = trace.data
        steps = _scim_steps(trace)
        if data.get("direction") == "received":
            flow = self._provisioning_flow(trace)
            self._remember(_Pending(flow, steps[0], len(flow.steps), data.get("response_body")), _scim_key(data))
            flow.steps.extend(steps)
            return flow
        pending = self._take_pending(data)
        if data.get("operation") in CONNECTION_TEST_OPERATIONS:
            if pending is not None:
                self._drop(pending)
            flow = self._connection_test_flow(trace)
            flow.steps.extend(steps)
            return flow
        at = self._position(pending) if pending is not None else None
        if pending is not None and at is not None:
            # The client's record of a request the server recorded first replaces the server's arrows.
            pending.flow.steps[at : at + 2] = steps
            pending.flow.last_seen = trace
            return pending.flow
        flow = self._provisioning_flow(trace)
        flow.steps.extend(steps)
        return flow

    def _provisioning_flow(self, trace: SandboxEvent) -> Flow:
        current = self.current
        gap = (
            current is not None
            and current.last_seen is not None
            and (trace.timestamp - current.last_seen.timestamp > RUN_GAP)
        )
        return self._flow(PROVISIONING, trace, fresh=current is None or current.title != PROVISIONING or gap)

    def _connection_test_flow(self, trace: SandboxEvent) -> Flow:
        # One Activate is one test: its exchanges share the Directory Insights event they are linked to.
        current = self.current
        same = current is not None and current.title == CONNECTION_TEST and current.group == trace.related_id
        flow = self._flow(CONNECTION_TEST, trace, fresh=not same)
        flow.group = trace.related_id
        return flow

    # -- BlogIn's records waiting for JumpCloud's ------------------------------------------------

    def _remember(self, pending: _Pending, key: tuple[str, str, object]) -> None:
        self._pending.setdefault(key, deque()).append(pending)
        self._pending_count += 1
        if self._pending_count > PENDING_LIMIT:
            self._forget(lambda p: p.flow is not self.current)

    def _take_pending(self, data: dict[str, Any]) -> _Pending | None:
        """The oldest server record of the same request, one with the same response body first."""
        waiting = self._pending.get(_scim_key(data))
        if not waiting:
            return None
        body = data.get("response_body")
        chosen = next((p for p in waiting if p.response_body == body), waiting[0])
        waiting.remove(chosen)
        self._pending_count -= 1
        return chosen

    def _position(self, pending: _Pending) -> int | None:
        """Where the server record's request arrow now is in its flow (``None``: no longer drawn)."""
        if pending.flow not in self.flows:
            return None
        steps = pending.flow.steps
        at = min(pending.at, len(steps) - 1)
        while at >= 0 and steps[at] is not pending.request:
            at -= 1
        return at if at >= 0 else None

    def _drop(self, pending: _Pending) -> None:
        """Take a server record's arrows out of its flow; a flow left with none goes too."""
        flow = pending.flow
        at = self._position(pending)
        if at is None:
            return
        del flow.steps[at : at + 2]
        if not flow.steps:
            self.flows.remove(flow)
            self._forget(lambda p: p.flow is flow)

    def _forget(self, gone: Callable[[_Pending], bool]) -> None:
        for key in list(self._pending):
            kept = deque(p for p in self._pending[key] if not gone(p))
            self._pending_count -= len(self._pending[key]) - len(kept)
            if kept:
                self._pending[key] = kept
            else:
                del self._pending[key]

    def _flow(self, title: str, event: SandboxEvent, *, fresh: bool) -> Flow:
        current = self.current
        if fresh or current is None or current.title != title:
            current = Flow(title, event)
            self.flows.append(current)
            if len(self.flows) > self.limit:
                evicted = self.flows[: -self.limit]
                del self.flows[: -self.limit]
                self._forget(lambda p: any(p.flow is f for f in evicted))
        current.last_seen = event
        return current
