"""SCIM Users over real HTTP: every operation, the JumpCloud request shapes, and the errors."""

from __future__ import annotations

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, core_user, user_body

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def create(scim: Scim, user_name: str, **extra: object) -> dict:
    response = scim.post("/Users", user_body(user_name, **extra))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_answers_the_user_with_meta_location_and_etag(scim: Scim) -> None:
    response = scim.post("/Users", user_body("ann.lee@acme.example", title="Engineer", password="S3cret-pass"))
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/scim+json")
    user = response.json()
    assert user["userName"] == "ann.lee@acme.example"
    assert user["name"] == {"givenName": "Ann.Lee", "familyName": "Tester"}
    assert user["emails"] == [{"primary": True, "type": "work", "value": "ann.lee@acme.example"}]
    assert user["externalId"] == "5f1a2b3c4d5e6f7a8b9c0d1e"
    assert "password" not in user
    meta = user["meta"]
    assert meta["resourceType"] == "User"
    assert response.headers["Location"] == meta["location"] == f"{scim.base}/Users/{user['id']}"
    assert response.headers["ETag"] == meta["version"] == 'W/"1"'
    fetched = scim.get(f"/Users/{user['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == user


def test_synced_password_signs_in_at_login(scim: Scim, running: Sandbox) -> None:
    create(scim, "pw.user@acme.example", password="Correct-Horse-9")
    with http_client() as browser:
        wrong = browser.post(
            f"{running.blogin.base_url}/login", data={"email": "pw.user@acme.example", "password": "nope"}
        )
        assert wrong.status_code != 302
        right = browser.post(
            f"{running.blogin.base_url}/login", data={"email": "pw.user@acme.example", "password": "Correct-Horse-9"}
        )
        assert right.status_code == 302


def test_duplicate_user_name_in_any_case_is_409_uniqueness(scim: Scim) -> None:
    create(scim, "dup@acme.example")
    body = assert_scim_error(scim.post("/Users", user_body("DUP@Acme.Example")), 409, "uniqueness")
    assert "dup@acme.example" in body["detail"]


def test_a_user_jit_already_made_is_409_and_found_by_lookup(scim: Scim, running: Sandbox) -> None:
    with running.blogin.database.transaction() as session:
        session.add(User(user_name="jit.person@acme.example", user_name_key="jit.person@acme.example", source="JIT"))
    assert_scim_error(scim.post("/Users", user_body("jit.person@acme.example")), 409, "uniqueness")
    found = scim.get("/Users", params={"filter": 'userName eq "Jit.Person@acme.example"'}).json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["userName"] == "jit.person@acme.example"


def test_unknown_id_is_404(scim: Scim) -> None:
    assert_scim_error(scim.get("/Users/0000"), 404)
    assert_scim_error(scim.delete("/Users/0000"), 404)
    assert_scim_error(scim.patch("/Users/0000", [{"op": "replace", "path": "active", "value": False}]), 404)


def test_jumpcloud_patch_one_replace_per_attribute(scim: Scim) -> None:
    user = create(scim, "patchme@acme.example")
    response = scim.patch(
        f"/Users/{user['id']}",
        [
            {"op": "replace", "path": "name.givenName", "value": "Patricia"},
            {"op": "replace", "path": "name.familyName", "value": "Mendez"},
            {"op": "replace", "path": "title", "value": "Director"},
        ],
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"]["givenName"] == "Patricia"
    assert patched["name"]["familyName"] == "Mendez"
    assert patched["title"] == "Director"
    assert patched["meta"]["version"] == 'W/"2"'
    deactivated = scim.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "active", "value": False}])
    assert deactivated.json()["active"] is False


