"""SCIM Groups (BlogIn Teams) over real HTTP, including JumpCloud's membership shapes."""

from __future__ import annotations

from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, group_body, user_body


def new_user(scim: Scim, name: str) -> str:
    response = scim.post("/Users", user_body(f"{name}@groups.example"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def member_ids(scim: Scim, group_id: str) -> list[str]:
    return sorted(m["value"] for m in scim.get(f"/Groups/{group_id}").json().get("members", []))


def test_group_lifecycle_with_jumpcloud_member_operations(scim: Scim) -> None:
    amy, bob = new_user(scim, "amy"), new_user(scim, "bob")
    created = scim.post(
        "/Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering",
            "members": [{"value": amy}],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["members"][0]["value"] == amy
    assert group["members"][0]["$ref"] == f"{scim.base}/Users/{amy}"
    path = f"/Groups/{group['id']}"
    # JumpCloud repeats adds for members already present: accepted, no duplicate.
    for _ in range(2):
        added = scim.patch(path, [{"op": "add", "path": "members", "value": [{"value": amy}, {"value": bob}]}])
        assert added.status_code == 200, added.text
    assert member_ids(scim, group["id"]) == sorted([amy, bob])
    # The user's groups attribute shows the team.
    assert scim.get(f"/Users/{bob}").json()["groups"][0]["display"] == "Engineering"
    removed = scim.patch(path, [{"op": "remove", "path": "members", "value": [{"value": amy}]}])
    assert removed.status_code == 200
    assert member_ids(scim, group["id"]) == [bob]
    by_filter = scim.patch(path, [{"op": "remove", "path": f'members[value eq "{bob}"]'}])
    assert by_filter.status_code == 200
    assert member_ids(scim, group["id"]) == []
    renamed = scim.patch(path, [{"op": "replace", "path": "displayName", "value": "Platform Engineering"}])
    assert renamed.json()["displayName"] == "Platform Engineering"
    assert scim.delete(path).status_code == 204
    assert_scim_error(scim.get(path), 404)


def test_group_filters_and_member_lookup(scim: Scim) -> None:
    cat = new_user(scim, "cat")
    scim.post("/Groups", group_body(displayName="Design", members=[{"value": cat}]))
    scim.post("/Groups", group_body(displayName="Finance"))
    found = scim.get("/Groups", params={"filter": 'displayName eq "design"'}).json()
    assert [g["displayName"] for g in found["Resources"]] == ["Design"]
    containing = scim.get("/Groups", params={"filter": f'members eq "{cat}"'}).json()
    assert [g["displayName"] for g in containing["Resources"]] == ["Design"]
    without_members = scim.get(
        "/Groups", params={"excludedAttributes": "members", "filter": 'displayName sw "d"'}
    ).json()
    assert "members" not in without_members["Resources"][0]


def test_group_errors(scim: Scim) -> None:
    scim.post("/Groups", group_body(displayName="Support"))
    assert_scim_error(scim.post("/Groups", group_body(displayName="SUPPORT")), 409, "uniqueness")
    assert_scim_error(
        scim.post("/Groups", group_body(displayName="Ghosts", members=[{"value": "nobody"}])), 400, "invalidValue"
    )
    assert_scim_error(scim.post("/Groups", group_body(members=[])), 400, "invalidValue")
    # The failed create left nothing behind.
    assert scim.get("/Groups", params={"filter": 'displayName eq "Ghosts"'}).json()["totalResults"] == 0


def test_put_replaces_membership(scim: Scim) -> None:
    dan, eve = new_user(scim, "dan"), new_user(scim, "eve")
    group = scim.post("/Groups", group_body(displayName="Ops", members=[{"value": dan}])).json()
    replaced = scim.put(f"/Groups/{group['id']}", group_body(displayName="Ops", members=[{"value": eve}]))
    assert replaced.status_code == 200, replaced.text
    assert member_ids(scim, group["id"]) == [eve]
