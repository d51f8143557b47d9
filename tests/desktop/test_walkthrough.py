"""The Guided walkthrough: each step ticks itself when the systems reach its state over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.bridge import EventBridge
from sandbox.desktop.dialogs import guide_text
from sandbox.desktop.walkthrough import STEPS, WalkthroughDock
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from tests.desktop.conftest import answer_next_dialog, blogin_only_account

pytestmark = pytest.mark.desktop

ADA = DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer")
RAVI = "ravi@acme.example"


class Opened:
    """Records what Show me asked a persona's browser to open."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, persona: str, url: str) -> None:
        self.calls.append((persona, url))


@pytest.fixture
def store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "desktop.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def opened() -> Opened:
    return Opened()


@pytest.fixture
def dock(qtbot: QtBot, sandbox: Sandbox, store: QSettings, opened: Opened) -> Iterator[WalkthroughDock]:
    widget = WalkthroughDock(sandbox, store, guide_text(), opened)
    qtbot.addWidget(widget)
    bridge = EventBridge(sandbox.bus)
    bridge.events_arrived.connect(widget.schedule_refresh)
    yield widget
    bridge.close()


@pytest.fixture
def rehearsal(sandbox: Sandbox) -> Iterator[Rehearsal]:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as running:
        running.sign_in_admins()
        yield running


