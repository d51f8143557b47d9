"""Error bodies a third-party SCIM client can act on (RFC 7644 §3.12): the scimType the RFC defines for the case,
and a detail that names what was wrong and what to send instead."""

from __future__ import annotations

import json

import pytest

from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.mark.parametrize(
    "written",
    [
        'password eq "Secret-1"',
        'userName eq "ada" and password co "Sec"',
        "not (password pr)",
        'urn:ietf:params:scim:schemas:core:2.0:User:password sw "S"',
    ],
)
def test_a_password_in_a_filter_in_the_url_is_refused_as_sensitive(scim: Scim, written: str) -> None:
    scim.post("/Users", user_body("pw.holder@acme.example", password="Secret-1"))
    body = assert_scim_error(scim.get("/Users", params={"filter": written}), 400, "sensitive")
    assert "a password must not be sent in a URL" in body["detail"]
    assert "filter on userName or emails instead" in body["detail"]
    # Nor at the service root, which lists Users too.
    assert_scim_error(scim.get("", params={"filter": written}), 400, "sensitive")


def test_a_password_in_a_search_body_is_an_invalid_filter(scim: Scim) -> None:
    answer = scim.post("/Users/.search", {"schemas": [SEARCH], "filter": 'password eq "Secret-1"'})
    body = assert_scim_error(answer, 400, "invalidFilter")
    assert body["detail"] == (
        "The filter compares 'password', which BlogIn never returns or compares (RFC 7643 §7: returned \"never\"); "
        "filter on userName or emails instead."
    )


def test_filters_naming_password_elsewhere_still_run(scim: Scim) -> None:
    # Inside brackets a name is a sub-attribute of the multi-valued attribute, not the User's password.
    answer = scim.get("/Users", params={"filter": 'emails[password eq "x"]'})
    assert answer.status_code == 200, answer.text
    assert answer.json()["totalResults"] == 0


def test_a_team_member_that_is_a_group_is_named_in_the_refusal(scim: Scim) -> None:
    member = scim.post("/Users", user_body("member.of.nested@acme.example")).json()["id"]
    answer = scim.post(
        "/Groups", {"schemas": [GROUP], "displayName": "Nested", "members": [{"value": member, "type": "Group"}]}
    )
    body = assert_scim_error(answer, 400, "invalidValue")
    assert body["detail"] == (
        f"The member '{member}' has the type 'Group'; BlogIn Teams hold Users only (a Team cannot contain another "
        'Team). Send members with "type": "User", or without a type.'
    )


def test_a_body_over_the_limit_says_how_large_it_was_and_the_limit(scim: Scim) -> None:
    document = json.dumps(user_body("huge@acme.example", title="x" * (9 * 1024 * 1024)))
    answer = scim.request("POST", "/Users", content=document)
    body = assert_scim_error(answer, 413)
    assert body["detail"] == (
        f"The request body ({len(document):,} bytes) is larger than BlogIn accepts: at most 8,388,608 bytes (8 MB). "
        "Send fewer members or attributes per request."
    )
    assert scim.get("/Users", params={"filter": 'userName eq "huge@acme.example"'}).json()["totalResults"] == 0


def test_a_taken_user_name_names_the_user_who_has_it_and_how_to_find_them(scim: Scim) -> None:
    holder = scim.post("/Users", user_body("Taken.Name@acme.example")).json()["id"]
    answer = scim.post("/Users", user_body("TAKEN.NAME@acme.example"))
    body = assert_scim_error(answer, 409, "uniqueness")
    assert body["detail"] == (
        f"A user with the userName 'taken.name@acme.example' already exists in BlogIn (id {holder}); userName "
        'ignores case. Find it with filter=userName eq "taken.name@acme.example".'
    )
    # The filter the detail gives finds that user.
    found = scim.get("/Users", params={"filter": 'userName eq "taken.name@acme.example"'}).json()
    assert [user["id"] for user in found["Resources"]] == [holder]
    other = scim.post("/Users", user_body("other.name@acme.example")).json()["id"]
    renamed = scim.patch(f"/Users/{other}", [{"op": "replace", "path": "userName", "value": "taken.name@ACME.example"}])
    assert f"(id {holder})" in assert_scim_error(renamed, 409, "uniqueness")["detail"]


def test_a_taken_team_name_names_the_team_that_has_it_and_how_to_find_it(scim: Scim) -> None:
    team = scim.post("/Groups", {"schemas": [GROUP], "displayName": 'Team "Alpha"'}).json()["id"]
    answer = scim.post("/Groups", {"schemas": [GROUP], "displayName": 'TEAM "ALPHA"'})
    body = assert_scim_error(answer, 409, "uniqueness")
    assert body["detail"] == (
        f"A team named 'team \"alpha\"' already exists in BlogIn (id {team}); team names ignore case. "
        'Find it with filter=displayName eq "team \\"alpha\\"".'
    )
    found = scim.get("/Groups", params={"filter": 'displayName eq "team \\"alpha\\""'}).json()
    assert [group["id"] for group in found["Resources"]] == [team]
