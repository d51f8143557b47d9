"""The SAML tracer, SCIM traffic and flow diagram docks, and the event log's extras, in the window.

``install_traffic_panels(window)`` adds them next to the event log, feeds them the stored history
and then the live traces from the window's signal bridge, and links them to each other.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu

from sandbox.desktop.event_export import EventLogExtras
from sandbox.desktop.flow.dock import FlowDiagramDock
from sandbox.desktop.flow.steps import FLOW_EVENTS
from sandbox.desktop.tracer.dock import SamlTracerDock
from sandbox.desktop.tracer.model import SamlMessageModel, message_id
from sandbox.desktop.traffic.dock import ScimTrafficDock
from sandbox.desktop.traffic.model import ScimTrafficModel
from sandbox.events import SandboxEvent
from sandbox.events.traces import SAML, SCIM

if TYPE_CHECKING:
    from sandbox.desktop.window import MainWindow

HISTORY_LIMIT = 2000
#: how far apart in time an event and the SAML message it names may be recorded
MESSAGE_NAMED_WITHIN = timedelta(minutes=2)


@dataclass
class TrafficPanels:
    saml_model: SamlMessageModel
    scim_model: ScimTrafficModel
    tracer: SamlTracerDock
    traffic: ScimTrafficDock
    flow: FlowDiagramDock
    window: MainWindow
    extras: EventLogExtras | None = None

    # -- feeding ----------------------------------------------------------------------------------

    def add(self, events: Iterable[SandboxEvent]) -> None:
        """Live traces and events from the bridge (a list, delivered in batches)."""
        batch = list(events)
        self.saml_model.append_traces(batch)
        self.scim_model.append_traces(batch)
        self.flow.add_events(batch)

    def load_history(self) -> None:
        """Both systems' stored traces and the flow's events, oldest first (live ones follow through the bridge)."""
        sandbox = self.window.sandbox
        history = [
            *sandbox.jumpcloud.recent_traces(SAML, HISTORY_LIMIT),
            *sandbox.blogin.recent_traces(SAML, HISTORY_LIMIT),
            *sandbox.jumpcloud.recent_traces(SCIM, HISTORY_LIMIT),
            *sandbox.blogin.recent_traces(SCIM, HISTORY_LIMIT),
            # The events the flow diagram draws too (the User Console login of an SSO login), as the
            # event log already holds them, so a login reads the same after a restart as live.
            *self.window.event_model.stored_events(FLOW_EVENTS),
        ]
        history.sort(key=lambda trace: trace.timestamp)
        self.add(history)

    def reload(self) -> None:
        """After a reset or a scenario replaced both systems' state: start again from what they now hold."""
        self.saml_model.clear()
        self.scim_model.clear()
        self.flow.clear()
        self.load_history()

    # -- links between the panels -----------------------------------------------------------------

    def related_message(self, event: SandboxEvent) -> tuple[str, str] | None:
        """The SAML message or SCIM exchange an event is about, either side holding the link."""
        exchange = self.scim_model.exchange_of_event(event.id)
        if exchange is not None:
            return SCIM, exchange.id
        for trace in reversed(self.saml_model.traces()):
            if trace.related_id == event.id:
                return SAML, trace.id
        if event.related_id:
            if self.saml_model.trace(event.related_id) is not None:
                return SAML, event.related_id
            if self.scim_model.trace(event.related_id) is not None:
                return SCIM, event.related_id
        return self._message_named_in(event)

    def _message_named_in(self, event: SandboxEvent) -> tuple[str, str] | None:
        """The SAML message, as the event's own system captured it, whose ID the event's record names.

        A refused sign-in's event carries the message it refused (its XML and decoded fields) but no link
        to the capture; the message's ID, unique per message, ties the two.
        """
        full = self.window.event_model.full_event(event)
        if not full.data:
            return None
        record = json.dumps(full.data, default=str)
        earliest, latest = event.timestamp - MESSAGE_NAMED_WITHIN, event.timestamp + MESSAGE_NAMED_WITHIN
        for trace in reversed(self.saml_model.traces()):
            if trace.timestamp < earliest:
                break
            if trace.system != event.system or trace.timestamp > latest:
                continue
            named = message_id(trace)
            if named and named in record:
                return SAML, trace.id
        return None

    def open_message(self, kind: str, trace_id: str) -> bool:
        """Bring up the tracer or the traffic panel on one trace."""
        dock: SamlTracerDock | ScimTrafficDock = self.tracer if kind == SAML else self.traffic
        dock.show()
        dock.raise_()
        return dock.show_trace(trace_id)

    def open_event(self, event_id: str) -> bool:
        """Select an event in the event log (clearing its filters when they hide it)."""
        log = self.window.event_log
        model = log.model
        for attempt in range(2):
            row = model.row_of_event(event_id)
            if row is not None:
                log.show()
                log.raise_()
                log.table.selectRow(row)
                log.table.scrollTo(model.index(row, 0))
                return True
            if attempt == 0:
                log.system_filter.setCurrentIndex(0)
                log.type_filter.setCurrentIndex(0)
                log.text_filter.clear()
                log.failures_filter.setChecked(False)
                log.apply_filter()
        return False


def install_traffic_panels(window: MainWindow) -> TrafficPanels:
    """Add the docks below the personas, tabbed with the event log, and wire them up."""
    saml_model, scim_model = SamlMessageModel(), ScimTrafficModel()
    tracer, traffic, flow = SamlTracerDock(saml_model), ScimTrafficDock(scim_model), FlowDiagramDock()
    panels = TrafficPanels(saml_model, scim_model, tracer, traffic, flow, window)
    panels.extras = EventLogExtras(window.event_log, panels.related_message, panels.open_message)
    docks: list[QDockWidget] = [tracer, traffic, flow]
    for dock in docks:
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        window.tabifyDockWidget(window.event_log, dock)
    window.event_log.raise_()
    view_menu = next(
        (action.menu() for action in window.menuBar().actions() if action.text().replace("&", "") == "View"), None
    )
    if isinstance(view_menu, QMenu):
        anchor = window.event_log.toggleViewAction()
        following = _action_after(view_menu, anchor)
        for dock in docks:
            if following is None:
                view_menu.addAction(dock.toggleViewAction())
            else:
                view_menu.insertAction(following, dock.toggleViewAction())
    window.bridge.events_arrived.connect(panels.add)
    flow.message_requested.connect(panels.open_message)
    traffic.event_requested.connect(panels.open_event)
    window.sandbox_replaced.connect(panels.reload)
    panels.load_history()
    return panels


def _action_after(menu: QMenu, anchor: QAction) -> QAction | None:
    actions = menu.actions()
    for position, action in enumerate(actions):
        if action is anchor and position + 1 < len(actions):
            return actions[position + 1]
    return None
