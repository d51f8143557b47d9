"""What a developer's own SCIM client relies on beyond what JumpCloud sends: partial representations of
one resource, ETags on Groups, value filters on emails, and locations that lead back to the resource."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, group_body, user_body


@pytest.fixture(scope="module")
def person(scim: Scim) -> dict[str, Any]:
    body = user_body(
        "dev.client@acme.example",
        emails=[
            {"value": "dev.client@acme.example", "type": "work", "primary": True},
            {"value": "dev@home.example", "type": "home"},
        ],
    )
    created = scim.post("/Users", body)
    assert created.status_code == 201, created.text
    return dict(created.json())


@pytest.fixture(scope="module")
def team(scim: Scim, person: dict[str, Any]) -> dict[str, Any]:
    created = scim.post("/Groups", group_body(displayName="Client Devs", members=[{"value": person["id"]}]))
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == created.json()["meta"]["location"]
    return dict(created.json())


def test_one_user_read_with_attributes_or_excluded_attributes(scim: Scim, person: dict[str, Any]) -> None:
    path = f"/Users/{person['id']}"
    only = scim.get(
        path, params={"attributes": "userName,emails.type,urn:ietf:params:scim:schemas:core:2.0:User:title"}
    )
    assert only.status_code == 200 and only.headers["ETag"] == 'W/"1"'
    assert only.json() == {
        "schemas": person["schemas"],
        "id": person["id"],
        "userName": "dev.client@acme.example",
        "emails": [{"type": "work"}, {"type": "home"}],
    }
    without = scim.get(path, params={"excludedAttributes": "emails,meta,name.familyName"}).json()
    assert not {"emails", "meta"} & set(without)
    assert without["name"] == {"givenName": "Dev.Client"} and without["userName"] == "dev.client@acme.example"


def test_one_group_read_with_attributes(scim: Scim, person: dict[str, Any], team: dict[str, Any]) -> None:
    read = scim.get(f"/Groups/{team['id']}", params={"attributes": "members.value"}).json()
    assert read == {"schemas": team["schemas"], "id": team["id"], "members": [{"value": person["id"]}]}
    trimmed = scim.get(f"/Groups/{team['id']}", params={"excludedAttributes": "members"}).json()
    assert "members" not in trimmed and trimmed["displayName"] == "Client Devs"


def test_a_stale_group_etag_changes_nothing(scim: Scim, person: dict[str, Any], team: dict[str, Any]) -> None:
    path = f"/Groups/{team['id']}"
    version = scim.get(path).headers["ETag"]
    assert scim.get(path, headers={"If-None-Match": version}).status_code == 304
    stale = {"If-Match": 'W/"99"'}
    assert_scim_error(scim.patch(path, [{"op": "remove", "path": "members"}], headers=stale), 412)
    assert_scim_error(scim.put(path, group_body(displayName="Renamed"), headers=stale), 412)
    assert_scim_error(scim.delete(path, headers=stale), 412)
    after = scim.get(path)
    assert after.headers["ETag"] == version
    assert after.json()["displayName"] == "Client Devs" and len(after.json()["members"]) == 1


def test_emails_of_one_type_are_filtered_inside_the_brackets(scim: Scim, person: dict[str, Any]) -> None:
    def found(expression: str) -> list[str]:
        response = scim.get("/Users", params={"filter": expression, "attributes": "userName"})
        assert response.status_code == 200, response.text
        return [r["userName"] for r in response.json()["Resources"]]

    assert found('emails[type eq "work" and value eq "DEV.CLIENT@acme.example"]') == ["dev.client@acme.example"]
    assert found('emails[type eq "home" and value co "@home.example"]') == ["dev.client@acme.example"]
    assert found('emails[type eq "work" and value eq "dev@home.example"]') == []
    assert found('emails.value eq "dev@home.example"') == ["dev.client@acme.example"]


def test_a_sub_attribute_after_the_brackets_is_refused_with_the_filter_to_send(scim: Scim) -> None:
    # PATCH paths may name one (RFC 7644 §3.5.2); filters may not (§3.4.2.2's grammar).
    response = scim.get("/Users", params={"filter": 'emails[type eq "work"].value eq "dev.client@acme.example"'})
    body = assert_scim_error(response, 400, "invalidFilter")
    assert body["detail"].endswith('emails[type eq "work" and value eq "dev.client@acme.example"]')
    searched = scim.post("/Users/.search", {"filter": 'emails[type eq "work" or type eq "home"].value pr'})
    assert assert_scim_error(searched, 400, "invalidFilter")["detail"].endswith(
        'emails[(type eq "work" or type eq "home") and value pr]'
    )


def test_locations_lead_back_to_the_resources(scim: Scim, person: dict[str, Any], team: dict[str, Any]) -> None:
    assert person["meta"]["location"] == f"{scim.base}/Users/{person['id']}"
    assert team["meta"]["location"] == f"{scim.base}/Groups/{team['id']}"
    for resource in (person, team):
        followed = scim.client.get(resource["meta"]["location"], headers={"Authorization": f"Bearer {scim.token}"})
        assert followed.status_code == 200 and followed.json()["id"] == resource["id"]
        assert followed.json()["meta"]["location"] == resource["meta"]["location"]
    member = scim.get(f"/Groups/{team['id']}").json()["members"][0]
    assert member["$ref"] == person["meta"]["location"]
    group = scim.get(f"/Users/{person['id']}").json()["groups"][0]
    assert group["$ref"] == team["meta"]["location"]
    listed = scim.get("/Users", params={"filter": f'id eq "{person["id"]}"'}).json()["Resources"][0]
    assert listed["meta"]["location"] == person["meta"]["location"]
