"""After File › Reset sandbox… the panels say what is true now: no record, message or exchange from
before it stays on show, and the Guided walkthrough starts again from nothing done."""

from __future__ import annotations

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.dialogs import guide_text
from sandbox.desktop.walkthrough import STEPS, WalkthroughDock
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from tests.desktop.conftest import answer_next_dialog

pytestmark = pytest.mark.desktop

ADA = DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer")
NOTHING_DONE = f"0 of {len(STEPS)} steps done"


def ticked(dock: WalkthroughDock) -> list[str]:
    """The labels a user sees with a tick, top to bottom."""
    model = dock.model
    return [
        str(model.index(row, 0).data())
        for row in range(model.rowCount())
        if model.index(row, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    ]


def follow_the_guide(sandbox: Sandbox) -> None:
    """SSO configured, Ada signs in from the User Console, Identity Management provisions her."""
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as guide:
        guide.sign_in_admins()
        guide.create_blogin_application()
        guide.configure_sso()
        guide.authorize_groups([guide.create_group("Writers", [guide.create_user(ADA)])])
        assert guide.idp_initiated_sign_in("ada").status_code == 303
        guide.activate_identity_management(*guide.enable_blogin_provisioning())


def test_after_a_reset_no_panel_shows_what_was_before_and_the_walkthrough_starts_again(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, client: httpx.Client
) -> None:
    log, walkthrough = window.event_log, window.panels.walkthrough
    tracer, traffic = window.traffic_panels.tracer, window.traffic_panels.traffic
    follow_the_guide(module_sandbox)
    client.post(f"{module_sandbox.blogin.base_url}/login", data={"email": "olive@acme.example", "password": "x"})

    # Before: a failed event's record and reason, a SAML message and a SCIM exchange on show.
    def failed_row() -> int | None:
        return next(
            (row for row in range(log.model.rowCount()) if "olive@acme.example" in log.model.event_at(row).summary),
            None,
        )

    qtbot.waitUntil(lambda: failed_row() is not None, timeout=10_000)
    log.show()
    log.raise_()
    log.table.selectRow(failed_row())
    assert "olive@acme.example" in log.detail.toPlainText()
    assert not log.reason.isHidden() and log.reason.text()
    qtbot.waitUntil(lambda: tracer.model.rowCount() > 0 and traffic.model.rowCount() > 0, timeout=10_000)
    tracer.table.selectRow(0)
    traffic.table.selectRow(0)
    assert tracer.detail.placeholder.isHidden() and tracer.copy_xml_button.isEnabled()
    assert traffic.placeholder.isHidden() and traffic.request_view.toPlainText()
    qtbot.waitUntil(lambda: len(ticked(walkthrough)) >= 8, timeout=10_000)

    seen: list[str] = []
    answer_next_dialog("Reset sandbox", seen)
    assert window.reset_action.trigger() is None and seen

    # The event log: the old record and reason are gone with their row.
    assert "olive@acme.example" not in log.detail.toPlainText()
    assert log.detail.toPlainText() == ""
    assert log.detail.placeholderText() == "Select an event to see its full record."
    assert log.reason.isHidden()
    # The SAML tracer and SCIM traffic: back to what they show before anything is chosen.
    assert tracer.detail.title.text() == "Select a message to see what it says."
    assert not tracer.detail.placeholder.isHidden() and tracer.detail.tabs.isHidden()
    assert tracer.detail.badge.isHidden() and tracer.detail.reason.isHidden()
    assert not tracer.copy_xml_button.isEnabled() and not tracer.save_button.isEnabled()
    assert traffic.title.text() == "Select an exchange to see its request and response."
    assert not traffic.placeholder.isHidden() and traffic.tabs.isHidden()
    assert traffic.what.isHidden() and traffic.error.isHidden() and traffic.event_button.isHidden()
    # The walkthrough: both systems are at first-run state, so nothing is done, earlier or now.
    assert walkthrough.progress_label.text() == NOTHING_DONE
    assert ticked(walkthrough) == []
    assert walkthrough.step_title.text() == "Creating the application"
    assert walkthrough.step_where.text().startswith("Not done yet")
    # Started again (the progress is kept in the data folder), it reads the same.
    again = WalkthroughDock(module_sandbox, window.layout_settings, guide_text(), lambda _key, _url: None)
    qtbot.addWidget(again)
    assert again.progress_label.text() == NOTHING_DONE

    # Steps done afterwards tick as they are done, and only they.
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as guide:
        guide.sign_in_admins()
        guide.create_blogin_application()
    qtbot.waitUntil(lambda: ticked(walkthrough) == ["Creating the application"], timeout=10_000)
    assert walkthrough.progress_label.text() == f"1 of {len(STEPS)} steps done"
