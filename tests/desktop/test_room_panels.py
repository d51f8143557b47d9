"""The docks as a trainer shows them to a room: a 1280×720 projector, View › Panel text size › Large.

One rehearsal over HTTP feeds the real window: SSO configured both ways, users provisioned by
Identity Management, a sign-in BlogIn refuses (the "wrong audience" edge case), then a SCIM fault on
BlogIn's Users endpoint while a job title changes, so that a provisioning request fails and the drift
view has a difference to show.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QTableView
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.window import MainWindow
from sandbox.events import SandboxEvent
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from tests.desktop.conftest import wait_for

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


def _provisioned(sandbox: Sandbox, emails: set[str]) -> bool:
    created = [
        str(trace.data.get("request_body") or "")
        for trace in sandbox.jumpcloud.recent_traces("scim")
        if trace.data.get("method") == "POST" and trace.data.get("status") == 201
    ]
    return all(any(f'"{email}"' in body for body in created) for email in emails)


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
        while not _provisioned(sandbox, {ADA.email, GRACE.email}):
            assert time.monotonic() < deadline, "JumpCloud provisioned nobody"
            time.sleep(0.1)
        rehearsal.idp_initiated_sign_in(ADA.username)
        sandbox.jumpcloud.set_edge_cases(application_id, {"wrongAudience": True})
        rehearsal.idp_initiated_sign_in(GRACE.username)
        sandbox.jumpcloud.set_edge_cases(application_id, {"wrongAudience": False})
        window.resize(*ROOM)
        window.view_controls.text_size_actions["large"].trigger()
        wait_for(lambda: _rejected_response(window) is not None, 10_000)
        yield Room(window, sandbox, rehearsal, application_id)


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
