"""Switching a tester edge case (the desktop's Edge cases panel, through ``JumpCloud.set_edge_cases``)
records a Directory Insights event that says which edge case was switched on or off, in the words of the
panel's controls, and not that an administrator saved the application's SSO tab."""

from __future__ import annotations

from typing import Any

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF
from sandbox.scenarios.rehearsal import Rehearsal


def application_updates(sandbox: Sandbox, api_key: str) -> list[dict[str, Any]]:
    """The application_update events as the DI API returns them (oldest first, its default sort)."""
    with http_client(base_url=sandbox.jumpcloud.base_url, headers={"x-api-key": api_key}) as api:
        response = api.post(
            "/insights/directory/v1/events", json={"service": ["sso"], "start_time": "2000-01-01T00:00:00Z"}
        )
    assert response.status_code == 200, response.text
    return [record for record in response.json() if record["event_type"] == "application_update"]


def summaries(sandbox: Sandbox) -> list[str]:
    return [event.summary for event in sandbox.jumpcloud.event_log() if event.event_type == "application_update"]


def test_each_switch_is_one_event_naming_the_edge_cases_it_turned_on_or_off(sandbox: Sandbox) -> None:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        application_id = rehearsal.create_blogin_application("BlogIn – Acme")
        api_key = rehearsal.api_key
    before = len(summaries(sandbox))
    jumpcloud = sandbox.jumpcloud

    assert jumpcloud.set_edge_cases(application_id, {"foreignKey": True}) == ["signed with the wrong key"]
    jumpcloud.set_edge_cases(application_id, {"clockSkewMinutes": -5, "noSignature": True, "foreignKey": False})
    jumpcloud.set_edge_cases(application_id, {"noSignature": True})  # nothing changes: nothing recorded
    jumpcloud.set_edge_cases(application_id, {"shortValiditySeconds": 5, "holdResponseSeconds": 30})
    jumpcloud.set_edge_cases(application_id, EDGE_CASES_OFF)  # All off

    assert summaries(sandbox)[before:] == [
        "Edge cases for BlogIn – Acme: signed with the wrong key on",
        "Edge cases for BlogIn – Acme: clock skew -5 min on, unsigned on, signed with the wrong key off",
        "Edge cases for BlogIn – Acme: short validity 5 s on, hold the Response 30 s before posting it on",
        "Edge cases for BlogIn – Acme: all off",
    ]
    assert not any("SSO settings saved" in summary for summary in summaries(sandbox)[before:])

    # Directory Insights' own shape: the application as resource, one change per edge-case field.
    records = application_updates(sandbox, api_key)[-4:]
    first = records[0]
    assert first["service"] == "sso" and first["success"] is True
    assert first["resource"]["id"] == application_id and first["resource"]["type"] == "application"
    assert first["initiated_by"]["type"] == "admin"
    assert first["changes"] == [{"field": "edgeCases.foreignKey", "from": False, "to": True}]
    assert records[1]["changes"] == [
        {"field": "edgeCases.clockSkewMinutes", "from": 0, "to": -5},
        {"field": "edgeCases.noSignature", "from": False, "to": True},
        {"field": "edgeCases.foreignKey", "from": True, "to": False},
    ]
    assert {change["field"] for change in records[3]["changes"]} == {
        "edgeCases.clockSkewMinutes",
        "edgeCases.noSignature",
        "edgeCases.shortValiditySeconds",
        "edgeCases.holdResponseSeconds",
    }
    application = jumpcloud.integration_state().application("blogin")
    assert application is not None and not any(
        application.edge_cases[key] for key in ("clockSkewMinutes", "noSignature", "holdResponseSeconds")
    )
