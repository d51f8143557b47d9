"""The docks as a trainer shows them to a room: a 1280×720 projector, View › Panel text size › Large.

One rehearsal over HTTP feeds the real window: SSO configured both ways, users provisioned by
Identity Management, a sign-in BlogIn refuses (the "wrong audience" edge case), then a SCIM fault on
BlogIn's Users endpoint while a job title changes, so that a provisioning request fails and the drift
view has a difference to show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QTableView
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.drift.model import COLUMNS
from sandbox.desktop.panel_text import LARGE, scale_text
from sandbox.desktop.theme import FAILING_RED
from sandbox.desktop.trace_model import TraceTableModel
from sandbox.desktop.tracer.model import VERDICT
from sandbox.desktop.traffic.dock import ScimTrafficDock
from sandbox.desktop.traffic.model import LATENCY as TRAFFIC_LATENCY
from sandbox.desktop.traffic.model import METHOD as TRAFFIC_METHOD
from sandbox.desktop.traffic.model import PATH as COLUMN_OF_PATH
from sandbox.desktop.traffic.model import STATUS as TRAFFIC_STATUS
from sandbox.desktop.traffic.model import ScimTrafficModel
from sandbox.desktop.window import MainWindow
from sandbox.events import SandboxEvent
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from tests.desktop.conftest import wait_for
from tests.desktop.traffic_fixtures import provisioned

pytestmark = pytest.mark.desktop

ROOM = (1280, 720)
ADA = DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer")
GRACE = DirectoryUser("grace", "grace@example.org", "Grace", "Hopper", "Admiral")


@dataclass
class Room:
    window: MainWindow
    sandbox: Sandbox
    rehearsal: Rehearsal
    application_id: str


@pytest.fixture(scope="module")
def room(window: MainWindow, module_sandbox: Sandbox) -> Iterator[Room]:
    """The rehearsal done, the window at 1280×720 with Large panel text."""
    sandbox = module_sandbox
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        application_id = rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        members = [rehearsal.create_user(user) for user in (ADA, GRACE)]
        rehearsal.authorize_groups([rehearsal.create_group("Writers", members)])
        base_url, token = rehearsal.enable_blogin_provisioning()
        rehearsal.activate_identity_management(base_url, token)
        deadline = time.monotonic() + 30
        while not provisioned(sandbox, {ADA.email, GRACE.email}):
            assert time.monotonic() < deadline, "JumpCloud provisioned nobody"
            time.sleep(0.1)
        rehearsal.idp_initiated_sign_in(ADA.username)
        sandbox.jumpcloud.set_edge_cases(application_id, {"wrongAudience": True})
        rehearsal.idp_initiated_sign_in(GRACE.username)
        sandbox.jumpcloud.set_edge_cases(application_id, {"wrongAudience": False})
        # BlogIn's Users endpoint answers 503 while Ada's job title changes: that change does not get through.
        sandbox.blogin.set_scim_fault("Users", status=503)
        change_job_title(rehearsal, ADA.username, "Managing editor of the quarterly engineering review")
        wait_for(lambda: _failed_exchange(window) is not None, 20_000)
        window.resize(*ROOM)
        window.view_controls.text_size_actions["large"].trigger()
        wait_for(lambda: _rejected_response(window) is not None, 10_000)
        yield Room(window, sandbox, rehearsal, application_id)


def change_job_title(rehearsal: Rehearsal, username: str, title: str) -> None:
    """Change a JumpCloud user's job title through JumpCloud's API, as an administrator's script would."""
    headers = {"x-api-key": rehearsal.api_key}
    users = rehearsal.jumpcloud_admin.get(
        f"{rehearsal.jumpcloud_url}/api/systemusers",
        headers=headers,
        params={"filter": f"username:$eq:{username}"},
    ).json()["results"]
    changed = rehearsal.jumpcloud_admin.put(
        f"{rehearsal.jumpcloud_url}/api/systemusers/{users[0]['_id']}", headers=headers, json={"jobTitle": title}
    )
    assert changed.status_code == 200, changed.text


def _failed_exchange(window: MainWindow) -> SandboxEvent | None:
    window.bridge.drain()
    traces = window.traffic_panels.scim_model.traces()
    return next((t for t in reversed(traces) if t.system == "jumpcloud" and t.data.get("status") == 503), None)


def _rejected_response(window: MainWindow) -> SandboxEvent | None:
    window.bridge.drain()
    traces = window.traffic_panels.saml_model.traces()
    return next((t for t in reversed(traces) if t.system == "blogin" and t.data.get("verdict") == "rejected"), None)


