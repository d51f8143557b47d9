"""Queries at the service root: ``GET /sso/scim/V2`` and ``POST /sso/scim/V2/.search`` cover Users and
Groups together (RFC 7644 §3.4.2, §3.4.3), with the resource endpoints' filters, paging, sorting and
attributes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, core_user, group_body

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
# Every resource this module makes has "root" in its display name (the seeded administrator has not).
OURS = 'displayName co "root"'


@pytest.fixture(scope="module")
def made(scim: Scim) -> dict[str, Any]:
    users = {}
    for user_name, display in [
        ("ann.root@acme.example", "Ann Root"),
        ("bo.root@acme.example", "bo rooter"),
        ("cy.root@acme.example", "Cy Root"),
    ]:
        created = scim.post("/Users", core_user(userName=user_name, displayName=display))
        assert created.status_code == 201, created.text
        users[display] = created.json()
    groups = {}
    for display, members in [("Root Admins", ["Ann Root"]), ("beta roots", ["Cy Root", "bo rooter"])]:
        body = group_body(displayName=display, members=[{"value": users[m]["id"]} for m in members])
        created = scim.post("/Groups", body)
        assert created.status_code == 201, created.text
        groups[display] = created.json()
    return {"users": users, "groups": groups}


def search(scim: Scim, **request: Any) -> dict[str, Any]:
    response = scim.post("/.search", {"schemas": [SEARCH], **request})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    listed: dict[str, Any] = response.json()
    assert listed["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert listed["itemsPerPage"] == len(listed["Resources"])
    return listed


def names(listed: dict[str, Any]) -> list[str]:
    return [resource.get("displayName", "") for resource in listed["Resources"]]


def test_one_search_finds_users_then_groups(scim: Scim, made: dict[str, Any]) -> None:
    listed = search(scim, filter=OURS)
    assert listed["totalResults"] == 5 and listed["startIndex"] == 1
    # Users in their endpoint's order (userName), then Groups in theirs (displayName).
    assert names(listed) == ["Ann Root", "bo rooter", "Cy Root", "beta roots", "Root Admins"]
    kinds = [r["meta"]["resourceType"] for r in listed["Resources"]]
    assert kinds == ["User", "User", "User", "Group", "Group"]
    group = listed["Resources"][3]
    assert group["schemas"] == [GROUP] and {m["display"] for m in group["members"]} == {"Cy Root", "bo rooter"}
    assert group["meta"]["location"] == f"{scim.base}/Groups/{group['id']}"


def test_get_on_the_base_url_is_the_same_query(scim: Scim, made: dict[str, Any]) -> None:
    posted = search(scim, filter=OURS, attributes=["displayName"])
    for path in ("", "/"):
        response = scim.get(path, params={"filter": OURS, "attributes": "displayName"})
        assert response.status_code == 200, response.text
        assert response.json() == posted


def test_an_attribute_one_type_lacks_has_no_value_there(scim: Scim, made: dict[str, Any]) -> None:
    # userName is a User's: no Group is present or equal to anything through it (RFC 7644 §3.4.2.2).
    assert names(search(scim, filter=f"{OURS} and userName pr")) == ["Ann Root", "bo rooter", "Cy Root"]
    assert names(search(scim, filter=f"{OURS} and not (userName pr)")) == ["beta roots", "Root Admins"]
    ann = made["users"]["Ann Root"]["id"]
    assert names(search(scim, filter=f'members eq "{ann}"')) == ["Root Admins"]
    assert names(search(scim, filter='userName eq "cy.root@acme.example"')) == ["Cy Root"]
    # meta.resourceType picks one type out of the root's answer.
    assert names(search(scim, filter=f'{OURS} and meta.resourceType eq "Group"')) == ["beta roots", "Root Admins"]


def test_pages_run_on_from_the_users_into_the_groups(scim: Scim, made: dict[str, Any]) -> None:
    everything = names(search(scim, filter=OURS))
    walked: list[str] = []
    for start in range(1, 7, 2):
        page = search(scim, filter=OURS, startIndex=start, count=2)
        assert page["totalResults"] == 5 and page["startIndex"] == start
        walked += names(page)
    assert walked == everything
    assert names(search(scim, filter=OURS, startIndex=3, count=2)) == ["Cy Root", "beta roots"]
    counted = search(scim, filter=OURS, count=0)
    assert counted["totalResults"] == 5 and counted["Resources"] == []
    assert search(scim, filter=OURS, startIndex=9)["Resources"] == []


def test_sort_by_merges_the_types_case_insensitively(scim: Scim, made: dict[str, Any]) -> None:
    ascending = names(search(scim, filter=OURS, sortBy="displayName"))
    assert ascending == ["Ann Root", "beta roots", "bo rooter", "Cy Root", "Root Admins"]
    descending = names(search(scim, filter=OURS, sortBy="displayName", sortOrder="descending"))
    assert descending == list(reversed(ascending))
    # Paged, the merged order is cut the same way.
    walked = [
        n
        for start in (1, 3, 5)
        for n in names(search(scim, filter=OURS, sortBy="displayName", startIndex=start, count=2))
    ]
    assert walked == ascending


def test_resources_without_the_sort_attribute_come_last_ascending_and_first_descending(
    scim: Scim, made: dict[str, Any]
) -> None:
    # Groups have no userName (RFC 7644 §3.4.2.3).
    ascending = search(scim, filter=OURS, sortBy="userName", attributes=["userName", "displayName"])
    assert names(ascending) == ["Ann Root", "bo rooter", "Cy Root", "beta roots", "Root Admins"]
    descending = search(scim, filter=OURS, sortBy="userName", sortOrder="descending", attributes=["displayName"])
    assert names(descending) == ["beta roots", "Root Admins", "Cy Root", "bo rooter", "Ann Root"]
    # attributes leaves the sort attribute out of the answer, not out of the sorting.
    assert all(set(r) == {"schemas", "id", "displayName"} for r in descending["Resources"])


def test_attributes_and_excluded_attributes_apply_to_both_types(scim: Scim, made: dict[str, Any]) -> None:
    only = search(scim, filter=OURS, attributes=["displayName"])
    assert all(set(r) == {"schemas", "id", "displayName"} for r in only["Resources"])
    trimmed = search(scim, filter=OURS, excludedAttributes=["members", "meta", "groups"])
    assert all(not {"members", "meta", "groups"} & set(r) for r in trimmed["Resources"])
    assert {r["schemas"][0] for r in trimmed["Resources"]} == {USER, GROUP}


def test_a_wrong_root_search_is_a_scim_error(scim: Scim, made: dict[str, Any]) -> None:
    assert_scim_error(scim.get("/.search"), 405)
    assert_scim_error(scim.post("/.search", [1, 2]), 400, "invalidSyntax")
    assert_scim_error(scim.post("/.search", {"schemas": ["urn:wrong"]}), 400, "invalidSyntax")
    assert_scim_error(scim.post("/.search", {"filter": "displayName sw"}), 400, "invalidFilter")
    assert_scim_error(scim.post("/.search", {"count": "many"}), 400, "invalidValue")
    assert_scim_error(scim.get("", params={"sortOrder": "sideways"}), 400, "invalidValue")
    assert scim.request("OPTIONS", "/.search").headers["Allow"] == "POST, OPTIONS"
    assert scim.request("OPTIONS", "").headers["Allow"] == "GET, HEAD, OPTIONS"
