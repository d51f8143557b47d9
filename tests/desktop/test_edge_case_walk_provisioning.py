"""SCIM faults and JumpCloud's group rules walked as a tester walks them, in the real window.

JumpCloud provisions into BlogIn for real (its worker, over HTTP). A forced SCIM status is switched on
in the Edge cases panel while a user joins the group: the SCIM traffic panel and the event log must
say, in words, what JumpCloud asked and why BlogIn refused it, and All off must let the retry through.
Then users lose BlogIn three ways (removed from the group, the group deleted, the group unticked on
the User Groups tab): the drift view and the SCIM traffic must say what happened and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt

from sandbox.app import Sandbox
from sandbox.blogin.services.integration_state import BlogInUserView
from sandbox.desktop.drift.compare import DriftRow
from sandbox.desktop.window import MainWindow
from sandbox.events import SandboxEvent
from sandbox.events.traces import SCIM
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal
from tests.desktop.clicking import click, follow, go_to, spin, type_into, wait_for_page
from tests.desktop.conftest import wait_for

pytestmark = pytest.mark.desktop

PROVISIONING_TIMEOUT_MS = 30_000


@dataclass
class Provisioning:
    window: MainWindow
    sandbox: Sandbox
    rehearsal: Rehearsal
    group_id: str

    def add_member(self, group_id: str, user_id: str) -> None:
        self._members(group_id, "add", user_id)

    def remove_member(self, group_id: str, user_id: str) -> None:
        self._members(group_id, "remove", user_id)

    def _members(self, group_id: str, op: str, user_id: str) -> None:
        rehearsal = self.rehearsal
        response = rehearsal.jumpcloud_admin.post(
            f"{self.sandbox.jumpcloud.base_url}/api/v2/usergroups/{group_id}/members",
            headers={"x-api-key": rehearsal.api_key},
            json={"op": op, "type": "user", "id": user_id},
        )
        assert response.status_code in (200, 204), response.text

    def delete_group(self, group_id: str) -> None:
        rehearsal = self.rehearsal
        response = rehearsal.jumpcloud_admin.delete(
            f"{self.sandbox.jumpcloud.base_url}/api/v2/usergroups/{group_id}", headers={"x-api-key": rehearsal.api_key}
        )
        assert response.status_code in (200, 204), response.text


def blogin_user(sandbox: Sandbox, user_name: str) -> BlogInUserView | None:
    return next((user for user in sandbox.blogin.user_directory() if user.user_name == user_name), None)


def exchanges(window: MainWindow, keep: Callable[[SandboxEvent], bool]) -> list[SandboxEvent]:
    """JumpCloud's side of the SCIM exchanges the traffic panel holds that ``keep`` accepts."""
    return [trace for trace in window.traffic_panels.scim_model.traces() if trace.system == "jumpcloud" and keep(trace)]


