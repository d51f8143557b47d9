"""Puts the walkthrough, edge-case and drift docks and the scenario menu items into the main window."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu

from sandbox.desktop.dialogs import guide_text, show_error
from sandbox.desktop.drift import DriftDock
from sandbox.desktop.edge_cases import EdgeCasesDock
from sandbox.desktop.persona_area import SPLIT
from sandbox.desktop.status_line import ElidedLabel
from sandbox.desktop.walkthrough import WalkthroughDock
from sandbox.scenarios import FILE_SUFFIX, SHIPPED, ScenarioError, ShippedScenario, load_scenario, save_scenario

if TYPE_CHECKING:
    from sandbox.desktop.window import MainWindow

log = logging.getLogger("sandbox.desktop.scenarios")

FILE_FILTER = f"SSO Sandbox scenarios (*{FILE_SUFFIX})"


class RehearsalPanels:
    """The docks of part B and File › Open/Save scenario, attached to one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        sandbox = window.sandbox
        self.walkthrough = WalkthroughDock(sandbox, window.layout_settings, guide_text(), self.open_in_persona)
        self.edge_cases = EdgeCasesDock(sandbox)
        self.drift = DriftDock(sandbox)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.walkthrough)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.edge_cases)
        window.tabifyDockWidget(self.walkthrough, self.edge_cases)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.drift)
        window.tabifyDockWidget(window.event_log, self.drift)
        window.event_log.raise_()
        self.walkthrough.raise_()
        for dock in (self.walkthrough, self.edge_cases, self.drift):
            dock.setMinimumWidth(360)

        window.bridge.events_arrived.connect(self.walkthrough.schedule_refresh)
        window.bridge.events_arrived.connect(self.drift.schedule_refresh)
        window.bridge.events_arrived.connect(self._events_arrived)
        window.sandbox_replaced.connect(self.refresh)

        self.indicator = ElidedLabel()
        self.indicator.setObjectName("edgeCasesIndicator")
        self.indicator.setStyleSheet(
            "QLabel#edgeCasesIndicator { background: #fff4e5; color: #b54708; border: 1px solid #f5c27a;"
            " border-radius: 9px; padding: 1px 10px; font-weight: 600; }"
        )
        self.indicator.hide()
        window.statusBar().addPermanentWidget(self.indicator)
        window.status_line.add(self.indicator, gives_way_first=True)
        self.edge_cases.active_changed.connect(self.show_active_edge_cases)
        self.edge_cases.refresh()
        self._add_menus()

    def refresh(self) -> None:
        """Read both systems again now (their state was replaced), instead of at the next event."""
        self.walkthrough.refresh()
        self.edge_cases.refresh()
        self.drift.refresh()

    # -- persona navigation ------------------------------------------------------------------

    def open_in_persona(self, key: str, url: str) -> None:
        """Bring persona ``key``'s browser on screen and open ``url`` in it (Show me)."""
        area = self.window.area
        browser = area.browsers.get(key)
        if browser is None:
            return
        if area.mode == SPLIT:
            if key not in area.split_keys():
                area.choose(1, key)
        else:
            area.tabs.setCurrentIndex(list(area.browsers).index(key))
        browser.navigate(url)

    # -- status bar --------------------------------------------------------------------------

    def show_active_edge_cases(self, active: list[str]) -> None:
        if active:
            self.indicator.set_full_text("⚠ " + " · ".join(active))
            # The whole list also here: a narrow status bar may show only its beginning.
            self.indicator.setToolTip(
                "\n".join(["Edge cases on:", *active, "Switch them off in the Edge cases panel (All off)"])
            )
            self.indicator.show()
        else:
            self.indicator.hide()

    def _events_arrived(self, events: list[object]) -> None:
        kinds = {getattr(event, "event_type", "") for event in events}
        if kinds & {"scim_fault_set", "scim_faults_cleared", "application_update", "application_delete"}:
            self.edge_cases.refresh()

    # -- menus -------------------------------------------------------------------------------

    def _add_menus(self) -> None:
        window = self.window
        file_menu = _menu(window, "&File")
        view_menu = _menu(window, "&View")
        if file_menu is not None and file_menu.actions():
            first = file_menu.actions()[0]
            self.open_action = QAction("&Open scenario…", window)
            self.open_action.setShortcut("Ctrl+O")
            self.open_action.triggered.connect(self.open_scenario_file)
            self.shipped_menu = QMenu("Open &shipped scenario", window)
            self.shipped_menu.setObjectName("shippedScenarios")
            for scenario in SHIPPED:
                action = self.shipped_menu.addAction(scenario.title)
                action.setToolTip(scenario.description)
                action.setStatusTip(scenario.description)
                action.triggered.connect(lambda _checked=False, s=scenario: self.load(s))
            self.save_action = QAction("&Save scenario…", window)
            self.save_action.setShortcut("Ctrl+S")
            self.save_action.triggered.connect(self.save_scenario_file)
            file_menu.insertAction(first, self.open_action)
            file_menu.insertMenu(first, self.shipped_menu)
            file_menu.insertAction(first, self.save_action)
            file_menu.insertSeparator(first)
        if view_menu is not None:
            # With the other docks' toggles, before the persona keys and zoom that follow them.
            actions = view_menu.actions()
            first_key = window.view_controls.back_action
            position = actions.index(first_key) if first_key in actions else len(actions)
            if position > 0 and actions[position - 1].isSeparator():
                position -= 1
            following = actions[position] if position < len(actions) else None
            for dock in (self.walkthrough, self.edge_cases, self.drift):
                if following is None:
                    view_menu.addAction(dock.toggleViewAction())
                else:
                    view_menu.insertAction(following, dock.toggleViewAction())

    def open_scenario_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open scenario", str(Path.home()), FILE_FILTER)
        if path:
            self.load(Path(path))

    def save_scenario_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save scenario", str(Path.home() / f"my-rehearsal{FILE_SUFFIX}"), FILE_FILTER
        )
        if not path:
            return
        target = Path(path)
        if target.suffix != FILE_SUFFIX:
            target = target.with_name(target.name + FILE_SUFFIX)
        try:
            save_scenario(self.window.sandbox, target, title=target.stem)
        except ScenarioError as error:
            show_error(self.window, "Scenario not saved", str(error))
            return
        self.window.statusBar().showMessage(f"Scenario saved to {target}", 6000)

    def load(self, source: Path | ShippedScenario) -> bool:
        """Replace both systems' state with a scenario's, then start every persona afresh."""
        window = self.window
        window.bridge.drain()
        try:
            scenario = load_scenario(window.sandbox, source)
        except ScenarioError as error:
            show_error(window, "Scenario not opened", str(error))
            return False
        window.start_afresh()
        window.statusBar().showMessage(f"Scenario “{scenario.title}” loaded.", 6000)
        log.info("scenario %r loaded from the window", scenario.title)
        return True


def _menu(window: MainWindow, title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.text() == title and action.menu() is not None:
            return action.menu()  # type: ignore[return-value]
    return None


def install_panels(window: MainWindow) -> RehearsalPanels:
    """Attach the walkthrough, edge-case and drift docks and the scenario menu items to ``window``."""
    return RehearsalPanels(window)