def test_patch_without_path_value_paths_and_remove(scim: Scim) -> None:
    user = create(scim, "valuepath@acme.example")
    response = scim.patch(
        f"/Users/{user['id']}",
        [
            {"op": "Replace", "value": {"displayName": "VP", "name.formatted": "Val Path", "active": "False"}},
            {"op": "add", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 555 0100"},
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "vp@acme.example"},
            {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Sales"},
        ],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["displayName"] == "VP" and body["name"]["formatted"] == "Val Path" and body["active"] is False
    assert body["phoneNumbers"] == [{"type": "work", "value": "+1 555 0100"}]
    assert body["emails"][0]["value"] == "vp@acme.example"
    assert body[ENTERPRISE] == {"department": "Sales"}
    assert ENTERPRISE in body["schemas"]
    removed = scim.patch(
        f"/Users/{user['id']}", [{"op": "remove", "path": "title"}, {"op": "remove", "path": "phoneNumbers"}]
    )
    assert "phoneNumbers" not in removed.json()


def test_patch_errors_are_rfc_errors(scim: Scim) -> None:
    user = create(scim, "patcherr@acme.example")
    path = f"/Users/{user['id']}"
    assert_scim_error(scim.patch(path, [{"op": "replace", "path": "nosuch", "value": 1}]), 400, "invalidPath")
    assert_scim_error(scim.patch(path, [{"op": "replace", "path": "emails[type eq", "value": 1}]), 400, "invalidPath")
    assert_scim_error(scim.patch(path, [{"op": "replace", "path": "id", "value": "x"}]), 400, "mutability")
    assert_scim_error(scim.patch(path, [{"op": "remove"}]), 400, "noTarget")
    assert_scim_error(scim.patch(path, [{"op": "replace", "path": "active", "value": "maybe"}]), 400, "invalidValue")
    assert_scim_error(scim.patch(path, [{"op": "move", "path": "title"}]), 400, "invalidSyntax")
    assert_scim_error(
        scim.patch(path, [{"op": "replace", "path": 'emails[type eq "home"]', "value": {"value": "x"}}]),
        400,
        "noTarget",
    )
    assert_scim_error(scim.request("PATCH", path, {"Operations": []}), 400, "invalidSyntax")
    # Nothing of the failed requests stuck.
    assert scim.get(path).json()["meta"]["version"] == 'W/"1"'


def test_put_replaces_and_if_match_guards_against_stale_versions(scim: Scim) -> None:
    user = create(scim, "putme@acme.example", title="Old title")
    path = f"/Users/{user['id']}"
    replaced = scim.put(
        path, core_user(userName="putme@acme.example", name={"givenName": "Put"}), headers={"If-Match": 'W/"1"'}
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert "title" not in body and body["name"] == {"givenName": "Put"} and body["active"] is True
    assert body["meta"]["version"] == 'W/"2"'
    stale = scim.put(path, core_user(userName="putme@acme.example"), headers={"If-Match": 'W/"1"'})
    assert_scim_error(stale, 412)
    assert_scim_error(scim.delete(path, headers={"If-Match": 'W/"1"'}), 412)
    assert scim.get(path, headers={"If-None-Match": 'W/"2"'}).status_code == 304


def test_rename_to_a_taken_user_name_is_409(scim: Scim) -> None:
    create(scim, "taken@acme.example")
    other = create(scim, "free@acme.example")
    response = scim.patch(
        f"/Users/{other['id']}", [{"op": "replace", "path": "userName", "value": "TAKEN@acme.example"}]
    )
    assert_scim_error(response, 409, "uniqueness")


def test_delete_removes_the_user(scim: Scim) -> None:
    user = create(scim, "gone@acme.example")
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    assert_scim_error(scim.get(f"/Users/{user['id']}"), 404)


def test_filters_paging_sorting_and_projection(scim: Scim) -> None:
    for n in range(7):
        create(scim, f"page{n}@paging.example", title="Pager" if n % 2 else "Other")
    everyone = scim.get("/Users", params={"filter": 'userName ew "@paging.example"'}).json()
    assert everyone["totalResults"] == 7
    first = scim.get("/Users", params={"filter": 'userName co "@PAGING."', "startIndex": 1, "count": 3}).json()
    second = scim.get("/Users", params={"filter": 'userName co "@paging."', "startIndex": 4, "count": 3}).json()
    third = scim.get("/Users", params={"filter": 'userName co "@paging."', "startIndex": 7, "count": 3}).json()
    assert (first["totalResults"], first["itemsPerPage"], first["startIndex"]) == (7, 3, 1)
    assert (third["itemsPerPage"], third["startIndex"]) == (1, 7)
    names = [u["userName"] for page in (first, second, third) for u in page["Resources"]]
    assert names == [f"page{n}@paging.example" for n in range(7)]
    sorted_desc = scim.get(
        "/Users", params={"filter": 'userName sw "page"', "sortBy": "userName", "sortOrder": "descending"}
    ).json()
    assert sorted_desc["Resources"][0]["userName"] == "page6@paging.example"
    combined = scim.get(
        "/Users",
        params={
            "filter": 'userName sw "page" and (title eq "pager" or not (active eq true))',
            "attributes": "userName,name.givenName",
        },
    ).json()
    assert combined["totalResults"] == 3
    assert set(combined["Resources"][0]) == {"schemas", "id", "userName", "name"}
    value_path = scim.get(
        "/Users", params={"filter": 'emails[type eq "work" and value ew "@paging.example"] and title pr'}
    ).json()
    assert value_path["totalResults"] == 7
    excluded = scim.get(
        "/Users", params={"filter": 'userName eq "page0@paging.example"', "excludedAttributes": "emails,meta"}
    )
    assert "emails" not in excluded.json()["Resources"][0] and "meta" not in excluded.json()["Resources"][0]
    counted = scim.get("/Users", params={"filter": 'userName sw "page"', "count": 0}).json()
    assert counted["totalResults"] == 7 and counted["Resources"] == []
    by_date = scim.get(
        "/Users", params={"filter": 'meta.created gt "2000-01-01T00:00:00Z" and userName sw "page"'}
    ).json()
    assert by_date["totalResults"] == 7


def test_search_endpoint_takes_a_search_request(scim: Scim) -> None:
    create(scim, "searched@acme.example")
    response = scim.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName eq "searched@acme.example"',
            "attributes": ["userName"],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1


def test_bad_filters_and_parameters_are_400(scim: Scim) -> None:
    for bad in ("userName eq", 'userName zz "x"', '(userName eq "x"', "active gt true", 'meta.created gt "yesterday"'):
        assert_scim_error(scim.get("/Users", params={"filter": bad}), 400, "invalidFilter")
    assert_scim_error(scim.get("/Users", params={"count": "many"}), 400, "invalidValue")
    assert_scim_error(scim.get("/Users", params={"sortOrder": "sideways"}), 400, "invalidValue")


def test_user_name_lookup_pages_and_projects_like_any_filter(scim: Scim) -> None:
    user = create(scim, "Lookup.Person@acme.example")
    for written in ('userName eq "lookup.person@ACME.example"', 'USERNAME eq "Lookup.Person@acme.example"'):
        found = scim.get("/Users", params={"filter": written, "attributes": "userName"}).json()
        assert found["totalResults"] == 1 and found["itemsPerPage"] == 1
        assert found["Resources"] == [{"schemas": user["schemas"], "id": user["id"], "userName": user["userName"]}]
    later = scim.get("/Users", params={"filter": 'userName eq "lookup.person@acme.example"', "startIndex": 2}).json()
    assert later["totalResults"] == 1 and later["Resources"] == [] and later["startIndex"] == 2
    none = scim.get("/Users", params={"filter": 'userName eq "nobody.here@acme.example"'}).json()
    assert none["totalResults"] == 0 and none["Resources"] == []