def settle(qtbot: QtBot) -> None:
    """Let the window lay itself out (docks raised, splitters sized)."""
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(50)


def row_in_sight(table: QTableView, row: int) -> bool:
    shown = table.viewport().rect()
    cell = table.visualRect(table.model().index(row, 0))
    return cell.isValid() and shown.intersects(cell) and cell.bottom() <= shown.bottom()


# -- SAML tracer ---------------------------------------------------------------------------------


def test_a_rejected_response_leaves_room_for_its_summary_xml_and_checks(room: Room, qtbot: QtBot) -> None:
    tracer = room.window.traffic_panels.tracer
    rejected = _rejected_response(room.window)
    assert rejected is not None
    assert tracer.show_trace(rejected.id)
    settle(qtbot)
    detail = tracer.detail
    assert detail.height() < 320, "the bottom dock of a 1280×720 window is short"
    # Why it was refused and what to fix are there whole, scrolled to if need be, never cut off …
    fix = detail.fix
    assert fix.isVisible()
    assert fix.height() >= fix.heightForWidth(fix.width())
    assert detail.verdict_scroll.isAncestorOf(fix)
    # … and the tabs below keep more than half of the panel, not a line or two.
    assert detail.tabs.height() >= detail.height() // 2


def test_the_receivers_checks_open_on_the_failed_check(room: Room, qtbot: QtBot) -> None:
    tracer = room.window.traffic_panels.tracer
    rejected = _rejected_response(room.window)
    assert rejected is not None
    tracer.detail.tabs.setCurrentIndex(0)
    tracer.show_trace(rejected.id)
    settle(qtbot)
    tabs = tracer.detail.tabs
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == "Receiver's checks"))
    settle(qtbot)
    checks = tracer.detail.checks
    failed = [row for row in range(checks.rowCount()) if str(checks.model().index(row, 1).data()).startswith("✘")]
    assert failed, "the receiver's checks name the one that failed"
    assert failed[0] > 0
    assert row_in_sight(checks, failed[0])


def test_a_message_that_cannot_be_saved_says_so_where_the_verdict_goes(
    room: Room, qtbot: QtBot, tmp_path: Path
) -> None:
    tracer = room.window.traffic_panels.tracer
    rejected = _rejected_response(room.window)
    assert rejected is not None
    tracer.show_trace(rejected.id)
    assert tracer.save_to_file(str(tmp_path / "no such folder" / "response.xml")) is None
    settle(qtbot)
    assert tracer.detail.reason.isVisible()
    assert tracer.detail.reason.text().startswith("Could not save to ")


# -- Drift view ----------------------------------------------------------------------------------


def selected_in_drift(room: Room) -> list[str]:
    """The user names of the drift view's selected rows, as highlighted."""
    drift = room.window.panels.drift
    rows = drift.table.selectionModel().selectedRows()
    return [drift.model.rows[index.row()].user_name for index in rows]


def drift_row(room: Room, user_name: str) -> int:
    rows = room.window.panels.drift.model.rows
    return next(row for row, found in enumerate(rows) if found.user_name == user_name)


def test_the_drift_views_columns_leave_the_room_to_the_differences(room: Room, qtbot: QtBot) -> None:
    drift = room.window.panels.drift
    drift.raise_()
    drift.refresh()
    settle(qtbot)
    table, header = drift.table, drift.table.horizontalHeader()
    differences = COLUMNS.index("Differences")
    ada = drift.model.index(drift_row(room, ADA.username), differences)
    shown = table.fontMetrics().horizontalAdvance(str(ada.data()))
    assert "Managing editor" in str(ada.data())
    if shown > header.sectionSize(differences):
        # The difference is cut short: no other column may keep more room than its text and title need.
        for column in range(len(COLUMNS)):
            if column == differences:
                continue
            needed = max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
            assert header.sectionSize(column) <= needed + 2, COLUMNS[column]


def test_the_drift_views_selection_stays_when_new_events_arrive(room: Room, qtbot: QtBot) -> None:
    drift = room.window.panels.drift
    drift.raise_()
    drift.refresh()
    settle(qtbot)
    drift.table.selectRow(drift_row(room, GRACE.username))
    assert selected_in_drift(room) == [GRACE.username]
    with qtbot.waitSignal(drift.model.modelReset, timeout=10_000):
        # Any change in JumpCloud: its events reach the window, which reads both systems again.
        room.rehearsal.create_user(DirectoryUser("linus", "linus@example.org", "Linus", "Torvalds"))
    settle(qtbot)
    assert selected_in_drift(room) == [GRACE.username]