def settle_until(condition: Callable[[], bool], timeout_ms: int = PROVISIONING_TIMEOUT_MS) -> None:
    """Let the window run (events, traces) until ``condition`` holds."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        assert time.monotonic() < deadline, "provisioning did not get there in time"
        spin(100)


@pytest.fixture(scope="module")
def provisioning(window: MainWindow, module_sandbox: Sandbox) -> Iterator[Provisioning]:
    """SSO and Identity Management active; Ada bound to BlogIn through Writers and provisioned."""
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        ada = rehearsal.create_user(DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace"))
        writers = rehearsal.create_group("Writers", [ada])
        rehearsal.authorize_groups([writers])
        base_url, token = rehearsal.enable_blogin_provisioning()
        rehearsal.activate_identity_management(base_url, token)
        settle_until(lambda: blogin_user(module_sandbox, "ada") is not None)
        yield Provisioning(window, module_sandbox, rehearsal, writers)
    window.panels.edge_cases.all_off()


def test_a_forced_scim_status_is_said_in_words_and_all_off_lets_the_retry_through(
    provisioning: Provisioning,
) -> None:
    window, sandbox = provisioning.window, provisioning.sandbox
    dock = window.panels.edge_cases
    _latency, status, _nth, _retry = dock.fault_rows["Users"]
    status.setCurrentIndex(status.findData(503))
    status.activated.emit(status.currentIndex())
    assert dock.summary.text() == "On: SCIM Users: 503"

    grace = provisioning.rehearsal.create_user(DirectoryUser("grace", "grace@example.org", "Grace", "Hopper"))
    provisioning.add_member(provisioning.group_id, grace)

    def refused() -> list[SandboxEvent]:
        return exchanges(window, lambda trace: trace.data.get("status") == 503)

    settle_until(lambda: bool(refused()))
    exchange = refused()[0]
    traffic = window.traffic_panels.traffic
    assert traffic.show_trace(exchange.id)
    assert traffic.what.text().startswith("Looks for a user (filter), because JumpCloud looks for a user in BlogIn")
    assert traffic.error.isVisible()
    assert traffic.error.text().startswith("Answered 503: ") and "Test fault" in traffic.error.text()

    # The event log: JumpCloud's failed attempt, why in words, and the exchange it is about.
    model, log = window.event_model, window.event_log
    assert exchange.related_id is not None
    wait_for(lambda: model.row_of_event(exchange.related_id or "") is not None, 10_000)
    row = model.row_of_event(exchange.related_id)
    assert row is not None
    log.show()
    log.raise_()
    log.table.selectRow(row)
    assert log.reason.isVisible() and "503" in log.reason.text() and "retrying" in log.reason.text()
    extras = window.traffic_panels.extras
    assert extras is not None and extras.related_button.isEnabled()
    other = next(trace for trace in exchanges(window, lambda t: True) if trace.id != exchange.id)
    assert traffic.show_trace(other.id) and traffic.current is other  # the tester was looking elsewhere
    extras.related_button.click()
    assert traffic.current is not None and traffic.current.id == exchange.id

    # All off: JumpCloud's next retry goes through and Grace is created in BlogIn.
    dock.all_off_button.click()
    assert dock.summary.text() == "Everything behaves normally."

    def grace_created(trace: SandboxEvent) -> bool:
        data = trace.data
        return data.get("method") == "POST" and data.get("status") == 201 and "grace" in str(data.get("request_body"))

    settle_until(lambda: bool(exchanges(window, grace_created)))
    created = blogin_user(sandbox, "grace")
    assert created is not None and created.active


def drift_row(window: MainWindow, user_name: str) -> DriftRow:
    drift = window.panels.drift
    drift.refresh()
    return next(row for row in drift.model.rows if row.user_name == user_name)


def test_losing_blogin_through_groups_is_explained_in_the_drift_view_and_the_traffic(
    provisioning: Provisioning,
) -> None:
    window, sandbox = provisioning.window, provisioning.sandbox
    before = {trace.id for trace in window.traffic_panels.scim_model.traces()}  # Activate's test, the fault test
    rehearsal = provisioning.rehearsal
    ids = {
        name: rehearsal.create_user(DirectoryUser(name, f"{name}@example.org", name.title(), "Tester"))
        for name in ("ines", "omar", "lena", "karl")
    }
    removing = rehearsal.create_group("Removing", [ids["ines"]])
    deleting = rehearsal.create_group("Deleting", [ids["omar"]])
    unticking = rehearsal.create_group("Unticking", [ids["lena"], ids["karl"]])
    staying = rehearsal.create_group("Staying", [ids["karl"]])
    rehearsal.authorize_groups([provisioning.group_id, removing, deleting, unticking, staying])
    settle_until(lambda: all((user := blogin_user(sandbox, n)) is not None and user.active for n in ids))
    assert drift_row(window, "ines").in_jumpcloud == "Authorized"

    provisioning.remove_member(removing, ids["ines"])  # removed from the group
    provisioning.delete_group(deleting)  # the group deleted
    rehearsal.authorize_groups([provisioning.group_id, removing, staying])  # Unticking unticked

    gone = ("ines", "omar", "lena")
    settle_until(lambda: all((user := blogin_user(sandbox, n)) is not None and not user.active for n in gone))
    karl = blogin_user(sandbox, "karl")
    assert karl is not None and karl.active  # Staying still grants him BlogIn

    # The drift view: no longer authorized, deactivated and kept, and why when the tester hovers.
    for name in gone:
        row = drift_row(window, name)
        assert (row.in_jumpcloud, row.in_blogin) == ("No longer authorized", "Inactive")
        assert row.next_sync == "Nothing: deactivated in BlogIn, kept (not deleted)"
        index = window.panels.drift.model.index(window.panels.drift.model.rows.index(row), 1)
        tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
        assert tooltip.startswith("In no user group ticked for BlogIn any more") and "never deletes" in tooltip
    assert drift_row(window, "karl").in_jumpcloud == "Authorized"

    # The SCIM traffic: each deactivation and the group's deletion, in words with their reason.
    traffic = window.traffic_panels.traffic

    def deactivations() -> list[SandboxEvent]:
        return exchanges(window, lambda t: t.id not in before and t.data.get("operation") == "user_deprovision")

    def group_deletions() -> list[SandboxEvent]:
        return exchanges(window, lambda t: t.id not in before and t.data.get("operation") == "group_delete_provision")

    # JumpCloud stores its side of the exchanges in batches: wait for the panel to hold them.
    settle_until(lambda: len(deactivations()) >= len(gone) and bool(group_deletions()))
    assert len(deactivations()) == len(gone)
    assert traffic.show_trace(deactivations()[0].id)
    assert traffic.what.text() == (
        "Deactivates the user, because no user group ticked for BlogIn grants the user any more "
        "(deactivated, not deleted)."
    )
    assert not traffic.error.isVisible()
    deletions = exchanges(window, lambda t: t.id not in before and t.data.get("method") == "DELETE")
    deleted = [t for t in deletions if "/Groups/" in str(t.data.get("path"))]
    assert len(deleted) == 1
    assert traffic.show_trace(deleted[0].id)
    assert traffic.what.text() == "Deletes the group, because the user group was deleted in JumpCloud."
    assert deletions == deleted  # nobody was deleted in BlogIn
    assert window.traffic_panels.open_message(SCIM, deleted[0].id)


def test_a_user_in_no_granting_group_is_refused_by_jumpcloud_and_the_log_says_why(
    provisioning: Provisioning,
) -> None:
    """Signing in from BlogIn as a user no group binds to BlogIn: JumpCloud's own refusal, in the log too."""
    window, sandbox = provisioning.window, provisioning.sandbox
    outsider = DirectoryUser("olive", "olive@example.org", "Olive", "Outsider")
    provisioning.rehearsal.create_user(outsider)
    end_user = window.browsers["end-user"]
    go_to(end_user, f"{sandbox.blogin.base_url}/login")
    follow(end_user, "a", "Log in with SSO")
    wait_for_page(end_user, "User Login", host=sandbox.jumpcloud.host)
    type_into(end_user, "input[name=login]", outsider.username)
    type_into(end_user, "input[name=password]", USER_PASSWORD)
    click(end_user, "button", "User Login")
    page = wait_for_page(end_user, "Access denied", host=sandbox.jumpcloud.host)
    assert "BlogIn" in page

    model, log = window.event_model, window.event_log

    def refusal() -> SandboxEvent | None:
        rows = range(model.rowCount())
        found = [e for r in rows if (e := model.event_at(r)) is not None and e.event_type == "sso_auth"]
        refused = [e for e in found if not e.success and "olive" in e.summary]
        return refused[-1] if refused else None

    wait_for(lambda: refusal() is not None, 10_000)
    event = refusal()
    assert event is not None
    row = model.row_of_event(event.id)
    assert row is not None
    log.table.selectRow(row)
    assert log.reason.isVisible() and log.reason.text() == "✘ olive was refused by BlogIn: not authorized"
