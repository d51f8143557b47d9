"""The Drift view names the user groups behind each person's access, and the change that took it away.

Everything is built as an administrator would: the Admin Portal's forms and the JumpCloud-style REST API,
with JumpCloud provisioning into BlogIn for real (its worker, over HTTP).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.drift import DriftDock
from sandbox.desktop.drift.model import COLUMNS
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal

pytestmark = pytest.mark.desktop

PROVISIONING_TIMEOUT_S = 30


@dataclass
class Directory:
    """The rehearsal's users and groups by name, and the administrator's REST calls."""

    rehearsal: Rehearsal
    users: dict[str, str]
    groups: dict[str, str]

    def api(self, method: str, path: str, body: dict[str, object] | None = None) -> None:
        response = self.rehearsal.jumpcloud_admin.request(
            method,
            f"{self.rehearsal.jumpcloud_url}{path}",
            headers={"x-api-key": self.rehearsal.api_key},
            json=body,
        )
        assert response.status_code in (200, 204), response.text

    def remove_member(self, group: str, user: str) -> None:
        self.api(
            "POST",
            f"/api/v2/usergroups/{self.groups[group]}/members",
            {"op": "remove", "type": "user", "id": self.users[user]},
        )

    def delete_group(self, group: str) -> None:
        self.api("DELETE", f"/api/v2/usergroups/{self.groups[group]}")

    def suspend(self, user: str) -> None:
        self.api("PUT", f"/api/systemusers/{self.users[user]}", {"state": "SUSPENDED"})


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PROVISIONING_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, "provisioning did not get there in time"
        time.sleep(0.1)


def provisioned(sandbox: Sandbox, names: set[str]) -> bool:
    return names <= {user.user_name for user in sandbox.blogin.user_directory()}


@pytest.fixture
def directory(sandbox: Sandbox) -> Iterator[Directory]:
    """BlogIn's application with SSO and Identity Management active; five people provisioned through groups.

    ada: Engineering and Staff · bob: Engineering · grace: Contractors · olive: Marketing · linus: Staff
    """
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        users = {
            name: rehearsal.create_user(DirectoryUser(name, f"{name}@example.org", name.title(), "Tester"))
            for name in ("ada", "bob", "grace", "olive", "linus")
        }
        members = {
            "Staff": ["ada", "linus"],
            "Engineering": ["ada", "bob"],
            "Contractors": ["grace"],
            "Marketing": ["olive"],
        }
        groups = {
            name: rehearsal.create_group(name, [users[user] for user in people]) for name, people in members.items()
        }
        rehearsal.authorize_groups(list(groups.values()))
        base_url, token = rehearsal.enable_blogin_provisioning()
        rehearsal.activate_identity_management(base_url, token)
        wait_until(lambda: provisioned(sandbox, set(users)))
        yield Directory(rehearsal, users, groups)


def shown(dock: DriftDock) -> dict[str, dict[str, str]]:
    """The table as a trainer reads it: user name → column title → text."""
    model = dock.model
    return {
        str(model.data(model.index(row, 0))): {
            title: str(model.data(model.index(row, column))) for column, title in enumerate(COLUMNS)
        }
        for row in range(model.rowCount())
    }


def hover(dock: DriftDock, user: str, column: str) -> str:
    """The tooltip over one cell."""
    model = dock.model
    row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 0)) == user)
    return str(model.data(model.index(row, COLUMNS.index(column)), Qt.ItemDataRole.ToolTipRole) or "")


def test_the_groups_column_names_the_groups_granting_blogin(
    qtbot: QtBot, sandbox: Sandbox, directory: Directory
) -> None:
    dock = DriftDock(sandbox)
    qtbot.addWidget(dock)
    table = shown(dock)
    assert table["ada"]["Groups"] == "Engineering, Staff"
    assert table["bob"]["Groups"] == "Engineering"
    assert table["linus"]["Groups"] == "Staff"
    assert table["admin@acme.example"]["Groups"] == "—"
    assert hover(dock, "ada", "JumpCloud") == "ada gets BlogIn through Engineering and Staff."
    # Several groups: the hover names each, one per line, under the sentence.
    assert hover(dock, "ada", "Groups").splitlines()[-2:] == ["Engineering", "Staff"]


def test_a_user_who_lost_blogin_says_which_group_change_took_it_away(
    qtbot: QtBot, sandbox: Sandbox, directory: Directory
) -> None:
    dock = DriftDock(sandbox)
    qtbot.addWidget(dock)
    directory.remove_member("Engineering", "bob")
    directory.delete_group("Contractors")
    # The User Groups tab, saved with Marketing unticked.
    directory.rehearsal.authorize_groups([directory.groups[name] for name in ("Staff", "Engineering")])
    # ada leaves Engineering but keeps Staff: still authorized, through Staff alone.
    directory.remove_member("Engineering", "ada")
    wait_until(lambda: not any(u.active for u in sandbox.blogin.user_directory() if u.user_name in {"bob", "olive"}))

    dock.refresh()
    table = shown(dock)
    assert table["ada"]["JumpCloud"] == "Authorized"
    assert table["ada"]["Groups"] == "Staff"
    for user, group in (("bob", "Engineering"), ("grace", "Contractors"), ("olive", "Marketing")):
        assert table[user]["JumpCloud"] == "No longer authorized"
        assert table[user]["Groups"] == f"None left (was {group})"
    lost = "In no user group ticked for BlogIn any more: "
    assert hover(dock, "bob", "JumpCloud").startswith(
        f"{lost}bob was removed from Engineering, the last group granting it, by admin@example.com at "
    )
    assert hover(dock, "grace", "JumpCloud").startswith(
        f"{lost}user group Contractors, the last one granting it to grace, was deleted by admin@example.com at "
    )
    assert hover(dock, "olive", "Groups").startswith(
        f"{lost}Marketing, the last group granting it to olive, was unticked on BlogIn's User Groups tab by "
    )
    assert hover(dock, "olive", "JumpCloud").splitlines()[-1] == (
        "JumpCloud then deactivates the user in BlogIn; it never deletes them."
    )
    assert table["bob"]["BlogIn"] == "Inactive"


def test_a_suspended_user_keeps_their_groups_but_not_blogin(
    qtbot: QtBot, sandbox: Sandbox, directory: Directory
) -> None:
    directory.suspend("linus")
    dock = DriftDock(sandbox)
    qtbot.addWidget(dock)
    table = shown(dock)
    assert table["linus"]["JumpCloud"] == "No longer authorized"
    assert table["linus"]["Groups"] == "Staff · suspended"
    assert hover(dock, "linus", "JumpCloud").startswith(
        "Suspended in JumpCloud: a suspended user gets no application, though linus is still in Staff."
    )
