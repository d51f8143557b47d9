"""The desktop's start-up order: the first persona page first, the docks below the personas right after it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.main import close_window
from sandbox.desktop.theme import apply_theme
from sandbox.desktop.window import HISTORY_LIMIT, MainWindow
from sandbox.http import http_client
from sandbox.settings import Settings
from tests.desktop.conftest import LOAD_TIMEOUT_MS, page_text

TRACER = "samlTracerDock"


def _dock(window: MainWindow, name: str) -> QDockWidget | None:
    return window.findChild(QDockWidget, name)


def _save_tracer_on_the_right(sandbox: Sandbox) -> None:
    """A layout saved by a window whose SAML tracer the user moved to the right-hand side."""
    window = MainWindow(sandbox)
    try:
        tracer = _dock(window, TRACER)
        assert tracer is not None
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, tracer)
        tracer.show()
        window.save_layout()
    finally:
        close_window(window)


def test_docks_are_built_after_the_first_page_and_go_where_the_user_left_them(
    qtbot: QtBot, qapp: QApplication, module_sandbox: Sandbox
) -> None:
    apply_theme(qapp)
    _save_tracer_on_the_right(module_sandbox)

    window = MainWindow(module_sandbox, docks_after_first_page=True)
    try:
        assert _dock(window, TRACER) is None
        assert window.event_log.isVisibleTo(window)
        window.show()
        with qtbot.waitSignal(window.first_page_loaded, timeout=LOAD_TIMEOUT_MS):
            window.start()
        tracer = _dock(window, TRACER)
        assert tracer is not None and window.docks_installed
        assert window.dockWidgetArea(tracer) == Qt.DockWidgetArea.RightDockWidgetArea
        assert tracer.isVisible()
        assert window.traffic_panels.tracer is tracer
        assert window.dockWidgetArea(window.panels.walkthrough) != Qt.DockWidgetArea.NoDockWidgetArea
        qtbot.waitUntil(lambda: window.all_personas_loaded, timeout=LOAD_TIMEOUT_MS)
    finally:
        close_window(window)


def test_quitting_before_the_first_page_keeps_the_docks_layout(
    qtbot: QtBot, qapp: QApplication, module_sandbox: Sandbox
) -> None:
    apply_theme(qapp)
    _save_tracer_on_the_right(module_sandbox)

    early = MainWindow(module_sandbox, docks_after_first_page=True)
    early.show()
    close_window(early)

    window = MainWindow(module_sandbox)
    try:
        tracer = _dock(window, TRACER)
        assert tracer is not None
        assert window.dockWidgetArea(tracer) == Qt.DockWidgetArea.RightDockWidgetArea
    finally:
        close_window(window)


def test_stored_events_fill_the_log_right_after_the_first_page_without_repeats(
    qtbot: QtBot, qapp: QApplication, module_sandbox: Sandbox
) -> None:
    apply_theme(qapp)
    window = MainWindow(module_sandbox, docks_after_first_page=True)
    try:
        window.show()
        # The admins' sign-ins while the first pages load are live events, and stored ones too.
        with qtbot.waitSignal(window.first_page_loaded, timeout=LOAD_TIMEOUT_MS):
            window.start()
        qtbot.waitUntil(lambda: window.all_personas_loaded, timeout=LOAD_TIMEOUT_MS)
        stored = [*module_sandbox.jumpcloud.event_log(HISTORY_LIMIT), *module_sandbox.blogin.event_log(HISTORY_LIMIT)]
        assert any(event.system == "jumpcloud" for event in stored)
        assert any(event.system == "blogin" for event in stored)
        qtbot.waitUntil(lambda: window.event_model.total_count() == len(stored), timeout=LOAD_TIMEOUT_MS)
        shown = window.event_model.shown_events()
        assert sorted(event.id for event in shown) == sorted(event.id for event in stored)
        assert [event.timestamp for event in shown] == sorted(event.timestamp for event in shown)
    finally:
        close_window(window)


def test_the_window_shows_the_login_page_before_the_systems_load_and_builds_its_docks_once_they_have(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    apply_theme(qapp)
    settings = Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings, first_page=True) as earlier, http_client() as client:
        # An earlier run, which kept the End User's first page; its administrator signed in.
        signed_in = client.post(
            f"{earlier.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "sandbox"}
        )
        assert signed_in.status_code == 302
    sandbox = Sandbox(settings, first_page=True)
    sandbox.bind_ports()
    window = MainWindow(sandbox, docks_after_first_page=True)
    try:
        assert not window.reset_action.isEnabled(), "nothing to reset before the systems load"
        window.show()
        with qtbot.waitSignal(window.first_page_loaded, timeout=LOAD_TIMEOUT_MS):
            window.start()
        end_user = window.browsers["end-user"]
        assert end_user.view.url().path() == "/userconsole/login"
        assert "User Console" in page_text(qtbot, end_user)
        assert not sandbox.opened and not window.docks_installed and window.event_model.total_count() == 0
        assert not window.all_personas_loaded  # the admins' sign-in links wait for their systems
        assert window.browsers["jumpcloud-admin"].address.placeholderText() == "Opening Admin Portal…"
        assert window.event_log.table.empty_hint.startswith("Reading the events JumpCloud and BlogIn have stored")

        sandbox.open_systems()
        window.systems_opened()
        assert window.docks_installed and window.reset_action.isEnabled()
        assert window.event_model.total_count() > 0  # the earlier run's sign-in
        assert not window.event_log.table.empty_hint.startswith("Reading")
        sandbox.serve("jumpcloud")
        sandbox.serve("blogin")
        qtbot.waitUntil(lambda: window.all_personas_loaded, timeout=LOAD_TIMEOUT_MS)
        admin = window.browsers["jumpcloud-admin"]
        assert "Directory Insights" in page_text(qtbot, admin)  # signed in by the link issued before JumpCloud loaded
        assert admin.address.placeholderText() == "Address"
    finally:
        close_window(window)
        sandbox.stop()
