"""Scenario save → reset → load restores both systems exactly, compared through their own APIs."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.scenarios import SHIPPED, ScenarioError, load_scenario, open_scenario, save_scenario
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from sandbox.settings import Settings


def seen_through_the_apis(sandbox: Sandbox, api_key: str, token: str) -> dict[str, Any]:
    """What JumpCloud's REST API and BlogIn's SCIM API and portal say."""
    with http_client() as client:
        users = client.get(f"{sandbox.jumpcloud.base_url}/api/systemusers", headers={"x-api-key": api_key}).json()
        groups = client.get(f"{sandbox.jumpcloud.base_url}/api/v2/usergroups", headers={"x-api-key": api_key}).json()
        scim = client.get(
            f"{sandbox.blogin.base_url}/sso/scim/V2/Users", headers={"Authorization": f"Bearer {token}"}
        ).json()
        metadata = client.get(f"{sandbox.jumpcloud.base_url}/saml2/blogin/metadata").text
        sp_metadata = client.get(f"{sandbox.blogin.base_url}/sso/saml/metadata").text
    return {
        "users": sorted((u["username"], u["email"], u["firstname"], u["lastname"]) for u in users["results"]),
        "groups": sorted(g["name"] for g in groups),
        "scim": sorted((r["userName"], r["id"], r.get("title", "")) for r in scim["Resources"]),
        "idp metadata": metadata,
        "sp metadata": sp_metadata,
    }


def test_save_reset_load_restores_both_systems(sandbox: Sandbox, tmp_path: Path) -> None:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        ada = rehearsal.create_user(DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer"))
        rehearsal.authorize_groups([rehearsal.create_group("Writers", [ada])])
        base_url, token = rehearsal.enable_blogin_provisioning()
        api_key = rehearsal.api_key
    with http_client() as client:
        client.post(
            f"{base_url}/Users",
            headers={"Authorization": f"Bearer {token}"},
            json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada", "title": "Engineer"},
        )
    file = tmp_path / "rehearsal.sandbox"
    save_scenario(sandbox, file, title="Rehearsal")
    saved = open_scenario(file).snapshots
    before = seen_through_the_apis(sandbox, api_key, token)

    sandbox.reset()
    assert sandbox.jumpcloud.integration_state().applications == ()

    loaded = load_scenario(sandbox, file)
    assert loaded.title == "Rehearsal"
    # Every row, keys and tokens included, before the API reads below add traces of their own.
    assert sandbox.jumpcloud.export_snapshot() == saved["jumpcloud"]
    assert sandbox.blogin.export_snapshot() == saved["blogin"]
    assert seen_through_the_apis(sandbox, api_key, token) == before


def test_a_scenario_moves_stored_urls_to_the_ports_in_use(sandbox: Sandbox, tmp_path: Path) -> None:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
    file = tmp_path / "sso.sandbox"
    save_scenario(sandbox, file)

    other = Settings(data_dir=tmp_path / "other", jumpcloud_port=0, blogin_port=0, scenario=file)
    with Sandbox(other) as second:
        assert second.blogin.port != sandbox.blogin.port
        state = second.blogin.integration_state()
        assert state.metadata_url == f"{second.jumpcloud.base_url}/saml2/blogin/metadata"
        app = second.jumpcloud.integration_state().application("blogin")
        assert app is not None
        assert app.acs_urls == (f"{second.blogin.base_url}/sso/saml/callback",)


@pytest.mark.parametrize("scenario", SHIPPED, ids=lambda s: s.key)
def test_the_shipped_scenarios_are_found_in_the_installed_package(scenario: Any) -> None:
    assert scenario.available(), f"{scenario.file_name} is missing from sandbox/scenarios/resources"
    assert open_scenario(scenario).title == scenario.title


def test_what_is_not_a_scenario_is_refused_with_a_reason(tmp_path: Path, sandbox: Sandbox) -> None:
    text = tmp_path / "notes.sandbox"
    text.write_text("hello")
    with pytest.raises(ScenarioError, match="is not an SSO Sandbox scenario file"):
        load_scenario(sandbox, text)
    partial = tmp_path / "partial.sandbox"
    with zipfile.ZipFile(partial, "w") as archive:
        archive.writestr("manifest.json", '{"format": "sso-sandbox-scenario", "version": 99}')
    with pytest.raises(ScenarioError, match="newer SSO Sandbox"):
        load_scenario(sandbox, partial)
    with pytest.raises(ScenarioError, match="no scenario file"):
        load_scenario(sandbox, tmp_path / "missing.sandbox")
