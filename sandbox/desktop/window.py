"""The main window: persona browsers, the event log dock, the status bar and the menus."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QMainWindow

from sandbox.desktop.bridge import EventBridge
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.dock_share import DockShare, saved_window_size
from sandbox.desktop.event_log import EventLogDock
from sandbox.desktop.event_model import EventLogModel
from sandbox.desktop.first_layout import FirstLayout
from sandbox.desktop.health import HealthMonitor, SystemHealth
from sandbox.desktop.persona_area import SPLIT, TABS, PersonaArea
from sandbox.desktop.personas import END_USER, PERSONAS, Persona
from sandbox.desktop.status_line import StatusLine
from sandbox.desktop.view_controls import ViewControls

if TYPE_CHECKING:
    # Only a type here: the window is built before the systems load (see sandbox/desktop/startup.py).
    from sandbox.app import Sandbox

    # The docks' and dialogs' modules load when they are first built (see install_docks).
    from sandbox.desktop.dialogs import GuideDialog
    from sandbox.desktop.scenarios import RehearsalPanels
    from sandbox.desktop.traffic_panels import TrafficPanels

log = logging.getLogger("sandbox.desktop.window")

LAYOUT_FILE = "desktop.ini"
HISTORY_LIMIT = 5000
#: from this width the docks on the right run the window's whole height, beside the docks below the personas
#: (the walkthrough's steps and their detail both in sight on a 1920 px screen); narrower, the docks
#: below take the whole width, which the event log's columns need (its summaries whole at 1600 px)
WIDE_WINDOW = 1800


class MainWindow(QMainWindow):
    """SSO Sandbox's window over a running :class:`Sandbox`."""

    first_page_loaded = Signal()
    #: the window was closed (File › Quit, the close button, a signal): the app ends
    closed = Signal()
    #: both systems' state was replaced (File › Reset sandbox…, a scenario opened): panels start again
    sandbox_replaced = Signal()

    traffic_panels: TrafficPanels
    panels: RehearsalPanels

    def __init__(self, sandbox: Sandbox, *, docks_after_first_page: bool = False) -> None:
        """``docks_after_first_page``: the tracer, traffic and rehearsal docks are built, and the stored
        events read, once the first persona page has loaded (:meth:`install_docks`), so that this work
        does not hold up that page."""
        super().__init__()
        self.sandbox = sandbox
        self.setWindowTitle("SSO Sandbox — JumpCloud → BlogIn")
        self.setObjectName("mainWindow")
        self.layout_settings = QSettings(str(sandbox.settings.data_dir / LAYOUT_FILE), QSettings.Format.IniFormat, self)

        # Each persona has its own off-the-record profile: cookies never mix and nothing lingers on disk.
        self.profiles: dict[str, QWebEngineProfile] = {}
        self.browsers: dict[str, PersonaBrowser] = {}
        for persona in PERSONAS:
            profile = QWebEngineProfile()
            self.profiles[persona.key] = profile
            browser = PersonaBrowser(persona, profile, self._start_url_of(persona))
            browser.first_load_finished.connect(self._persona_loaded)
            browser.local_ports = self._local_ports
            browser.start_page_waits = self._start_page_waits_of(persona)
            self.browsers[persona.key] = browser
        self.area = PersonaArea(list(self.browsers.values()))
        self.area.persona_shown.connect(self._persona_shown)
        self.setCentralWidget(self.area)

        self.event_model = EventLogModel(self._event_records)
        self.event_log = EventLogDock(self.event_model)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.event_log)
        self.bridge = EventBridge(sandbox.bus)
        self.bridge.events_arrived.connect(self.event_model.append_events)
        # Reading the stored events sets up both systems' ORM mappers (a good part of the window's
        # start-up work), which the first page does not need: in a fast start they load right after it.
        self._history_after_first_page = docks_after_first_page
        self.event_log.set_reading_history(docks_after_first_page)
        if not docks_after_first_page:
            self.load_event_history()

        # Where the systems serve is known before they load (the ports are bound first).
        jumpcloud, blogin = sandbox.addresses["jumpcloud"], sandbox.addresses["blogin"]
        self.health = {
            "jumpcloud": SystemHealth("JumpCloud", jumpcloud.base_url),
            "blogin": SystemHealth("BlogIn", blogin.base_url),
        }
        for indicator in self.health.values():
            self.statusBar().addPermanentWidget(indicator)
        # The light next to the edge-case indicator gives way first when a message needs the room.
        self.status_line = StatusLine(self.statusBar(), [self.health["blogin"], self.health["jumpcloud"]])
        self.health_monitor = HealthMonitor(
            {
                "jumpcloud": (self.health["jumpcloud"], jumpcloud.host, jumpcloud.port),
                "blogin": (self.health["blogin"], blogin.host, blogin.port),
            },
            serving=sandbox.serving,
        )

        self._build_menus()
        self._personas_started = False
        self._loaded: set[str] = set()
        self.guide_dialog: GuideDialog | None = None
        self.docks_installed = False
        self._layout_restored = False
        self.first_layout = FirstLayout()
        self.dock_share = DockShare(self)
        #: the size the remembered layout was saved at (its docks' sizes are of that size), and whether its
        #: docks have those sizes still, the window on screen not yet fitted to them
        self._remembered_size: QSize | None = None
        self._remembered_to_fit = False
        if not docks_after_first_page:
            self.install_docks()
        self.restore_layout()

    # -- start-up ---------------------------------------------------------------------------

    def install_docks(self) -> None:
        """The SAML tracer, SCIM traffic, flow diagram and rehearsal docks; once.

        Docks built after :meth:`restore_layout` go back where the user left them.
        """
        if self.docks_installed:
            return
        self.docks_installed = True
        from sandbox.desktop.scenarios import install_panels
        from sandbox.desktop.traffic_panels import install_traffic_panels

        self.traffic_panels = install_traffic_panels(self)
        self.panels = install_panels(self)
        self._install_panel_keys()
        self.view_controls.apply_text_size()
        if self.first_layout.pending and self.isVisible():
            QTimer.singleShot(0, self.apply_default_dock_share)
        state = self.layout_settings.value("window/state")
        if self._layout_restored and isinstance(state, QByteArray) and not state.isEmpty():
            # Built late: the saved state was applied without them (adding a dock drops its saved place).
            self.restoreState(state)
            self._remembered_to_fit = True
            if self.isVisible():
                QTimer.singleShot(0, self.fit_remembered_layout)

    def _install_panel_keys(self) -> None:
        from sandbox.desktop.panel_keys import install_panel_keys

        menu = self.view_menu
        traffic, rehearsal = self.traffic_panels, self.panels
        docks: list[QDockWidget] = [self.event_log, traffic.tracer, traffic.traffic, traffic.flow]
        docks += [rehearsal.walkthrough, rehearsal.edge_cases, rehearsal.drift]
        # After the docks' own items, with them: before the separator that opens the persona keys.
        actions = menu.actions()
        position = actions.index(self.view_controls.back_action)
        if position > 0 and actions[position - 1].isSeparator():
            position -= 1
        self.panel_key_actions = install_panel_keys(self, menu, docks, before=actions[position])

    def _local_ports(self) -> dict[str, int]:
        addresses = self.sandbox.addresses.values()
        return {address.host: address.port for address in addresses if address.port}

    def _start_url_of(self, persona: Persona) -> Callable[[], str]:
        return lambda: persona.start_url(self.sandbox)

    def _start_page_waits_of(self, persona: Persona) -> Callable[[], bool]:
        # Until its system serves, only the End User's first page may be answered (see first_page.py).
        def waits() -> bool:
            if self.sandbox.serving(persona.system):
                return False
            return not (persona.key == END_USER.key and self.sandbox.answers_first_page)

        return waits

    def load_event_history(self) -> None:
        """Both systems' stored events, oldest first; live ones then follow through the bridge.

        Listed without their full records, which the log reads for the events it shows in detail.
        """
        history = [
            *self.sandbox.jumpcloud.event_log(HISTORY_LIMIT),
            *self.sandbox.blogin.event_log(HISTORY_LIMIT),
        ]
        history.sort(key=lambda event: event.timestamp)
        self.event_model.append_events(history)

    def reload_event_history(self) -> None:
        """The log afresh from both systems' stored events; live events already shown are among them."""
        self.bridge.drain()
        self.event_model.clear()
        self.load_event_history()

    def _event_records(self, system: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        source = self.sandbox.jumpcloud if system == "jumpcloud" else self.sandbox.blogin
        try:
            return source.event_records(ids)
        except Exception:  # a system being reset must not break the log; the record is left out
            log.warning("could not read %d event records of %s", len(ids), system, exc_info=True)
            return {}

    def start(self) -> None:
        """Load the personas on screen first; the others follow once the first page is up."""
        self._personas_started = True
        self.health_monitor.start()
        for browser in self.area.visible_browsers():
            browser.start()

    @Slot()
    def systems_opened(self) -> None:
        """Both systems' databases are open (they load after the first page): the stored events are
        read and the docks built, once the first page is up."""
        self.reset_action.setEnabled(True)
        if self._loaded:
            self._systems_ready()

    def _systems_ready(self) -> None:
        if self._history_after_first_page:
            self._history_after_first_page = False
            self.reload_event_history()
            self.event_log.set_reading_history(False)
        self.install_docks()

    @Slot(str)
    def system_served(self, _key: str) -> None:
        """A system that was still starting when the window opened now serves: its light is checked now."""
        if self._personas_started:
            self.health_monitor.check_now()

    @Slot(str)
    def system_failed(self, message: str) -> None:
        """A system that was still starting when the window opened could not start: the status bar says so."""
        self.statusBar().showMessage(message)

    @property
    def all_personas_loaded(self) -> bool:
        """Whether every persona's first page has finished loading."""
        return len(self._loaded) == len(self.browsers)

    def _persona_shown(self, key: str) -> None:
        if self._personas_started:
            self.browsers[key].start()

    def _persona_loaded(self, key: str, _ok: bool) -> None:
        self._loaded.add(key)
        if len(self._loaded) == 1:
            self.statusBar().showMessage("Ready", 3000)
            self.first_page_loaded.emit()
            for browser in self.browsers.values():
                browser.start()
            if self.sandbox.opened:
                self._systems_ready()
        if self.all_personas_loaded:
            log.info("all personas loaded")

    # -- menus --------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.reset_action = QAction("&Reset sandbox…", self)
        self.reset_action.triggered.connect(self.reset_sandbox)
        self.reset_action.setEnabled(self.sandbox.opened)  # until the systems have loaded
        file_menu.addAction(self.reset_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        # The platform's Quit keys; where the platform names none (a bare X11 session), Ctrl+Q as elsewhere.
        quit_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")])
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.view_menu = view_menu
        group = QActionGroup(self)
        self.split_action = QAction("&Split view", self, checkable=True)
        self.split_action.setShortcut(QKeySequence("Ctrl+1"))
        self.tabs_action = QAction("&Tabs", self, checkable=True)
        self.tabs_action.setShortcut(QKeySequence("Ctrl+2"))
        for action, mode in ((self.split_action, SPLIT), (self.tabs_action, TABS)):
            group.addAction(action)
            view_menu.addAction(action)
            action.triggered.connect(lambda _checked=False, mode=mode: self.area.set_mode(mode))
        self.area.mode_changed.connect(self._sync_mode_actions)
        view_menu.addSeparator()
        view_menu.addAction(self.event_log.toggleViewAction())
        view_menu.addSeparator()
        reload_action = QAction("Reload all personas", self)
        reload_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        reload_action.triggered.connect(self.reload_personas)
        self.view_controls = ViewControls(self)
        self.view_controls.add_to(view_menu, reload_action)

        help_menu = self.menuBar().addMenu("&Help")
        guide_action = QAction("Integration &guide", self)
        guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        guide_action.triggered.connect(self.show_guide)
        help_menu.addAction(guide_action)
        about_action = QAction("&About SSO Sandbox", self)
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        help_menu.addAction(about_action)
        self._sync_mode_actions(self.area.mode)

    def _sync_mode_actions(self, mode: str) -> None:
        self.split_action.setChecked(mode == SPLIT)
        self.tabs_action.setChecked(mode == TABS)

    def reload_personas(self) -> None:
        for browser in self.browsers.values():
            browser.view.reload()

    def show_about(self) -> None:
        """Help › About: the version, both systems' addresses and the data folder."""
        from sandbox.desktop.dialogs import show_about

        addresses = self.sandbox.addresses
        show_about(
            self, addresses["jumpcloud"].base_url, addresses["blogin"].base_url, str(self.sandbox.settings.data_dir)
        )

    def show_guide(self) -> GuideDialog:
        from sandbox.desktop.dialogs import GuideDialog

        if self.guide_dialog is None:
            self.guide_dialog = GuideDialog(self)
            self.view_controls.apply_text_size()
        self.guide_dialog.show()
        self.guide_dialog.raise_()
        return self.guide_dialog

    # -- actions --------------------------------------------------------------------------------

    def reset_sandbox(self) -> bool:
        """File › Reset sandbox…: after confirmation, both systems back to first-run state.

        A provisioning run still going is paused for it; the question says it is going on.
        """
        from sandbox.desktop.dialogs import confirm_reset
        from sandbox.desktop.reset import undelivered_changes

        undelivered = undelivered_changes(self.sandbox)
        if not confirm_reset(self, undelivered):
            return False
        log.info("resetting the sandbox from the window (%d provisioning operations pending)", undelivered)
        self.statusBar().showMessage("Resetting the sandbox…")
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.bridge.drain()
            self.sandbox.reset()  # provisioning paused meanwhile (JumpCloud.background_paused)
        finally:
            QApplication.restoreOverrideCursor()
        self.start_afresh()
        self.statusBar().showMessage("Sandbox reset: both systems are back to their first-run state.", 6000)
        return True

    def start_afresh(self) -> None:
        """After both systems' state was replaced: the event log, the panels and the personas start again from it."""
        self.event_model.clear()
        self.load_event_history()
        self.sandbox_replaced.emit()
        for browser in self.browsers.values():
            if browser.started or self._personas_started:
                browser.restart()

    # -- layout memory --------------------------------------------------------------------------

    def restore_layout(self) -> None:
        """Window geometry, docks, view mode and splitter sizes as the user left them."""
        store = self.layout_settings
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
            self._remembered_size = saved_window_size(geometry)
            self._remembered_to_fit = True
        else:
            self.first_layout.start(self)
        state = store.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
            self._remembered_to_fit = True
        area_state = {
            "mode": store.value("personas/mode"),
            "split": store.value("personas/split"),
            "sizes": store.value("personas/sizes"),
            "tab": _int(store.value("personas/tab")),
        }
        self.area.restore(area_state)
        log_sizes = store.value("eventlog/sizes")
        if isinstance(log_sizes, list) and len(log_sizes) == 2 and all(str(s).isdigit() for s in log_sizes):
            sizes = [int(s) for s in log_sizes]
            if all(size >= 100 for size in sizes):
                self.event_log.splitter.setSizes(sizes)
        self.view_controls.restore(store)
        self._layout_restored = True

    def save_layout(self) -> None:
        store = self.layout_settings
        store.setValue("window/geometry", self.saveGeometry())
        if self.docks_installed:  # otherwise the saved state would forget where those docks were
            store.setValue("window/state", self.saveState())
        state = self.area.state()
        store.setValue("personas/mode", state["mode"])
        store.setValue("personas/split", state["split"])
        store.setValue("personas/sizes", state["sizes"])
        store.setValue("personas/tab", state["tab"])
        store.setValue("eventlog/sizes", self.event_log.splitter.sizes())
        self.view_controls.save(store)
        store.sync()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        corner = (
            Qt.DockWidgetArea.RightDockWidgetArea
            if self.width() >= WIDE_WINDOW
            else Qt.DockWidgetArea.BottomDockWidgetArea
        )
        if self.corner(Qt.Corner.BottomRightCorner) != corner:
            self.setCorner(Qt.Corner.BottomRightCorner, corner)
        if event.size() != event.oldSize():
            # The docks keep their share of the window rather than their size (see dock_share.py).
            self.dock_share.window_resized()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.first_layout.pending:
            # Once laid out: the share is of the height the window really got.
            QTimer.singleShot(0, self.apply_default_dock_share)
        elif self._remembered_to_fit:
            QTimer.singleShot(0, self.fit_remembered_layout)

    def apply_default_dock_share(self) -> None:
        """The docks' room of a first layout (see first_layout.py); a remembered layout does not get here.

        The room given is the share the docks keep as the window changes size (see dock_share.py).
        """
        for orientation in self.first_layout.apply(self):
            self.dock_share.given(orientation, fixed=orientation == Qt.Orientation.Horizontal)

    def fit_remembered_layout(self) -> None:
        """A remembered layout on screen: its docks' share of the window it was saved at, on a screen that may
        be smaller (see dock_share.py)."""
        if self._remembered_to_fit and self.isVisible() and not self.first_layout.pending:
            self._remembered_to_fit = False
            self.dock_share.restored(self._remembered_size)

    def closeEvent(self, event: QCloseEvent) -> None:
        # A question still open (Reset sandbox?, a scenario file to open) goes with the window,
        # answered Cancel: nothing it asked about happens after the window has gone.
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                log.info("closing with the dialog %r open: cancelled", dialog.windowTitle())
                dialog.reject()
        self.save_layout()
        super().closeEvent(event)
        self.closed.emit()

    def shutdown(self) -> None:
        """Stop listening and free every browser: pages are deleted before their profiles."""
        self.health_monitor.stop()
        self.bridge.close()
        if self.guide_dialog is not None:
            self.guide_dialog.close()
        for browser in self.browsers.values():
            browser.view.stop()
            shiboken6.delete(browser.page)
        for profile in self.profiles.values():
            shiboken6.delete(profile)
        self.profiles.clear()
        self.deleteLater()


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
