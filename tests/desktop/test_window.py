"""The window as a trainer sees it: personas signed in, cookies apart, events arriving live."""

from __future__ import annotations

import socket

import httpx
import shiboken6
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.event_model import EventFilter
from sandbox.desktop.health import HealthMonitor, SystemHealth
from sandbox.desktop.persona_area import SPLIT, TABS
from sandbox.desktop.window import MainWindow
from tests.desktop.conftest import load, page_text


def test_window_opens_with_admin_and_end_user_side_by_side(window: MainWindow, module_sandbox: Sandbox) -> None:
    assert window.isVisible()
    assert window.width() >= 1200 and window.height() >= 800
    assert window.area.mode == SPLIT
    shown = [browser.persona.title for browser in window.area.visible_browsers()]
    assert shown == ["JumpCloud Admin", "End User"]
    assert all(width > 300 for width in window.area.splitter.sizes())
    assert [menu.title() for menu in (a.menu() for a in window.menuBar().actions())] == ["&File", "&View", "&Help"]


def test_status_bar_shows_both_systems_healthy(qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox) -> None:
    qtbot.waitUntil(lambda: all(health.healthy for health in window.health.values()), timeout=10_000)
    assert module_sandbox.jumpcloud.base_url in window.health["jumpcloud"].text()
    assert module_sandbox.blogin.base_url in window.health["blogin"].text()


def test_a_health_check_answered_after_the_window_closed_touches_nothing(qtbot: QtBot) -> None:
    # The window can close while a check is on its way (quitting right after launch): its lights go with it.
    with socket.socket() as slow:
        slow.bind(("127.0.0.1", 0))
        slow.listen()  # accepts, never answers: the check stays in flight
        light = SystemHealth("JumpCloud", "http://console.jumpcloud.localhost")
        monitor = HealthMonitor({"jumpcloud": (light, "console.jumpcloud.localhost", slow.getsockname()[1])})
        monitor.check_now()
        qtbot.wait(50)
        monitor.stop()
        shiboken6.delete(light)
        qtbot.wait(50)  # an exception raised in a Qt slot here would fail the test
        monitor.check_now()  # nothing more is asked once stopped
        assert not monitor._in_flight


def test_jumpcloud_admin_opens_signed_in_to_the_admin_portal(qtbot: QtBot, window: MainWindow) -> None:
    browser = window.browsers["jumpcloud-admin"]
    text = page_text(qtbot, browser)
    assert "admin@example.com" in text
    assert "Log out" in text
    assert "/login" not in browser.view.url().path()


def test_blogin_admin_opens_signed_in_to_the_admin_console(qtbot: QtBot, window: MainWindow) -> None:
    browser = window.browsers["blogin-admin"]
    assert "User Authentication" in page_text(qtbot, browser)
    assert "Log out" in page_text(qtbot, browser)


def test_end_user_opens_the_user_console(qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox) -> None:
    browser = window.browsers["end-user"]
    url = browser.view.url()
    assert url.host() == module_sandbox.jumpcloud.host
    assert url.path().startswith("/userconsole")
    assert "User Console" in page_text(qtbot, browser)


def test_personas_do_not_share_cookies(qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox) -> None:
    end_user = window.browsers["end-user"]
    load(qtbot, end_user, f"{module_sandbox.jumpcloud.base_url}/")
    assert "Admin Portal" in page_text(qtbot, end_user)
    assert "Log out" not in page_text(qtbot, end_user)
    assert end_user.view.url().path() == "/login"
    load(qtbot, end_user, f"{module_sandbox.blogin.base_url}/settings/user-authentication")
    assert end_user.view.url().path() == "/login"
    # The admin personas stay signed in all the same.
    admin = window.browsers["jumpcloud-admin"]
    admin.view.reload()
    qtbot.waitUntil(lambda: "admin@example.com" in page_text(qtbot, admin), timeout=10_000)


def test_address_field_navigates_and_history_goes_back(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox
) -> None:
    browser = window.browsers["blogin-admin"]
    start = browser.view.url()
    browser.address.setText(f"{module_sandbox.blogin.host}:{module_sandbox.blogin.port}/profile")
    with qtbot.waitSignal(browser.view.loadFinished, timeout=30_000):
        browser.address.returnPressed.emit()
    assert browser.view.url().path() == "/profile"
    assert browser.address.text().endswith("/profile")
    assert browser.back_button.isEnabled()
    with qtbot.waitSignal(browser.view.loadFinished, timeout=30_000):
        browser.back_button.click()
    assert browser.view.url() == start


def test_open_in_system_browser_hands_over_the_current_url(qtbot: QtBot, window: MainWindow) -> None:
    opened: list[QUrl] = []

    class Receiver(QObject):
        @Slot(QUrl)
        def handle(self, url: QUrl) -> None:
            opened.append(url)

    receiver = Receiver()
    QDesktopServices.setUrlHandler("http", receiver, "handle")  # type: ignore[arg-type]
    try:
        browser = window.browsers["jumpcloud-admin"]
        browser.external_button.click()
        qtbot.waitUntil(lambda: bool(opened))
        assert opened[0] == browser.view.url()
    finally:
        QDesktopServices.unsetUrlHandler("http")