# -- Edge cases ----------------------------------------------------------------------------------


def test_fault_settings_that_do_nothing_without_their_status_are_greyed_out(room: Room, qtbot: QtBot) -> None:
    dock = room.window.panels.edge_cases
    dock.raise_()
    dock.refresh()
    latency, status, nth, retry = dock.fault_rows["Users"]
    assert status.currentData() == 503
    # 503 on every call: which call may be chosen, Retry-After (sent only with 429) may not.
    assert latency.isEnabled() and nth.isEnabled()
    assert not retry.isEnabled()
    groups_latency, groups_status, groups_nth, groups_retry = dock.fault_rows["Groups"]
    assert groups_status.currentData() is None
    assert groups_latency.isEnabled()
    assert not groups_nth.isEnabled() and not groups_retry.isEnabled()

    status.setCurrentIndex(status.findData(429))
    status.activated.emit(status.currentIndex())
    try:
        assert retry.isEnabled() and nth.isEnabled()
        faults = {fault.endpoint: fault for fault in room.sandbox.blogin.integration_state().faults}
        assert faults["Users"].status == 429
    finally:
        dock.set_fault("Users", status=503)
    assert not retry.isEnabled()


# -- Guided walkthrough --------------------------------------------------------------------------


def test_enter_on_a_walkthrough_step_shows_its_page(room: Room, qtbot: QtBot) -> None:
    walkthrough = room.window.panels.walkthrough
    walkthrough.raise_()
    steps = walkthrough.list
    row = next(row for row in range(walkthrough.model.rowCount()) if walkthrough.model.steps[row].key == "authorize")
    steps.setFocus(Qt.FocusReason.TabFocusReason)
    steps.setCurrentIndex(walkthrough.model.index(row, 0))
    admin = room.window.browsers["jumpcloud-admin"]
    QTest.keyClick(steps, Qt.Key.Key_Return)
    wanted = f"/applications/{room.application_id}/groups"
    qtbot.waitUntil(lambda: admin.view.url().path() == wanted, timeout=10_000)


# -- Event log -----------------------------------------------------------------------------------


def selected_in_log(room: Room) -> list[SandboxEvent | None]:
    """The events of the event log's selected rows, as highlighted."""
    log = room.window.event_log
    return [log.model.event_at(index.row()) for index in log.table.selectionModel().selectedRows()]


def test_the_selected_event_stays_selected_when_a_filter_keeps_it(room: Room, qtbot: QtBot) -> None:
    log = room.window.event_log
    model = room.window.event_model
    log.raise_()
    failed = [row for row in range(model.rowCount()) if not model.event_at(row).success]  # type: ignore[union-attr]
    assert failed, "the refused sign-in and the SCIM fault's failures are logged"
    chosen = model.event_at(failed[0])
    assert chosen is not None
    log.table.selectRow(failed[0])
    record = log.detail.toPlainText()
    assert record
    try:
        log.failures_filter.click()  # Failures only: the failed event is still listed …
        settle(qtbot)
        assert selected_in_log(room) == [chosen]
        assert log.detail.toPlainText() == record
        row = model.row_of_event(chosen.id)
        assert row is not None and row_in_sight(log.table, row)
    finally:
        log.failures_filter.click()
    settle(qtbot)
    assert selected_in_log(room) == [chosen]  # … and still selected, and in sight, with every event shown again
    row = model.row_of_event(chosen.id)
    assert row is not None and row_in_sight(log.table, row)


# -- Flow diagram --------------------------------------------------------------------------------


def test_a_refused_sign_in_and_failed_requests_are_marked_in_the_flow_chooser(room: Room, qtbot: QtBot) -> None:
    flow = room.window.traffic_panels.flow
    flow.raise_()
    chooser = flow.chooser
    listed = [chooser.itemText(index) for index in range(chooser.count())]
    logins = [text for text in listed if text.startswith("SSO login at ")]
    assert len(logins) == 2, listed
    accepted, refused = logins
    assert "refused" not in accepted and "✘" not in accepted
    assert refused.endswith("— ✘ sign-in refused")
    runs = [text for text in listed if text.startswith("Provisioning run at ")]
    assert any("✘" in text and "failed" in text for text in runs), runs
    # In the list that drops down, the refused sign-in reads red; the one that went through does not.
    red = {chooser.itemData(index, Qt.ItemDataRole.ForegroundRole) is not None for index in range(chooser.count())}
    assert red == {True, False}
    index = listed.index(refused)
    flow.choose(index)
    settle(qtbot)
    title = next(item for item in flow.scene.items() if getattr(item, "text", lambda: "")() == refused)
    assert title.brush().color().name() == FAILING_RED.lower()  # type: ignore[attr-defined]


