"""The whole guide with both systems' databases on PostgreSQL (``--db-url-jumpcloud``/``--db-url-blogin``)."""

from __future__ import annotations

from pathlib import Path

import httpx

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from sandbox.settings import Settings
from tests.integration.databases.postgresql import PostgresServer


def settings_on(postgres: PostgresServer, tmp_path: Path, name: str) -> Settings:
    """Both systems' databases on ``postgres``, new and empty, named after ``name``."""
    return Settings(
        data_dir=tmp_path / "data",
        jumpcloud_port=0,
        blogin_port=0,
        db_url_jumpcloud=postgres.create_database(f"jumpcloud_{name}"),
        db_url_blogin=postgres.create_database(f"blogin_{name}"),
    )


def scim_get(base_url: str, token: str, path: str, **params: str) -> httpx.Response:
    with http_client() as client:
        return client.get(f"{base_url}{path}", params=params, headers={"Authorization": f"Bearer {token}"})


def test_sso_and_provisioning_run_on_postgresql_and_survive_a_restart(postgres: PostgresServer, tmp_path: Path) -> None:
    settings = settings_on(postgres, tmp_path, "guide")
    with Sandbox(settings) as sandbox, Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as guide:
        guide.sign_in_admins()
        guide.create_blogin_application()
        guide.configure_sso()
        ada = guide.create_user(DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer"))
        grace = guide.create_user(DirectoryUser("grace", "grace@example.org", "Grace", "Hopper", "Admiral"))
        guide.authorize_groups([guide.create_group("Writers", [ada, grace])])
        base_url, token = guide.enable_blogin_provisioning()
        guide.activate_identity_management(base_url, token)
        assert sandbox.jumpcloud.provisioning.worker.wait_until_idle(timeout=60)

        users = scim_get(base_url, token, "/Users", filter='userName co "ra"').json()
        assert [user["userName"] for user in users["Resources"]] == ["grace"]
        groups = scim_get(base_url, token, "/Groups", filter='displayName eq "Writers"').json()
        assert sorted(member["display"] for member in groups["Resources"][0]["members"]) == [
            "Ada Lovelace",
            "Grace Hopper",
        ]

        # Both ways of signing in end on BlogIn's home page (303 after the ACS), the user signed in.
        assert guide.sp_initiated_sign_in("ada").status_code == 303
        assert guide.idp_initiated_sign_in("grace").status_code == 303
        insights = {event.event_type for event in sandbox.jumpcloud.recent_events()}
        assert {"sso_auth", "user_create_provision", "group_create_provision"} <= insights

    with Sandbox(settings) as again:
        listed = scim_get(base_url.replace(str(sandbox.blogin.port), str(again.blogin.port)), token, "/Users").json()
        assert {"ada", "grace"} <= {user["userName"] for user in listed["Resources"]}
        assert again.jumpcloud.integration_state().applications != ()
        again.reset()
        assert again.jumpcloud.integration_state().applications == ()
        blogin = again.blogin.integration_state()
        assert not blogin.idp_configured and not blogin.provisioning_enabled


def test_scim_writes_and_their_errors_on_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    settings = settings_on(postgres, tmp_path, "scim")
    with Sandbox(settings) as sandbox, Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as guide:
        guide.sign_in_admins()
        base_url, token = guide.enable_blogin_provisioning()
        headers = {"Authorization": f"Bearer {token}"}
        user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Ada", "title": "Engineer"}
        with http_client() as client:
            created = client.post(f"{base_url}/Users", json=user, headers=headers)
            assert created.status_code == 201
            ada = created.json()["id"]
            clash = client.post(f"{base_url}/Users", json={**user, "userName": "ADA"}, headers=headers)
            assert clash.status_code == 409
            assert clash.json()["scimType"] == "uniqueness"
            patch = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "title", "value": "Countess"}],
            }
            assert client.patch(f"{base_url}/Users/{ada}", json=patch, headers=headers).status_code == 200
            assert client.get(f"{base_url}/Users/{ada}", headers=headers).json()["title"] == "Countess"
            found = client.get(f"{base_url}/Users", params={"filter": 'userName sw "ada"'}, headers=headers).json()
            assert [u["id"] for u in found["Resources"]] == [ada]
            assert client.delete(f"{base_url}/Users/{ada}", headers=headers).status_code == 204
            assert client.get(f"{base_url}/Users/{ada}", headers=headers).status_code == 404