def test_an_event_in_each_system_appears_in_the_dock(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, client: httpx.Client
) -> None:
    client.post(f"{module_sandbox.jumpcloud.base_url}/login", data={"email": "eve@jc.example", "password": "x"})
    client.post(f"{module_sandbox.blogin.base_url}/login", data={"email": "eve@bi.example", "password": "x"})

    def summaries() -> list[str]:
        model = window.event_model
        return [model.index(row, 3).data() for row in range(model.rowCount())]

    qtbot.waitUntil(
        lambda: any("eve@jc.example" in s for s in summaries()) and any("eve@bi.example" in s for s in summaries()),
        timeout=10_000,
    )
    model = window.event_model
    rows = {model.index(row, 3).data(): row for row in range(model.rowCount())}
    jumpcloud_row = next(row for summary, row in rows.items() if "eve@jc.example" in summary)
    assert model.index(jumpcloud_row, 1).data() == "JumpCloud"
    assert model.index(jumpcloud_row, 4).data() == "Failure"
    blogin_row = next(row for summary, row in rows.items() if "eve@bi.example" in summary)
    assert model.index(blogin_row, 1).data() == "BlogIn"
    assert model.index(blogin_row, 2).data() == "user_login_failed"

    # Selecting the row shows the event's full record.
    window.event_log.table.selectRow(jumpcloud_row)
    detail = window.event_log.detail.toPlainText()
    assert '"event_type": "admin_login_attempt"' in detail
    assert '"success": false' in detail


def test_dock_filters_by_system_type_and_text(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, client: httpx.Client
) -> None:
    # Events of its own, so the test does not depend on what ran before it.
    client.post(f"{module_sandbox.jumpcloud.base_url}/login", data={"email": "fay@jc.example", "password": "x"})
    client.post(f"{module_sandbox.blogin.base_url}/login", data={"email": "fay@bi.example", "password": "x"})
    dock = window.event_log
    model = window.event_model

    def summaries() -> list[str]:
        return [model.index(row, 3).data() for row in range(model.rowCount())]

    qtbot.waitUntil(
        lambda: any("fay@jc.example" in s for s in summaries()) and any("fay@bi.example" in s for s in summaries()),
        timeout=10_000,
    )
    system_filter = dock.findChild(QComboBox, "systemFilter")
    type_filter = dock.findChild(QComboBox, "typeFilter")
    text_filter = dock.findChild(QLineEdit, "textFilter")
    try:
        system_filter.setCurrentIndex(system_filter.findData("blogin"))
        systems = {model.index(row, 1).data() for row in range(model.rowCount())}
        assert systems == {"BlogIn"}

        system_filter.setCurrentIndex(0)
        type_filter.setCurrentIndex(type_filter.findData("admin_login_attempt"))
        assert model.rowCount() > 0
        assert {model.index(row, 2).data() for row in range(model.rowCount())} == {"admin_login_attempt"}

        type_filter.setCurrentIndex(0)
        text_filter.setText("FAY@BI")
        qtbot.waitUntil(lambda: model.filter.text == "FAY@BI", timeout=2000)
        assert model.rowCount() == 1
        assert "of" in dock.count_label.text()
    finally:
        text_filter.clear()
        dock.apply_filter()
    assert model.filter == EventFilter()
    assert model.rowCount() == model.total_count()


def test_tabs_mode_shows_every_persona(qtbot: QtBot, window: MainWindow) -> None:
    try:
        window.tabs_action.trigger()
        assert window.area.mode == TABS
        titles = [window.area.tabs.tabText(index) for index in range(window.area.tabs.count())]
        assert titles == ["JumpCloud Admin", "End User", "BlogIn Admin"]
        window.area.tabs.setCurrentIndex(2)
        qtbot.waitUntil(lambda: window.browsers["blogin-admin"].isVisible())
        assert window.browsers["blogin-admin"].view.width() > 600
    finally:
        window.split_action.trigger()
    assert window.area.mode == SPLIT
    assert window.browsers["jumpcloud-admin"].isVisible()


def test_split_pane_chooser_swaps_personas(window: MainWindow) -> None:
    try:
        window.area.choose(1, "blogin-admin")
        assert window.area.split_keys() == ["jumpcloud-admin", "blogin-admin"]
        window.area.choose(0, "blogin-admin")
        assert window.area.split_keys() == ["blogin-admin", "jumpcloud-admin"]
        header = window.area.panes[0].header
        assert header.chooser is not None and header.chooser.currentText() == "BlogIn Admin"
    finally:
        window.area.choose(0, "jumpcloud-admin")
        window.area.choose(1, "end-user")
    assert window.area.split_keys() == ["jumpcloud-admin", "end-user"]


def test_integration_guide_shows_the_seed_guide(window: MainWindow) -> None:
    dialog = window.show_guide()
    try:
        text = dialog.text.toPlainText()
        assert "Configure SSO & User provisioning" in text
        assert "USER AUTHENTICATION > SSO Applications" in text
        dialog.find_field.setText("Token Key")
        assert dialog.find_next()
        assert dialog.text.textCursor().selectedText() == "Token Key"
    finally:
        dialog.close()
