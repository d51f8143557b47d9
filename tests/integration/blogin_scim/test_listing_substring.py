"""``userName co/sw/ew`` answers exactly the users a plain substring test picks, through the trigram index or
without it, after creates, renames (PUT and PATCH) and deletes — with names full of LIKE wildcards,
quotes, unicode and mixed case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.blogin.scim import fulltext
from tests.integration.blogin_scim.conftest import Scim, user_body

# Fragments chosen to trip LIKE (% _ \), FTS5 query syntax (" * ^ ( ) AND), GLOB ([ ? *), SQL quoting,
# and case folding beyond ASCII.
FRAGMENTS = [
    "per%cent",
    "under_score",
    "back\\slash",
    "o'brien",
    'say"cheese',
    "Ünïcødé",
    "straße",
    "İstanbul",
    "ΣΊΣΥΦΟΣ",
    "MiXeD.CaSe",
    "star*glob?",
    "[bracket]",
    "😀smile",
    "AND OR NOT",
    "(paren)^caret",
    "a%_b",
    "tab\tin",
    "plain",
]

PROBES = [
    "%",
    "_",
    "\\",
    "%_",
    "a%_b",
    "per%c",
    "er_s",
    "k\\s",
    "o'b",
    "'brien",
    'y"ch',
    '"',
    "ünï",
    "ÜNÏCØ",
    "ßE",
    "strasse",
    "i̇st",
    "İSTAN",
    "σίσ",
    "ΣΥΦ",
    "mixed.case",
    ".ca",
    "*gl",
    "ob?",
    "[br",
    "et]",
    "😀sm",
    "and or",
    " or ",
    "n)^c",
    "\tin",
    "plain",
    "@ex",
    "ample",
    "007",
    "1",
    "ab",
    "zzz-nothing",
    "@example.test",
]


def user_names(count: int) -> list[str]:
    return [f"{FRAGMENTS[n % len(FRAGMENTS)]}{n:03d}@example.test" for n in range(count)]


def listed(scim: Scim, filter_text: str, **params: Any) -> list[dict[str, Any]]:
    response = scim.get("/Users", params={"filter": filter_text, "count": 1000, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["totalResults"] == len(body["Resources"]) or "startIndex" in params
    resources: list[dict[str, Any]] = body["Resources"]
    return resources


def expected(names: list[str], op: str, value: str) -> list[str]:
    """What the filter means: userName ignores case (the stored key is the lower-cased userName)."""
    wanted = value.lower()
    test = {"co": str.__contains__, "sw": str.startswith, "ew": str.endswith}[op]
    return sorted((name for name in names if test(name.lower(), wanted)), key=str.lower)


def check_every_probe(scim: Scim, names: list[str]) -> None:
    for value in PROBES:
        for op in ("co", "sw", "ew"):
            found = [r["userName"] for r in listed(scim, f"userName {op} {json.dumps(value)}")]
            assert found == expected(names, op, value), (op, value)


@pytest.fixture(scope="module")
def people(running: Sandbox, scim: Scim) -> Iterator[dict[str, str]]:
    """userName → id for everyone: the seeded administrator and 216 users, three of them in a team."""
    before = scim.get("/Users", params={"count": 1000}).json()["Resources"]
    made: dict[str, str] = {r["userName"]: r["id"] for r in before}
    for name in user_names(216):
        response = scim.post("/Users", user_body(name))
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]
    members = [{"value": made[name]} for name in user_names(3)]
    team = scim.post(
        "/Groups",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Wildcards", "members": members},
    )
    assert team.status_code == 201, team.text
    yield made


def test_the_index_exists_and_answers_co(running: Sandbox, people: dict[str, str]) -> None:
    with running.blogin.database.engine.connect() as connection:
        tables = {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert "users_user_name_fts" in tables


def test_co_sw_ew_equal_a_substring_test(scim: Scim, people: dict[str, str]) -> None:
    check_every_probe(scim, list(people))


def test_listed_users_equal_the_users_read_by_id(scim: Scim, people: dict[str, str]) -> None:
    found = listed(scim, 'userName co "%"')
    assert found and any("groups" in r for r in found)
    for resource in found:
        assert resource == scim.get(f"/Users/{resource['id']}").json()
    page = scim.get("/Users", params={"startIndex": 1, "count": 50}).json()["Resources"]
    for resource in page:
        assert resource == scim.get(f"/Users/{resource['id']}").json()


def test_paging_and_totals_of_a_substring_filter(scim: Scim, people: dict[str, str]) -> None:
    everyone = expected(list(people), "co", "@example")
    assert len(everyone) > 100
    first = scim.get("/Users", params={"filter": 'userName co "@example"', "count": 100}).json()
    second = scim.get("/Users", params={"filter": 'userName co "@example"', "startIndex": 101, "count": 100}).json()
    past = scim.get("/Users", params={"filter": 'userName co "@example"', "startIndex": 5000, "count": 10}).json()
    counted = scim.get("/Users", params={"filter": 'userName co "@example"', "count": 0}).json()
    for body in (first, second, past, counted):
        assert body["totalResults"] == len(everyone)
    assert [r["userName"] for r in first["Resources"] + second["Resources"]] == everyone[:200]
    assert past["Resources"] == [] and counted["Resources"] == []
    projected = listed(scim, 'userName sw "plain"', attributes="userName")
    assert projected and all(set(r) == {"schemas", "id", "userName"} for r in projected)


def test_substring_inside_other_filters(scim: Scim, people: dict[str, str]) -> None:
    names = list(people)
    both = listed(scim, 'userName co "an" and userName ew "0@example.test"')
    assert [r["userName"] for r in both] == [n for n in expected(names, "co", "an") if n.endswith("0@example.test")]
    either = listed(scim, 'userName sw "plain" or userName co "%_b"')
    assert sorted(r["userName"] for r in either) == sorted(
        set(expected(names, "sw", "plain")) | set(expected(names, "co", "%_b"))
    )
    others = listed(scim, 'not (userName co "ünï")')
    assert len(others) == len(names) - len(expected(names, "co", "ünï"))
    descending = listed(scim, 'userName co "@ex"', sortOrder="descending")
    assert [r["userName"] for r in descending] == expected(names, "co", "@ex")[::-1]


def test_without_narrowing_the_answers_are_the_same(
    scim: Scim, people: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every value has more candidates than this: each search walks the userName index instead.
    monkeypatch.setattr(fulltext, "CANDIDATE_LIMIT", 0)
    check_every_probe(scim, list(people))


def test_renames_and_deletes_keep_the_index_in_step(scim: Scim, people: dict[str, str]) -> None:
    names = dict(people)
    for old in user_names(216)[:60:3]:
        new = f"Renamed%_{old.upper()}"
        assert scim.put(f"/Users/{names[old]}", user_body(new)).status_code == 200
        names[new] = names.pop(old)
    for old in user_names(216)[1:60:3]:
        new = f"patched'_{old}"
        assert (
            scim.patch(f"/Users/{names[old]}", [{"op": "replace", "path": "userName", "value": new}]).status_code == 200
        )
        names[new] = names.pop(old)
    for old in user_names(216)[2:60:3]:
        assert scim.delete(f"/Users/{names.pop(old)}").status_code == 204
    for old in user_names(216)[200:]:
        # A title change leaves the userName, and so the index, alone.
        assert (
            scim.patch(f"/Users/{names[old]}", [{"op": "replace", "path": "title", "value": "Same"}]).status_code == 200
        )
    check_every_probe(scim, list(names))
    assert [r["userName"] for r in listed(scim, 'userName sw "renamed%_"')] == expected(list(names), "sw", "renamed%_")
    # The renamed user is found by the old name inside the new one, in any case; the deleted one is gone.
    renamed = [r["userName"] for r in listed(scim, f"userName co {json.dumps(user_names(216)[0])}")]
    assert renamed == [f"Renamed%_{user_names(216)[0].upper()}"]
    assert listed(scim, f"userName eq {json.dumps(user_names(216)[2])}") == []
    assert listed(scim, f"userName co {json.dumps(user_names(216)[2])}") == []
