"""From traces and events to the arrows of a sequence diagram, grouped into flows.

A flow is one SSO login (AuthnRequest redirect, login, Response POST, session) or one provisioning
run (SCIM requests and responses). SCIM arrows come from the client's records when there are any,
because the client saw the latency and the retries; BlogIn's own record of the same request stands
in until the client's arrives, so any SCIM client's traffic is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sandbox.events import SandboxEvent
from sandbox.events.traces import EVENT, SAML, SCIM

BROWSER, JUMPCLOUD, BLOGIN = range(3)
LANES = ("End User's browser", "JumpCloud", "BlogIn")
LANE_OF = {"jumpcloud": JUMPCLOUD, "blogin": BLOGIN}
SSO_LOGIN, PROVISIONING = "SSO login", "Provisioning run"
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


@dataclass
class Flow:
    """One SSO login or provisioning run."""

    title: str
    started: SandboxEvent
    steps: list[Step] = field(default_factory=list)
    finished: bool = False
    last_seen: SandboxEvent | None = None

    def caption(self) -> str:
        moment = self.started.timestamp.astimezone().strftime("%H:%M:%S")
        arrows = len(self.steps)
        return f"{self.title} at {moment} ({arrows} {'arrow' if arrows == 1 else 'arrows'})"


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
            steps.append(Step(me, BROWSER, "Sign-in refused", SAML, trace.id, ok=False, reply=True, note=reason))
    return steps


def _scim_steps(trace: SandboxEvent) -> list[Step]:
    data = trace.data
    status = data.get("status")
    ok = isinstance(status, int) and status < 400
    request = Step(
        JUMPCLOUD, BLOGIN, f"{data.get('method', '')} {str(data.get('path', '')).split('?', 1)[0]}", SCIM, trace.id
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


class FlowRecorder:
    """Turns arriving traces into flows; the newest flow is the one drawn live."""

    def __init__(self, limit: int = 50) -> None:
        self.flows: list[Flow] = []
        self.limit = limit
        self._unpaired: dict[tuple[str, str, object], int] = {}

    @property
    def current(self) -> Flow | None:
        return self.flows[-1] if self.flows else None

    def add(self, event: SandboxEvent) -> Flow | None:
        """Take one trace or event; returns the flow it changed, if any."""
        if event.kind == SAML:
            return self._add_saml(event)
        if event.kind == SCIM:
            return self._add_scim(event)
        if event.kind == EVENT and event.system == "jumpcloud" and event.event_type == "user_login_attempt":
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
        current = self.current
        gap = (
            current is not None
            and current.last_seen is not None
            and (trace.timestamp - current.last_seen.timestamp > RUN_GAP)
        )
        flow = self._flow(PROVISIONING, trace, fresh=current is None or current.title != PROVISIONING or gap)
        data = trace.data
        key = (str(data.get("method")), str(data.get("path")), data.get("status"))
        steps = _scim_steps(trace)
        if data.get("direction") == "received":
            self._unpaired[key] = len(flow.steps)
            flow.steps.extend(steps)
        elif key in self._unpaired and self._unpaired[key] + 2 <= len(flow.steps):
            # The client's record of a request the server recorded first replaces the server's arrows.
            at = self._unpaired.pop(key)
            flow.steps[at : at + 2] = steps
        else:
            flow.steps.extend(steps)
        return flow

    def _flow(self, title: str, event: SandboxEvent, *, fresh: bool) -> Flow:
        current = self.current
        if fresh or current is None or current.title != title:
            current = Flow(title, event)
            self.flows.append(current)
            self._unpaired.clear()
            del self.flows[: -self.limit]
        current.last_seen = event
        return current
