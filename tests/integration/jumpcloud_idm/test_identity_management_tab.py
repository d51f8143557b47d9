"""The Identity Management tab over HTTP, provisioning into the mock BlogIn's SCIM API."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest

from sandbox.blogin.scim.settings import save_status
from sandbox.http import http_client
from sandbox.scim.client import ScimClient
from tests.integration.jumpcloud_idm.conftest import Org


@pytest.fixture
def admin(org: Org) -> Iterator[httpx.Client]:
    with http_client(follow_redirects=False) as client:
        response = client.post(
            f"{org.sandbox.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "sandbox"}
        )
        assert response.status_code == 302
        yield client


def blogin_scim(org: Org) -> tuple[str, str]:
    with org.sandbox.blogin.database.transaction() as s:
        token = save_status(s, True, actor="admin@acme.example").token
    assert token
    return f"{org.sandbox.blogin.base_url}/sso/scim/V2", token


def tab_url(org: Org, action: str = "") -> str:
    suffix = f"/{action}" if action else ""
    return f"{org.sandbox.jumpcloud.base_url}/applications/{org.application_id}/identity-management{suffix}"


def test_activate_save_provisions_into_blogin_and_deactivate_confirms(org: Org, admin: httpx.Client) -> None:
    base_url, token = blogin_scim(org)
    ann = org.user("ann")
    org.group("writers", [ann])

    page = admin.get(tab_url(org))
    assert page.status_code == 200
    assert "Enable management of User Groups and Group Membership in this application" in page.text
    assert "Base URL" in page.text and "Token Key" in page.text and "Activate" in page.text

    tested = admin.post(
        tab_url(org, "activate"), data={"base_url": base_url, "token_key": token, "group_management": "on"}
    )
    assert tested.status_code == 200, tested.text
    assert "Click save to finish" in tested.text
    assert "Created the test user" in tested.text and "Deleted the test group" in tested.text

    saved = admin.post(tab_url(org, "save"), data={"group_management": "on"})
    assert saved.status_code == 302
    org.settle()

    with ScimClient(base_url, token) as blogin:
        user = blogin.find_user(org.name("ann"))
        team = blogin.find_group(org.name("writers"))
    assert user is not None and user.active and user.external_id == ann
    assert team is not None and team.member_ids == [user.id]
    # The test user and group were removed again.
    with ScimClient(base_url, token) as blogin:
        assert not [u for u in blogin.all_users() if u.user_name.startswith("jumpcloud-scim-test-")]

    page = admin.get(tab_url(org))
    assert "Deactivate IdM connection" in page.text and "Last sync" in page.text
    assert f"{org.name('ann')} provisioned to BlogIn {org.tag}" in org.summaries("user_create_provision")
    assert f"Group {org.name('writers')} created in BlogIn {org.tag}" in org.summaries("group_create_provision")
    [activated] = [e for e in org.events("idm_integration_activate") if e["success"]]
    assert activated["initiated_by"]["email"] == "admin@example.com"

    refused = admin.post(
        tab_url(org, "activate"), data={"base_url": "http://elsewhere.localhost/scim", "token_key": "x"}
    )
    assert refused.status_code == 409
    assert "deactivate the IdM connection first" in refused.text
    [reauth] = org.events("idm_integration_reauth")
    assert reauth["success"] is False

    confirm = admin.get(tab_url(org, "deactivate"))
    assert "confirm" in confirm.text
    done = admin.post(tab_url(org, "deactivate"))
    assert done.status_code == 302
    assert org.idm().status == "inactive"
    assert org.events("idm_integration_delete")
    label = f"BlogIn {org.tag}"
    assert org.summaries("idm_integration_activate", "idm_integration_reauth", "idm_integration_delete") == [
        f"Identity Management of {label}: connection test passed",
        f"Identity Management of {label}: Base URL or Token Key change refused while the connection is active",
        f"Identity Management of {label}: IdM connection deactivated",
    ]
    # Deactivating leaves the application's users as they are.
    with ScimClient(base_url, token) as blogin:
        still = blogin.find_user(org.name("ann"))
    assert still is not None and still.active


def test_activation_failures_are_reported_plainly(org: Org, admin: httpx.Client) -> None:
    base_url, _token = blogin_scim(org)
    cases = [
        ({"base_url": base_url, "token_key": "wrong-token"}, "refused the Token Key (401 Unauthorized)"),
        ({"base_url": "http://127.0.0.1:9/scim/v2", "token_key": "t"}, "Could not reach 127.0.0.1:9"),
        ({"base_url": f"{org.sandbox.jumpcloud.base_url}/no-scim-here", "token_key": "t"}, "is the Base URL right?"),
        ({"base_url": "ftp://example.com", "token_key": "t"}, "must be a full http:// or https:// address"),
        ({"base_url": base_url, "token_key": ""}, "Paste the Token Key"),
    ]
    for form, message in cases:
        response = admin.post(tab_url(org, "activate"), data=form)
        assert response.status_code == 400, form
        assert message in response.text, (form, response.text[:2000])
    failed = [e for e in org.events("idm_integration_activate") if not e["success"]]
    assert len(failed) == 3
    assert (
        f"Identity Management of BlogIn {org.tag}: connection test failed — "
        in org.summaries("idm_integration_activate")[0]
    )
    assert org.idm().status == "inactive"
    saving = admin.post(tab_url(org, "save"), data={})
    assert saving.status_code == 400 and "Click Activate" in saving.text


def test_a_token_regenerated_in_blogin_is_reported_as_refused_with_how_to_fix(org: Org, admin: httpx.Client) -> None:
    base_url, token = blogin_scim(org)
    ann = org.user("ann")
    org.group("writers", [ann])
    assert admin.post(tab_url(org, "activate"), data={"base_url": base_url, "token_key": token}).status_code == 200
    assert admin.post(tab_url(org, "save"), data={}).status_code == 302
    org.settle()

    # BlogIn's administrator clicks Regenerate on the User Provisioning tab; JumpCloud still holds the old token.
    with http_client(follow_redirects=False) as blogin_admin:
        blogin = org.sandbox.blogin.base_url
        signed_in = blogin_admin.post(f"{blogin}/login", data={"email": "admin@acme.example", "password": "sandbox"})
        assert signed_in.status_code == 302
        assert blogin_admin.post(f"{blogin}/settings/sso/provisioning/regenerate").status_code == 302
    assert admin.post(f"{org.sandbox.jumpcloud.base_url}/users/{ann}", data={"jobTitle": "Editor"}).status_code == 302
    org.settle()

    fix = "If the application's token was regenerated, deactivate the IdM connection, enter the new Token Key"
    tab = html.unescape(admin.get(tab_url(org)).text)
    assert "refused the Token Key (401 Unauthorized)." in tab and fix in tab
    failed = org.events("user_update_provision")[-1]
    assert not failed["success"] and fix in failed["error_message"]
    assert fix in org.summaries("user_update_provision")[-1]

    # Following it: deactivate, activate with BlogIn's new token, save. The lost update arrives and
    # the Failures list no longer shows what the old token lost.
    new_base_url, new_token = blogin_scim(org)
    assert new_token != token
    assert admin.post(tab_url(org, "deactivate")).status_code == 302
    reactivated = admin.post(tab_url(org, "activate"), data={"base_url": new_base_url, "token_key": new_token})
    assert reactivated.status_code == 200, reactivated.text[:2000]
    assert admin.post(tab_url(org, "save"), data={}).status_code == 302
    org.settle()
    with ScimClient(new_base_url, new_token) as blogin:
        ann_in_blogin = blogin.find_user(org.name("ann"))
    assert ann_in_blogin is not None and ann_in_blogin.raw.get("title") == "Editor"
    tab = admin.get(tab_url(org)).text
    assert "refused the Token Key" not in tab
    assert org.idm().status == "active"
