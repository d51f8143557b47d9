"""``sortBy``/``sortOrder`` on /Users and /Groups as RFC 7644 §3.4.2.3 sets them out (ServiceProviderConfig
says ``sort.supported: true``): case-insensitive unless the attribute is case-exact, a multi-valued
attribute by its primary value, and resources without a value last ascending and first descending."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.blogin_scim.conftest import Scim, core_user, group_body

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
OURS = 'userName ew "@sort.example"'


@pytest.fixture(scope="module")
def made(scim: Scim) -> None:
    people: list[dict[str, Any]] = [
        {"userName": "u1@sort.example", "displayName": "bravo", "externalId": "a1", "name": {"givenName": "Zoe"}},
        {"userName": "u2@sort.example", "displayName": "Alpha", "externalId": "B1", "name": {"givenName": "yann"}},
        {"userName": "u3@sort.example", "displayName": "charlie"},
        {"userName": "u4@sort.example", "displayName": "", "name": {"givenName": "Xavier"}},
    ]
    people[0]["emails"] = [{"value": "z@home.example", "type": "home"}, {"value": "b@work.example", "primary": True}]
    people[1]["emails"] = [{"value": "C@work.example", "type": "work"}]
    people[0][ENTERPRISE] = {"department": "Sales"}
    people[2][ENTERPRISE] = {"department": "accounts"}
    for person in people:
        created = scim.post("/Users", core_user(**person))
        assert created.status_code == 201, created.text
    for name, external_id in [("Sort b", "x2"), ("sort A", None), ("Sort c", "X1")]:
        body: dict[str, Any] = group_body(displayName=name)
        if external_id:
            body["externalId"] = external_id
        assert scim.post("/Groups", body).status_code == 201


def user_names(scim: Scim, sort_by: str, order: str = "ascending") -> list[str]:
    params = {"filter": OURS, "sortBy": sort_by, "sortOrder": order, "attributes": "userName"}
    response = scim.get("/Users", params=params)
    assert response.status_code == 200, response.text
    return [r["userName"].split("@")[0] for r in response.json()["Resources"]]


def test_service_provider_config_says_sorting_is_supported(scim: Scim) -> None:
    assert scim.get("/ServiceProviderConfig").json()["sort"] == {"supported": True}


def test_strings_sort_ignoring_case_and_empty_values_go_last(scim: Scim, made: None) -> None:
    assert user_names(scim, "displayName") == ["u2", "u1", "u3", "u4"]
    # Descending is the exact reverse: the user without a display name comes first.
    assert user_names(scim, "displayName", "descending") == ["u4", "u3", "u1", "u2"]
    assert user_names(scim, "name.givenName") == ["u4", "u2", "u1", "u3"]
    assert user_names(scim, "NAME.GIVENNAME", "descending") == ["u3", "u1", "u2", "u4"]


def test_case_exact_attributes_sort_by_code_point(scim: Scim, made: None) -> None:
    # externalId is case-exact: "B1" before "a1"; users without one last, or first descending.
    assert user_names(scim, "externalId") == ["u2", "u1", "u3", "u4"]
    assert user_names(scim, "externalId", "descending") == ["u3", "u4", "u1", "u2"]


def test_a_multi_valued_attribute_sorts_by_its_primary_value(scim: Scim, made: None) -> None:
    # u1's primary email is b@work (not its first, z@home); u2's only one is C@work; u3 and u4 have none.
    assert user_names(scim, "emails") == ["u1", "u2", "u3", "u4"]
    assert user_names(scim, "emails.value", "descending") == ["u3", "u4", "u2", "u1"]


def test_an_extension_attribute_sorts_by_its_full_name(scim: Scim, made: None) -> None:
    assert user_names(scim, f"{ENTERPRISE}:department") == ["u3", "u1", "u2", "u4"]


def test_sorted_pages_cut_one_order(scim: Scim, made: None) -> None:
    params = {"filter": OURS, "sortBy": "displayName", "count": 2, "attributes": "userName"}
    walked = [
        r["userName"].split("@")[0]
        for start in (1, 3)
        for r in scim.get("/Users", params={**params, "startIndex": start}).json()["Resources"]
    ]
    assert walked == ["u2", "u1", "u3", "u4"]


def test_groups_sort_by_name_ignoring_case_and_by_case_exact_external_id(scim: Scim, made: None) -> None:
    def group_names(sort_by: str, order: str = "ascending") -> list[str]:
        params = {"filter": 'displayName sw "sort"', "sortBy": sort_by, "sortOrder": order}
        return [r["displayName"] for r in scim.get("/Groups", params=params).json()["Resources"]]

    assert group_names("displayName") == ["sort A", "Sort b", "Sort c"]
    assert group_names("displayName", "descending") == ["Sort c", "Sort b", "sort A"]
    assert group_names("externalId") == ["Sort c", "Sort b", "sort A"]
    assert group_names("externalId", "descending") == ["sort A", "Sort b", "Sort c"]


def test_case_is_ignored_beyond_ascii_letters(scim: Scim) -> None:
    for user_name, display in [("f1@fold.example", "Ézra"), ("f2@fold.example", "éa"), ("f3@fold.example", "Eb")]:
        assert scim.post("/Users", core_user(userName=user_name, displayName=display)).status_code == 201
    params = {"filter": 'userName ew "@fold.example"', "sortBy": "displayName", "attributes": "userName"}
    listed = scim.get("/Users", params=params).json()["Resources"]
    # "eb" < "éa" < "ézra": É is folded to é, as Python folds it (SQLite's lower() leaves it).
    assert [r["userName"].split("@")[0] for r in listed] == ["f3", "f2", "f1"]
