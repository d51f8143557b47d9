"""The Drift view: users on one side only, attribute differences, sources and the next sync."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.drift import DriftDock
from sandbox.desktop.drift.model import COLUMNS
from sandbox.http import http_client
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from tests.desktop.conftest import blogin_only_account

pytestmark = pytest.mark.desktop

RAVI = "ravi@acme.example"


@pytest.fixture
def rehearsal(sandbox: Sandbox) -> Iterator[Rehearsal]:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as running:
        running.sign_in_admins()
        yield running


def shown(dock: DriftDock) -> dict[str, dict[str, str]]:
    """The table as a user reads it: user name → column title → text."""
    model = dock.model
    table = {}
    for row in range(model.rowCount()):
        cells = {title: str(model.data(model.index(row, column))) for column, title in enumerate(COLUMNS)}
        table[cells["User"]] = cells
    return table


def test_drift_shows_who_is_where_what_differs_and_the_next_sync(
    qtbot: QtBot, sandbox: Sandbox, rehearsal: Rehearsal
) -> None:
    dock = DriftDock(sandbox)
    qtbot.addWidget(dock)
    assert "Not yet configured" in dock.summary.text()
    assert shown(dock)["admin@acme.example"]["Source"] == "manual"

    rehearsal.create_blogin_application()
    ada = rehearsal.create_user(DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer"))
    bob = rehearsal.create_user(DirectoryUser("bob", "bob@example.org", "Bob", "Marley", "Singer"))
    rehearsal.authorize_groups([rehearsal.create_group("Writers", [ada, bob])])
    base_url, token = rehearsal.enable_blogin_provisioning()
    with http_client() as client:
        created = client.post(
            f"{base_url}/Users",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada",
                "name": {"givenName": "Ada", "familyName": "Byron"},
                "displayName": "Ada Lovelace",
                "title": "Engineer",
                "emails": [{"value": "ada@example.org", "primary": True, "type": "work"}],
                "active": True,
            },
        )
    assert created.status_code == 201, created.text

    dock.refresh()
    table = shown(dock)
    assert table["ada"]["JumpCloud"] == "Authorized"
    assert table["ada"]["BlogIn"] == "Active"
    assert table["ada"]["Source"] == "SCIM"
    assert "Last Name: “Byron” in BlogIn, “Lovelace” in JumpCloud" in table["ada"]["Differences"]
    assert table["bob"]["BlogIn"] == "—"
    assert table["bob"]["Next sync"] == "Nothing: Identity Management is not active"
    assert table["admin@acme.example"]["JumpCloud"] == "—"
    assert table["admin@acme.example"]["Next sync"] == "Nothing: not managed from JumpCloud"
    assert "1 only in JumpCloud" in dock.summary.text()
    assert "1 with differences" in dock.summary.text()


def test_the_drift_model_passes_the_model_tester(qtmodeltester: object, sandbox: Sandbox, qtbot: QtBot) -> None:
    dock = DriftDock(sandbox)
    qtbot.addWidget(dock)
    qtmodeltester.check(dock.model)  # type: ignore[attr-defined]


def test_an_imported_user_in_no_bound_group_reads_as_in_jumpcloud_not_authorized(
    qtbot: QtBot, sandbox: Sandbox, rehearsal: Rehearsal
) -> None:
    rehearsal.create_blogin_application()
    ada = rehearsal.create_user(DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer"))
    rehearsal.authorize_groups([rehearsal.create_group("Writers", [ada])])
    base_url, token = rehearsal.enable_blogin_provisioning()
    rehearsal.activate_identity_management(base_url, token)
    # Ravi has a BlogIn account only; the manual import brings him into JumpCloud, in no user group.
    ravi_id = blogin_only_account(base_url, token, RAVI, "Ravi", "Shah")
    dock = DriftDock(sandbox)
    qtbot.addWidget(dock)
    assert shown(dock)[RAVI]["JumpCloud"] == "—"
    assert "2 only in BlogIn" in dock.summary.text()

    import_url = f"{sandbox.jumpcloud.base_url}/applications/{rehearsal.application_id}/identity-management/import"
    listing = rehearsal.jumpcloud_admin.get(import_url, params={"new_only": "1"})
    assert listing.status_code == 200 and RAVI in listing.text
    assert ravi_id in re.findall(r'name="scim_id" value="([^"]+)"', listing.text)
    imported = rehearsal.jumpcloud_admin.post(import_url, data={"scim_id": [ravi_id]})
    assert imported.status_code == 200 and "Import results" in imported.text

    dock.refresh()
    ravi = shown(dock)[RAVI]
    assert ravi["JumpCloud"] == "Not authorized"
    assert ravi["Groups"] == "None bound to BlogIn"
    assert ravi["Differences"] == "—"  # not "In sync": JumpCloud does not manage him yet
    assert ravi["Next sync"] == "Nothing: in no user group bound to BlogIn"
    why = dock.model.data(dock.model.index(list(shown(dock)).index(RAVI), 1), Qt.ItemDataRole.ToolTipRole)
    assert "in no user group bound to BlogIn" in why
    assert "Imported users must be members of a user group bound to an application" in why
    # The administrator, whom JumpCloud does not have, keeps "—".
    assert shown(dock)["admin@acme.example"]["JumpCloud"] == "—"
    summary = dock.summary.text()
    assert summary.startswith("BlogIn: 1 authorized in JumpCloud, ")
    assert "1 only in BlogIn" in summary
    assert "1 not authorized (in no user group bound to BlogIn)" in summary
