"""A provisioning client's batched lookup, ``userName eq "a" or userName eq "b" …``: the users it names, any
case, in userName order, paged, with the same representation as a read by id."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body


@pytest.fixture(scope="module")
def named(scim: Scim) -> Iterator[dict[str, str]]:
    """userName → id for 30 users, two of them in a team."""
    made: dict[str, str] = {}
    for n in range(30):
        name = f"Batch.{n:02d}_o'Name@acme.example"
        response = scim.post("/Users", user_body(name))
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]
    members = [{"value": made[name]} for name in list(made)[:2]]
    team = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Batch", "members": members}
    assert scim.post("/Groups", team).status_code == 201
    yield made


def lookup(scim: Scim, names: list[str], **params: object) -> dict:
    expression = " or ".join(f"userName eq {json.dumps(name)}" for name in names)
    response = scim.get("/Users", params={"filter": expression, "count": len(names), **params})
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def test_the_named_users_in_userName_order(scim: Scim, named: dict[str, str]) -> None:
    everyone = sorted(named, key=str.lower)
    asked = [everyone[7].upper(), everyone[0], "nobody@acme.example", everyone[3].lower(), everyone[0], everyone[29]]
    body = lookup(scim, asked)
    assert body["totalResults"] == 4
    assert [r["userName"] for r in body["Resources"]] == [everyone[n] for n in (0, 3, 7, 29)]
    for resource in body["Resources"]:
        assert resource == scim.get(f"/Users/{resource['id']}").json()
    assert "groups" in body["Resources"][0]


def test_paging_a_batched_lookup(scim: Scim, named: dict[str, str]) -> None:
    everyone = sorted(named, key=str.lower)
    first = lookup(scim, everyone[:20], count=8)
    second = lookup(scim, everyone[:20], count=8, startIndex=9)
    past = lookup(scim, everyone[:20], startIndex=40)
    counted = lookup(scim, everyone[:20], count=0)
    nobody = lookup(scim, ["nobody@acme.example", "nor.anyone@acme.example"])
    assert [b["totalResults"] for b in (first, second, past, counted, nobody)] == [20, 20, 20, 20, 0]
    assert [r["userName"] for r in first["Resources"] + second["Resources"]] == everyone[:16]
    assert past["Resources"] == counted["Resources"] == nobody["Resources"] == []
    projected = lookup(scim, everyone[:3], attributes="userName")
    assert [set(r) for r in projected["Resources"]] == [{"schemas", "id", "userName"}] * 3


def test_other_shapes_of_or_still_answer(scim: Scim, named: dict[str, str]) -> None:
    everyone = sorted(named, key=str.lower)
    mixed = scim.get("/Users", params={"filter": f'userName eq "{everyone[1]}" or title eq "nobody has this"'})
    assert [r["userName"] for r in mixed.json()["Resources"]] == [everyone[1]]
    descending = lookup(scim, everyone[:3], sortOrder="descending")
    assert [r["userName"] for r in descending["Resources"]] == everyone[:3][::-1]


@pytest.mark.parametrize(
    "filter_text",
    [
        'userName eq "\\ud800x"',
        'userName eq "\\ud800x" or userName eq "a\\u0000b"',
        'userName co "\\ud800xyz"',
        'userName sw "a\\u0000bc"',
        'userName co "\\ud800xyz" and active eq true',
    ],
)
def test_lone_surrogates_and_nuls_answer_without_a_server_error(scim: Scim, filter_text: str) -> None:
    for path in ("/Users", "/Groups"):
        response = scim.get(path, params={"filter": filter_text.replace("userName", "displayName")})
        assert response.status_code in (200, 400), response.text
        if "\\ud800" in filter_text:
            assert_scim_error(response, 400, "invalidFilter")
    assert scim.get("/Users", params={"filter": filter_text}).status_code in (200, 400)
