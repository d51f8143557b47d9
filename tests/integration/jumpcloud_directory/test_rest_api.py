"""The JumpCloud-style REST API (v1 systemusers, v2 usergroups) with x-api-key, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.models import SsoApplication, SystemUser
from sandbox.passwords import verify_password


def create_user(api: httpx.Client, username: str, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/systemusers", json={"username": username, "email": f"{username}@acme.example", **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/systemusers"),
        ("POST", "/api/systemusers"),
        ("GET", "/api/systemusers/000000000000000000000000"),
        ("GET", "/api/v2/usergroups"),
        ("POST", "/api/v2/usergroups/000000000000000000000000/members"),
        ("POST", "/insights/directory/v1/events"),
    ],
)
def test_every_endpoint_needs_a_valid_key(base: str, method: str, path: str) -> None:
    with http_client(base_url=base) as anonymous:
        missing = anonymous.request(method, path, json={})
        wrong = anonymous.request(method, path, json={}, headers={"x-api-key": "not-the-key"})
    assert missing.status_code == 401 and "x-api-key" in missing.json()["message"]
    assert wrong.status_code == 401 and "not valid" in wrong.json()["message"]
    assert missing.headers["content-type"].startswith("application/json")


def test_v1_create_get_update_delete(api: httpx.Client, jc_sandbox: Sandbox) -> None:
    created = create_user(
        api,
        "api.ada",
        firstname="Ada",
        lastname="Lovelace",
        displayname="Countess",
        jobTitle="Analyst",
        phoneNumbers=[{"type": "work", "number": "+44 20 7946 0000"}],
        password="analytical-engine",
    )
    assert len(created["_id"]) == 24
    assert created["username"] == "api.ada" and created["email"] == "api.ada@acme.example"
    assert created["state"] == "ACTIVATED" and created["suspended"] is False and created["activated"] is True
    assert created["phoneNumbers"][0]["number"] == "+44 20 7946 0000"
    assert "password" not in created
    user_id = created["_id"]
    fetched = api.get(f"/api/systemusers/{user_id}").json()
    assert fetched["jobTitle"] == "Analyst" and fetched["displayname"] == "Countess"
    updated = api.put(f"/api/systemusers/{user_id}", json={"lastname": "King", "suspended": True})
    assert updated.status_code == 200
    assert updated.json()["lastname"] == "King" and updated.json()["state"] == "SUSPENDED"
    assert updated.json()["firstname"] == "Ada"
    api.put(f"/api/systemusers/{user_id}", json={"password": "new-password-1"})
    with jc_sandbox.jumpcloud.database.sessions() as session:
        stored = session.scalars(select(SystemUser).where(SystemUser.id == user_id)).one()
        assert verify_password("new-password-1", stored.password_hash)
    deleted = api.delete(f"/api/systemusers/{user_id}")
    assert deleted.status_code == 200 and deleted.json()["_id"] == user_id
    gone = api.get(f"/api/systemusers/{user_id}")
    assert gone.status_code == 404 and "no system user" in gone.json()["message"]


def test_v1_list_shape_paging_filter_and_sort(api: httpx.Client) -> None:
    for index in range(12):
        create_user(api, f"list{index:02d}", lastname=f"L{11 - index:02d}", jobTitle="Lister" if index < 5 else "")
    first = api.get("/api/systemusers", params={"filter": "jobTitle:$eq:Lister"}).json()
    assert first["totalCount"] == 5
    assert {user["username"] for user in first["results"]} == {f"list{i:02d}" for i in range(5)}
    page = api.get("/api/systemusers", params={"limit": 3, "skip": 3, "search": "list", "sort": "-username"}).json()
    assert [user["username"] for user in page["results"]] == ["list08", "list07", "list06"]
    assert page["totalCount"] == 12
    by_last = api.get("/api/systemusers", params={"search": "list", "sort": "lastname", "limit": 1}).json()
    assert by_last["results"][0]["username"] == "list11"
    exact = api.get("/api/systemusers", params={"filter": "username:eq:list03"}).json()
    assert [user["username"] for user in exact["results"]] == ["list03"]


def test_v1_errors_are_json_with_the_right_status(api: httpx.Client) -> None:
    create_user(api, "dup.api")
    duplicate = api.post("/api/systemusers", json={"username": "dup.api", "email": "other@acme.example"})
    assert duplicate.status_code == 409 and "already taken" in duplicate.json()["message"]
    bad_json = api.post("/api/systemusers", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and "JSON object" in bad_json.json()["message"]
    not_object = api.post("/api/systemusers", json=["x"])
    assert not_object.status_code == 400
    bad_email = api.post("/api/systemusers", json={"username": "ok.name", "email": "nope"})
    assert bad_email.status_code == 400 and bad_email.json()["errors"]["email"] == "nope is not a valid email address."
    missing = api.post("/api/systemusers", json={"email": "x@acme.example"})
    assert missing.status_code == 400 and "Username is required." in missing.json()["message"]
    wrong_type = api.post("/api/systemusers", json={"username": 5, "email": "x@acme.example"})
    assert wrong_type.status_code == 400 and "username must be a string" in wrong_type.json()["message"]
    assert api.get("/api/systemusers", params={"limit": "lots"}).status_code == 400
    assert api.get("/api/systemusers", params={"limit": 1000}).status_code == 400
    assert api.get("/api/systemusers", params={"filter": "password:$eq:x"}).status_code == 400
    assert api.get("/api/systemusers", params={"sort": "password"}).status_code == 400
    wrong_method = api.patch("/api/systemusers")
    assert wrong_method.status_code == 405 and wrong_method.json()["message"].startswith("Method PATCH")
    unknown = api.get("/api/no/such/thing")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/json")
    assert api.put("/api/systemusers/000000000000000000000000", json={}).status_code == 404


def test_v2_usergroups_crud_and_listing(api: httpx.Client) -> None:
    created = api.post("/api/v2/usergroups", json={"name": "API Group", "description": "made by a script"})
    assert created.status_code == 201
    group = created.json()
    assert group["type"] == "user_group" and group["name"] == "API Group" and len(group["id"]) == 24
    assert api.post("/api/v2/usergroups", json={"name": "api group"}).status_code == 409
    assert api.post("/api/v2/usergroups", json={}).status_code == 400
    listing = api.get("/api/v2/usergroups", params={"filter": "name:eq:API Group"})
    assert [g["id"] for g in listing.json()] == [group["id"]]
    assert listing.headers["x-total-count"] == "1"
    renamed = api.put(f"/api/v2/usergroups/{group['id']}", json={"name": "API Group Renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "API Group Renamed"
    assert api.put(f"/api/v2/usergroups/{group['id']}", json={"description": "x"}).status_code == 400
    assert api.get(f"/api/v2/usergroups/{group['id']}").json()["name"] == "API Group Renamed"
    assert api.delete(f"/api/v2/usergroups/{group['id']}").status_code == 200
    assert api.get(f"/api/v2/usergroups/{group['id']}").status_code == 404


def test_v2_members_add_list_remove(api: httpx.Client) -> None:
    group = api.post("/api/v2/usergroups", json={"name": "Members Via API"}).json()
    user = create_user(api, "member.api")
    path = f"/api/v2/usergroups/{group['id']}/members"
    added = api.post(path, json={"op": "add", "type": "user", "id": user["_id"]})
    assert added.status_code == 204 and added.content == b""
    assert api.get(path).json() == [{"to": {"id": user["_id"], "type": "user", "attributes": None}, "attributes": None}]
    assert api.post(path, json={"op": "add", "type": "user", "id": user["_id"]}).status_code == 409
    assert api.post(path, json={"op": "move", "type": "user", "id": user["_id"]}).status_code == 400
    assert api.post(path, json={"op": "add", "type": "system", "id": user["_id"]}).status_code == 400
    assert api.post(path, json={"op": "add", "type": "user", "id": "0" * 24}).status_code == 404
    assert api.post(path, json={"op": "remove", "type": "user", "id": user["_id"]}).status_code == 204
    assert api.get(path).json() == []
    assert api.post(path, json={"op": "remove", "type": "user", "id": user["_id"]}).status_code == 404


def test_v2_application_associations(api: httpx.Client, jc_sandbox: Sandbox) -> None:
    with jc_sandbox.jumpcloud.database.transaction() as session:
        application = SsoApplication(
            catalog_key="custom-saml",
            name="assoc-app",
            display_label="Assoc App",
            sso_idp_url="https://sso.jumpcloud.com/saml2/assoc-app",
        )
        session.add(application)
        session.flush()
        application_id = application.id
    group = api.post("/api/v2/usergroups", json={"name": "Associated"}).json()
    path = f"/api/v2/usergroups/{group['id']}/associations"
    assert api.get(path).status_code == 400
    assert api.get(path, params={"targets": "application"}).json() == []
    edge = {"op": "add", "type": "application", "id": application_id}
    assert api.post(path, json=edge).status_code == 204
    listed = api.get(path, params={"targets": "application"}).json()
    assert listed == [{"to": {"id": application_id, "type": "application", "attributes": None}, "attributes": None}]
    assert api.post(path, json=edge).status_code == 409
    assert api.post(path, json={**edge, "id": "0" * 24}).status_code == 404
    assert api.post(path, json={**edge, "op": "remove"}).status_code == 204
    assert api.get(path, params={"targets": "application"}).json() == []
