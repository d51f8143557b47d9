"""The Drift view: users on one side only, attribute differences, sources and the next sync."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.drift import DriftDock
from sandbox.desktop.drift.model import COLUMNS
from sandbox.http import http_client
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal

pytestmark = pytest.mark.desktop


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
