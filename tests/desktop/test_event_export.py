"""Event log extras in the real window: export to CSV and JSON, JSON detail, open the related message."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.event_export import event_json
from sandbox.desktop.window import MainWindow
from tests.desktop.traffic_fixtures import record_provisioning_run, record_sso_login, saml_parties


def select_event(window: MainWindow, event_id: str) -> None:
    assert window.traffic_panels.open_event(event_id)


def test_panels_are_docked_and_listed_in_the_view_menu(window: MainWindow) -> None:
    panels = window.traffic_panels
    names = {panels.tracer.windowTitle(), panels.traffic.windowTitle(), panels.flow.windowTitle()}
    assert names == {"SAML tracer", "SCIM traffic", "Flow diagram"}
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    texts = [a.text() for a in view.actions()]
    assert {"Event log", "SAML tracer", "SCIM traffic", "Flow diagram"} <= set(texts)


def test_a_provisioning_event_opens_its_exchange(qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox) -> None:
    event_ids = record_provisioning_run(module_sandbox, users=1, valid_token=False)
    panels = window.traffic_panels
    qtbot.waitUntil(lambda: panels.scim_model.exchange_of_event(event_ids[0]) is not None, timeout=5000)
    qtbot.waitUntil(lambda: window.event_model.total_count() > 0, timeout=5000)
    select_event(window, event_ids[0])
    extras = panels.extras
    assert extras is not None and extras.related_button.isEnabled()
    extras.related_button.click()
    assert panels.traffic.current is not None and panels.traffic.current.related_id == event_ids[0]
    assert panels.traffic.current.data["status"] == 401
    # …and back from the exchange to its event.
    panels.traffic.event_button.click()
    selected = extras.selected_event()
    assert selected is not None and selected.id == event_ids[0]
    # The JSON detail of the event.
    extras.copy_json()
    detail = json.loads(QGuiApplication.clipboard().text())
    assert detail["event_type"] == "user_create_provision" and detail["data"]["success"] is False
    assert QGuiApplication.clipboard().text() == event_json(selected)


def test_live_sso_messages_reach_the_tracer_and_the_flow(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, tmp_path: Path
) -> None:
    ids = record_sso_login(module_sandbox, saml_parties(module_sandbox, tmp_path))
    panels = window.traffic_panels
    qtbot.waitUntil(lambda: panels.saml_model.trace(ids["response_received"]) is not None, timeout=5000)
    assert panels.flow.recorder.current is not None and panels.flow.recorder.current.title == "SSO login"
    assert panels.flow.scene.arrows[-1].step.label == "Signed in: BlogIn session cookie"
    assert panels.open_message("saml", ids["response_received"])
    assert panels.tracer.detail.badge.text() == "Accepted"
    live = [arrow.step.label for arrow in panels.flow.scene.arrows]
    assert "Log in to the User Console" in live
    # Loaded again from what the systems stored (as after a restart or a reset), the login reads the same.
    panels.reload()
    again = next(f for f in reversed(panels.flow.recorder.flows) if f.title == "SSO login")
    assert [step.label for step in again.steps] == live


def test_export_csv_and_json_of_the_shown_events(window: MainWindow, tmp_path: Path) -> None:
    extras = window.traffic_panels.extras
    assert extras is not None
    shown = extras.shown_events()
    assert shown, "the log has events by now"
    csv_path = extras.export("csv", str(tmp_path / "events.csv"))
    json_path = extras.export("json", str(tmp_path / "events.json"))
    assert csv_path is not None and json_path is not None
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(shown)
    assert rows[-1]["event_type"] == shown[-1].event_type and rows[-1]["id"] == shown[-1].id
    assert {r["result"] for r in rows} <= {"Success", "Failure"}
    records = json.loads(json_path.read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == [e.id for e in shown]
    assert records[0]["data"] == json.loads(json.dumps(shown[0].data, default=str))


def test_export_follows_the_filter(qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, tmp_path: Path) -> None:
    # Its own provisioning attempt: the test does not rely on another having run first in this process.
    event_ids = record_provisioning_run(module_sandbox, users=1, valid_token=False)
    qtbot.waitUntil(lambda: window.event_model.row_of_event(event_ids[0]) is not None, timeout=5000)
    log = window.event_log
    log.text_filter.setText("user_create_provision")
    log.apply_filter()
    extras = window.traffic_panels.extras
    assert extras is not None
    path = extras.export("json", str(tmp_path / "filtered.json"))
    assert path is not None
    records = json.loads(path.read_text(encoding="utf-8"))
    assert records and {r["event_type"] for r in records} == {"user_create_provision"}
    log.text_filter.clear()
    log.apply_filter()