# -- Selections through the tracer's and the traffic panel's filters -------------------------------


def selected_traces(table: QTableView, model: TraceTableModel) -> list[str]:
    """The ids of the traces in the table's selected rows, as highlighted."""
    rows = table.selectionModel().selectedRows()
    return [trace.id for index in rows if (trace := model.trace_at(index.row())) is not None]


def test_the_selected_message_stays_selected_through_the_tracers_filter(room: Room, qtbot: QtBot) -> None:
    tracer = room.window.traffic_panels.tracer
    rejected = _rejected_response(room.window)
    assert rejected is not None
    tracer.show_filter.setCurrentIndex(0)
    tracer.show_trace(rejected.id)
    try:
        tracer.show_filter.setCurrentIndex(tracer.show_filter.findText("Rejected only"))
        settle(qtbot)
        assert selected_traces(tracer.table, tracer.model) == [rejected.id]
    finally:
        tracer.show_filter.setCurrentIndex(0)
    settle(qtbot)
    assert selected_traces(tracer.table, tracer.model) == [rejected.id]
    row = tracer.model.row_of(rejected.id)
    assert row is not None and row_in_sight(tracer.table, row)


def test_the_selected_exchange_stays_selected_through_the_traffic_filters(room: Room, qtbot: QtBot) -> None:
    traffic = room.window.traffic_panels.traffic
    failed = _failed_exchange(room.window)
    assert failed is not None
    traffic.show_trace(failed.id)
    try:
        traffic.status_filter.setCurrentIndex(traffic.status_filter.findData("5xx"))
        settle(qtbot)
        assert selected_traces(traffic.table, traffic.model) == [failed.id]
    finally:
        traffic.status_filter.setCurrentIndex(0)
    settle(qtbot)
    assert selected_traces(traffic.table, traffic.model) == [failed.id]
    assert traffic.error.isVisible() and "503" in traffic.error.text()


def test_the_flow_chooser_shows_a_failed_flows_whole_caption(room: Room, qtbot: QtBot) -> None:
    flow = room.window.traffic_panels.flow
    flow.raise_()
    chooser = flow.chooser
    runs = [i for i in range(chooser.count()) if chooser.itemText(i).startswith("Provisioning run at ")]
    failed = next(i for i in runs if chooser.itemText(i).endswith(" failed"))
    flow.choose(failed)
    caption = chooser.currentText()
    sizes = room.window.view_controls.text_size_actions
    try:
        for size in ("normal", "large"):
            sizes[size].trigger()
            settle(qtbot)
            # The caption fits in the box beside its drop-down arrow: nothing of it is cut off.
            room_for_text = chooser.width() - 40
            assert chooser.fontMetrics().horizontalAdvance(caption) <= room_for_text, (size, chooser.width())
    finally:
        sizes["large"].trigger()


# -- Larger text chosen while a list shows nothing ------------------------------------------------


def test_a_list_empty_when_the_text_grew_fits_its_columns_once_rows_show(room: Room, qtbot: QtBot) -> None:
    traffic = room.window.traffic_panels.traffic
    traffic.raise_()
    sizes = room.window.view_controls.text_size_actions
    header = traffic.table.horizontalHeader()
    path = COLUMN_OF_PATH
    try:
        sizes["normal"].trigger()
        # A filter that lists nothing (no SCIM exchange is redirected), then Large, then every exchange again.
        traffic.status_filter.setCurrentIndex(traffic.status_filter.findData("3xx"))
        assert traffic.model.rowCount() == 0
        sizes["large"].trigger()
        settle(qtbot)
        traffic.status_filter.setCurrentIndex(0)
        settle(qtbot)
        assert traffic.model.rowCount() > 0
        # Path, the column that stretches, keeps room for a path: not squeezed behind the others.
        shortest = min(
            traffic.table.fontMetrics().horizontalAdvance(str(traffic.model.index(row, path).data()))
            for row in range(traffic.model.rowCount())
        )
        assert header.sectionSize(path) >= max(shortest, header.sectionSizeHint(path))
        assert not traffic.table.horizontalScrollBar().isVisible()
    finally:
        traffic.status_filter.setCurrentIndex(0)
        sizes["large"].trigger()