def ticked(dock: WalkthroughDock) -> list[str]:
    """The labels a user sees with a tick, top to bottom."""
    model = dock.model
    return [
        str(model.data(model.index(row, 0)))
        for row in range(model.rowCount())
        if model.data(model.index(row, 0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    ]


def test_a_fresh_sandbox_has_nothing_ticked_and_every_step_has_the_guides_text(dock: WalkthroughDock) -> None:
    assert dock.progress_label.text() == f"0 of {len(STEPS)} steps done"
    assert ticked(dock) == []
    for row, step in enumerate(STEPS):
        dock.list.setCurrentIndex(dock.model.index(row, 0))
        assert dock.step_title.text() == step.label
        assert dock.step_guide.toPlainText().strip(), step.key
    dock.list.setCurrentIndex(dock.model.index(0, 0))
    assert "Click + Add New Application." in dock.step_guide.toPlainText()


def test_steps_tick_themselves_as_the_guide_is_followed(
    qtbot: QtBot, dock: WalkthroughDock, rehearsal: Rehearsal, sandbox: Sandbox
) -> None:
    rehearsal.create_blogin_application()
    qtbot.waitUntil(lambda: ticked(dock) == ["Creating the application"], timeout=5000)

    rehearsal.upload_sp_metadata(rehearsal.download_blogin_metadata())
    qtbot.waitUntil(lambda: "Configuring SSO — JumpCloud" in ticked(dock), timeout=5000)
    assert "Configuring SSO — BlogIn 1" in ticked(dock)
    assert "Configuring SSO — BlogIn 2" not in ticked(dock)

    rehearsal.configure_blogin_sso(rehearsal.metadata_url())
    qtbot.waitUntil(lambda: "Configuring SSO — BlogIn 2" in ticked(dock), timeout=5000)
    assert "Configuring SSO — Copy the metadata URL" in ticked(dock)
    assert "Authorizing user SSO access" not in ticked(dock)

    user_id = rehearsal.create_user(ADA)
    rehearsal.authorize_groups([rehearsal.create_group("Writers", [user_id])])
    qtbot.waitUntil(lambda: "Authorizing user SSO access" in ticked(dock), timeout=5000)

    assert rehearsal.idp_initiated_sign_in("ada").status_code == 303
    qtbot.waitUntil(lambda: "Validating — IdP-initiated" in ticked(dock), timeout=5000)
    # Ada had no BlogIn account: the assertion created her (JIT).
    qtbot.waitUntil(lambda: "Using JIT provisioning" in ticked(dock), timeout=5000)
    assert "Validating — SP-initiated" not in ticked(dock)

    assert rehearsal.sp_initiated_sign_in("ada").status_code == 303
    qtbot.waitUntil(lambda: "Validating — SP-initiated" in ticked(dock), timeout=5000)

    base_url, token = rehearsal.enable_blogin_provisioning()
    qtbot.waitUntil(lambda: "Configuring Identity Management — BlogIn" in ticked(dock), timeout=5000)
    assert dock.progress_label.text() == f"10 of {len(STEPS)} steps done"
    assert "Configuring Identity Management — JumpCloud" not in ticked(dock)

    rehearsal.activate_identity_management(base_url, token)
    qtbot.waitUntil(lambda: "Configuring Identity Management — JumpCloud" in ticked(dock), timeout=5000)
    assert "Importing users" not in ticked(dock)

    # Someone who has a BlogIn account but no JumpCloud user: the manual import brings them over.
    blogin_only_account(base_url, token, RAVI, "Ravi", "Shah")
    import_url = f"{sandbox.jumpcloud.base_url}/applications/{rehearsal.application_id}/identity-management/import"
    listing = rehearsal.jumpcloud_admin.get(import_url, params={"new_only": "1"})
    assert listing.status_code == 200 and RAVI in listing.text
    imported = rehearsal.jumpcloud_admin.post(
        import_url, data={"scim_id": re.findall(r'name="scim_id" value="([^"]+)"', listing.text)}
    )
    assert imported.status_code == 200 and "Import results" in imported.text
    qtbot.waitUntil(lambda: "Importing users" in ticked(dock), timeout=5000)
    assert dock.progress_label.text() == f"12 of {len(STEPS)} steps done"

    rehearsal.delete_application()
    qtbot.waitUntil(lambda: "Removing the integration" in ticked(dock), timeout=5000)
    # Seen earlier, so still ticked although the application is gone now.
    assert "Creating the application" in ticked(dock)
    tip = dock.model.data(dock.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Done earlier (the systems have moved on since)."


def test_progress_is_remembered_and_a_trainer_can_reset_it(
    qtbot: QtBot,
    sandbox: Sandbox,
    store: QSettings,
    opened: Opened,
    rehearsal: Rehearsal,
) -> None:
    first = WalkthroughDock(sandbox, store, guide_text(), opened)
    qtbot.addWidget(first)
    rehearsal.create_blogin_application()
    first.refresh()
    assert ticked(first) == ["Creating the application"]

    sandbox.reset()
    again = WalkthroughDock(sandbox, store, guide_text(), opened)
    qtbot.addWidget(again)
    assert ticked(again) == ["Creating the application"]
    assert again.progress_label.text() == f"1 of {len(STEPS)} steps done"

    asked: list[str] = []
    answer_next_dialog("Reset progress", asked)
    assert again.confirm_reset_progress()
    assert "Forget which steps were done earlier?" in asked[0]
    assert ticked(again) == []
    assert again.progress_label.text() == f"0 of {len(STEPS)} steps done"


def test_show_me_opens_the_steps_page_in_the_right_persona(
    dock: WalkthroughDock, opened: Opened, sandbox: Sandbox, rehearsal: Rehearsal
) -> None:
    dock.list.setCurrentIndex(dock.model.index(0, 0))
    dock.show_me_button.click()
    assert opened.calls[-1] == ("jumpcloud-admin", f"{sandbox.jumpcloud.base_url}/applications/new")

    application_id = rehearsal.create_blogin_application()
    dock.refresh()
    row = next(row for row, step in enumerate(STEPS) if step.key == "authorize")
    dock.list.setCurrentIndex(dock.model.index(row, 0))
    dock.show_me_button.click()
    assert opened.calls[-1] == ("jumpcloud-admin", f"{sandbox.jumpcloud.base_url}/applications/{application_id}/groups")

    row = next(row for row, step in enumerate(STEPS) if step.key == "validate-idp")
    dock.list.setCurrentIndex(dock.model.index(row, 0))
    assert "as the End User" in dock.step_where.text()
    dock.show_me_button.click()
    assert opened.calls[-1] == ("end-user", f"{sandbox.jumpcloud.base_url}/userconsole")


def test_the_checklist_model_passes_the_model_tester(qtmodeltester: object, dock: WalkthroughDock) -> None:
    qtmodeltester.check(dock.model)  # type: ignore[attr-defined]


def selected_label(dock: WalkthroughDock) -> str:
    """The step highlighted in the list, and the title the step's pane shows below it."""
    rows = dock.list.selectionModel().selectedRows()
    assert len(rows) == 1
    label = str(rows[0].data())
    assert dock.step_title.text() == label
    return label


def click_step(qtbot: QtBot, dock: WalkthroughDock, label: str) -> None:
    row = next(row for row, step in enumerate(STEPS) if step.label == label)
    where = dock.list.visualRect(dock.model.index(row, 0)).center()
    qtbot.mouseClick(dock.list.viewport(), Qt.MouseButton.LeftButton, pos=where)


def test_the_selection_moves_on_to_the_next_step_to_do_unless_one_was_just_picked(
    qtbot: QtBot, dock: WalkthroughDock, rehearsal: Rehearsal
) -> None:
    dock.resize(420, 900)
    dock.show()
    qtbot.waitExposed(dock)
    assert selected_label(dock) == "Creating the application"

    rehearsal.create_blogin_application()
    qtbot.waitUntil(lambda: selected_label(dock) == "Configuring SSO — BlogIn 1", timeout=5000)
    rehearsal.upload_sp_metadata(rehearsal.download_blogin_metadata())
    # BlogIn 1 and JumpCloud done: past both, to the first step still to do.
    qtbot.waitUntil(lambda: selected_label(dock) == "Configuring SSO — Copy the metadata URL", timeout=5000)

    # Someone picks a done step to read it: the next tick leaves them on it.
    dock.pick_hold_seconds = 3600.0
    click_step(qtbot, dock, "Creating the application")
    assert selected_label(dock) == "Creating the application"
    rehearsal.configure_blogin_sso(rehearsal.metadata_url())
    qtbot.waitUntil(lambda: "Configuring SSO — BlogIn 2" in ticked(dock), timeout=5000)
    assert selected_label(dock) == "Creating the application"

    # Once they have read it (no recent pick), the next tick moves on from there.
    dock.pick_hold_seconds = 0.0
    rehearsal.authorize_groups([rehearsal.create_group("Writers", [rehearsal.create_user(ADA)])])
    qtbot.waitUntil(lambda: selected_label(dock) == "Validating — IdP-initiated", timeout=5000)
    # A step not yet done that someone picks is left alone when another one ticks.
    click_step(qtbot, dock, "Validating — SP-initiated")
    assert rehearsal.idp_initiated_sign_in("ada").status_code == 303
    qtbot.waitUntil(lambda: "Validating — IdP-initiated" in ticked(dock), timeout=5000)
    assert selected_label(dock) == "Validating — SP-initiated"
