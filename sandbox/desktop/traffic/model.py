"""The SCIM traffic list: one row per exchange, filtered by status class and resource."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus

from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN
from sandbox.desktop.trace_model import FETCH_BATCH, TraceTableModel, local_time, system_label
from sandbox.desktop.traffic.words import failure_words, what_it_did
from sandbox.events import SandboxEvent
from sandbox.events.traces import SCIM
from sandbox.scim.exchange import sent_at

COLUMNS = ("Time", "Recorded by", "Method", "Path", "Status", "Latency")
TIME, RECORDED_BY, METHOD, PATH, STATUS, LATENCY = range(len(COLUMNS))
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx", "no response")
WARNING_AMBER = "#b7791f"


def status_class(trace: SandboxEvent) -> str:
    """``"2xx"`` … ``"5xx"``, or ``"no response"`` when the request never got an answer."""
    status = trace.data.get("status")
    return f"{int(status) // 100}xx" if isinstance(status, int) else "no response"


def direction_text(trace: SandboxEvent) -> str:
    """``JumpCloud → BlogIn (sent)``: who talked to whom, and which side recorded it."""
    me = system_label(trace.system)
    return f"{me} (sent)" if trace.data.get("direction") == "sent" else f"{me} (received)"


def readable_path(path: str) -> str:
    """``/Users?filter=userName+eq+%22ada%22`` → ``/Users?filter=userName eq "ada"``: the filter as it reads."""
    route, mark, query = path.partition("?")
    return f"{route}{mark}{unquote_plus(query)}" if mark else route


def pretty_body(body: str | None) -> str:
    """A JSON body indented for reading; anything else as it came."""
    if not body:
        return ""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


@dataclass(frozen=True, slots=True)
class TrafficFilter:
    """Which exchanges the list shows: ``None`` means any."""

    status_class: str | None = None
    resource: str | None = None

    def __call__(self, trace: SandboxEvent) -> bool:
        if self.status_class is not None and status_class(trace) != self.status_class:
            return False
        return self.resource is None or trace.data.get("resource_type") == self.resource


class ScimTrafficModel(TraceTableModel):
    """Every SCIM exchange either system recorded, in the order their requests went out."""

    kind = SCIM
    columns = COLUMNS
    verdict_column = STATUS
    system_column = RECORDED_BY

    def __init__(self, fetch_batch: int = FETCH_BATCH) -> None:
        super().__init__(fetch_batch)
        self._resources: set[str] = set()

    def shown_time(self, trace: SandboxEvent) -> datetime:
        # A client stores its exchanges in batches: the time its request went out, when recorded.
        return sent_at(trace.data) or trace.timestamp

    def note_new_traces(self, traces: list[SandboxEvent]) -> None:
        self._resources.update(str(t.data.get("resource_type") or "") for t in traces)
        self._resources.discard("")

    def clear(self) -> None:
        self._resources.clear()
        super().clear()

    def cell(self, trace: SandboxEvent, column: int) -> str:
        data = trace.data
        if column == TIME:
            return local_time(trace, self.shown_time(trace))
        if column == RECORDED_BY:
            return direction_text(trace)
        if column == METHOD:
            return str(data.get("method") or "")
        if column == PATH:
            return readable_path(str(data.get("path") or ""))
        if column == STATUS:
            status = data.get("status")
            return str(status) if status is not None else "no response"
        if column == LATENCY:
            latency = data.get("latency_ms")
            return f"{float(latency):,.0f} ms" if isinstance(latency, int | float) else ""
        return ""

    def tooltip(self, trace: SandboxEvent, column: int) -> str:
        if column == STATUS:
            # A refused exchange says why on hover: BlogIn's error detail, or why nothing came back.
            failure = failure_words(trace.data)
            if failure:
                return failure
        if column == PATH:
            # The whole path (the list may shorten it), then the URL it was sent to.
            path = readable_path(str(trace.data.get("path") or ""))
            url = str(trace.data.get("url") or "")
            return f"{path}\n{url}" if url else path
        if column == METHOD:
            return what_it_did(trace.data)
        return trace.summary

    def verdict_colour(self, trace: SandboxEvent) -> str | None:
        kind = status_class(trace)
        if kind == "2xx":
            return HEALTHY_GREEN
        if kind == "3xx" or trace.data.get("status") == 429:
            return WARNING_AMBER  # redirected, or asked to slow down: not a failure yet
        return FAILING_RED

    def resources(self) -> list[str]:
        """The resource types seen so far (User, Group, ServiceProviderConfig, …)."""
        return sorted(self._resources)

    def exchange_of_event(self, event_id: str) -> SandboxEvent | None:
        """The exchange a Directory Insights or audit event is about (the newest, after retries)."""
        for trace in reversed(self._traces):
            if trace.related_id == event_id:
                return trace
        return None