# -- Edge cases from the keyboard ------------------------------------------------------------------


def test_the_clock_skew_slider_moved_by_the_keyboard_is_applied(room: Room, qtbot: QtBot) -> None:
    dock = room.window.panels.edge_cases
    dock.raise_()
    dock.refresh()
    slider = dock.skew_slider
    assert slider.isEnabled() and slider.value() == 0

    def skew() -> int:
        application = room.sandbox.jumpcloud.integration_state().application("blogin")
        assert application is not None
        return int(application.edge_cases.get("clockSkewMinutes") or 0)

    slider.setFocus(Qt.FocusReason.TabFocusReason)
    try:
        for _ in range(3):
            QTest.keyClick(slider, Qt.Key.Key_Left)
        assert dock.skew_value.text() == "-3 min"
        qtbot.waitUntil(lambda: skew() == -3, timeout=5_000)
        assert "Assertion: clock skew -3 min" in dock.summary.text()
    finally:
        dock.set_cases({"clockSkewMinutes": 0})
    assert skew() == 0 and slider.value() == 0


# -- New messages and exchanges come into sight --------------------------------------------------


def sign_in_and_wait(room: Room, qtbot: QtBot) -> None:
    """Ada signs in from the User Console tile; both systems' captures of it reach the tracer."""
    model = room.window.traffic_panels.saml_model
    before = model.total_count()
    room.rehearsal.idp_initiated_sign_in(ADA.username)

    def arrived() -> bool:
        room.window.bridge.drain()
        return model.total_count() >= before + 2

    qtbot.waitUntil(arrived, timeout=10_000)
    settle(qtbot)


def test_a_new_sign_ins_messages_come_into_sight_in_the_tracer(room: Room, qtbot: QtBot) -> None:
    tracer = room.window.traffic_panels.tracer
    tracer.raise_()
    tracer.show_filter.setCurrentIndex(0)
    settle(qtbot)
    table = tracer.table
    while tracer.model.rowCount() * table.rowHeight(0) <= table.viewport().height():
        sign_in_and_wait(room, qtbot)  # more messages than the panel shows
    table.scrollToBottom()
    settle(qtbot)
    sign_in_and_wait(room, qtbot)
    assert row_in_sight(table, tracer.model.rowCount() - 1)
    # Scrolled up to read an older message, the reader stays where they are.
    table.scrollToTop()
    settle(qtbot)
    sign_in_and_wait(room, qtbot)
    assert row_in_sight(table, 0)


# -- Words the panels share with BlogIn ------------------------------------------------------------


def test_the_scim_faults_say_they_are_blogins_test_faults_as_its_errors_do(room: Room) -> None:
    failed = _failed_exchange(room.window)
    assert failed is not None
    error = str(failed.data.get("response_body") or "")
    assert "Test faults page" in error  # what BlogIn answers JumpCloud, in the traffic panel and the event log
    dock = room.window.panels.edge_cases
    hints = [label.text() for label in dock.findChildren(QLabel) if label.objectName() == "edgeHint"]
    assert any("Test faults page" in hint for hint in hints), hints


# -- The SAML tracer's buttons at every text size --------------------------------------------------


def test_the_messages_buttons_share_the_row_of_its_tabs_at_every_text_size(room: Room, qtbot: QtBot) -> None:
    tracer = room.window.traffic_panels.tracer
    rejected = _rejected_response(room.window)
    assert rejected is not None
    tracer.show_filter.setCurrentIndex(0)
    tracer.show_trace(rejected.id)
    sizes = room.window.view_controls.text_size_actions
    tabs = tracer.detail.tabs
    buttons = (tracer.copy_xml_button, tracer.copy_base64_button, tracer.save_button)
    try:
        for size in ("normal", "large", "extra-large"):
            sizes[size].trigger()
            settle(qtbot)
            bar = tabs.tabBar()
            row = QRect(bar.mapTo(tracer, bar.rect().topLeft()), bar.size())
            for button in buttons:
                assert button.isVisible() and button.isEnabled()
                middle = button.mapTo(tracer, button.rect().center()).y()
                # No row of their own above the message: the Summary, XML and checks keep that room.
                assert row.top() <= middle <= row.bottom(), (size, button.text())
                assert button.fontMetrics().horizontalAdvance(button.text()) < button.width(), (size, button.text())
            # Every tab whole beside them, none behind scroll arrows.
            assert bar.width() >= bar.sizeHint().width(), size
    finally:
        sizes["large"].trigger()


# -- List columns at larger panel text -------------------------------------------------------------


def test_an_empty_list_fits_its_columns_at_larger_text(room: Room, qtbot: QtBot) -> None:
    traffic = room.window.traffic_panels.traffic
    traffic.raise_()
    sizes = room.window.view_controls.text_size_actions
    header = traffic.table.horizontalHeader()
    try:
        sizes["normal"].trigger()
        traffic.status_filter.setCurrentIndex(traffic.status_filter.findData("3xx"))
        assert traffic.model.rowCount() == 0
        for size in ("large", "extra-large"):
            sizes[size].trigger()
            settle(qtbot)
            # Every heading whole in the empty list, none behind a horizontal scroll bar, Path not squeezed.
            assert not traffic.table.horizontalScrollBar().isVisible(), size
            for column in range(header.count()):
                assert header.sectionSize(column) >= header.sectionSizeHint(column) - 2, (size, column)
    finally:
        traffic.status_filter.setCurrentIndex(0)
        sizes["large"].trigger()


def test_the_tracers_verdict_is_in_sight_at_extra_large_on_a_1280_px_window(room: Room, qtbot: QtBot) -> None:
    tracer = room.window.traffic_panels.tracer
    tracer.raise_()
    tracer.show_filter.setCurrentIndex(0)
    sizes = room.window.view_controls.text_size_actions
    table = tracer.table
    rejected = _rejected_response(room.window)
    assert rejected is not None
    row = tracer.model.row_of(rejected.id)
    assert row is not None
    try:
        for size in ("normal", "large", "extra-large"):
            sizes[size].trigger()
            settle(qtbot)
            table.horizontalScrollBar().setValue(0)
            cell = table.visualRect(tracer.model.index(row, VERDICT))
            # The whole word "Rejected" in sight without scrolling sideways.
            words = table.fontMetrics().horizontalAdvance("Rejected")
            assert cell.left() >= 0 and cell.left() + words <= table.viewport().width(), (size, cell)
            assert tracer.model.index(row, VERDICT).data() == "Rejected"
            # Nothing else behind a horizontal scroll bar: the message's type is the column that gives way.
            assert not table.horizontalScrollBar().isVisible(), size
    finally:
        sizes["large"].trigger()


def test_scim_traffics_fixed_columns_take_no_more_than_their_text_at_large(room: Room, qtbot: QtBot) -> None:
    traffic = room.window.traffic_panels.traffic
    traffic.raise_()
    sizes = room.window.view_controls.text_size_actions
    table = traffic.table
    header = table.horizontalHeader()
    try:
        sizes["normal"].trigger()
        sizes["large"].trigger()
        settle(qtbot)
        assert traffic.model.rowCount() > 0
        for column in (TRAFFIC_STATUS, TRAFFIC_LATENCY, TRAFFIC_METHOD):
            needed = max(header.sectionSizeHint(column), table.sizeHintForColumn(column))
            # Whole, and no wider: the room left goes to Path.
            assert needed - 2 <= header.sectionSize(column) <= needed + 2, (column, header.sectionSize(column), needed)
    finally:
        sizes["large"].trigger()


def test_a_later_exchanges_longer_status_is_whole_at_large(room: Room, qtbot: QtBot) -> None:
    answered = [t for t in room.window.traffic_panels.scim_model.traces() if t.data.get("status") is not None]
    model = ScimTrafficModel()
    dock = ScimTrafficDock(model)
    qtbot.addWidget(dock)
    dock.resize(1000, 300)
    dock.show()
    model.append_traces(answered)
    scale_text(dock, LARGE.scale)
    settle(qtbot)
    # The columns fitted to "201" and "503"; then a request that never got an answer.
    unanswered = replace(
        answered[-1],
        id="unanswered",
        timestamp=answered[-1].timestamp + timedelta(seconds=1),
        data={
            **answered[-1].data,
            "status": None,
            "response_headers": {},
            "response_body": None,
            "latency_ms": 30012.0,
        },
    )
    model.append_traces([unanswered])
    settle(qtbot)
    row = model.row_of("unanswered")
    assert row is not None
    table = dock.table
    for column in (TRAFFIC_STATUS, TRAFFIC_LATENCY):
        index = model.index(row, column)
        assert table.horizontalHeader().sectionSize(column) >= table.sizeHintForIndex(index).width(), index.data()
