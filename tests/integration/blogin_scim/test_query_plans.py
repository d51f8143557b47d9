"""The SCIM lookups a provisioning client makes use indexes: SQLite's plan for every statement they run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from sandbox.app import Sandbox
from tests.integration.blogin_scim.conftest import Scim, user_body


@pytest.fixture
def statements(running: Sandbox) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT (WITH … SELECT too), UPDATE and DELETE BlogIn's engine runs during the test's requests."""
    seen: list[tuple[str, Any]] = []
    engine = running.blogin.database.engine

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    yield seen
    event.remove(engine, "before_cursor_execute", capture)


def plans(running: Sandbox, seen: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    with running.blogin.database.engine.connect() as connection:
        return [
            (statement, [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)])
            for statement, parameters in seen
        ]


# Who holds a userName a PUT or PATCH renames a user to.
_HOLDER_LOOKUP = "SELECT users.id FROM users WHERE users.user_name_key = ?"


def test_lookups_never_scan_the_users_table(running: Sandbox, scim: Scim, statements: list) -> None:
    created = scim.post("/Users", user_body("plan.check@acme.example"))
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert scim.get(f"/Users/{user_id}").status_code == 200
    assert scim.get("/Users", params={"filter": 'userName eq "Plan.Check@acme.example"'}).json()["totalResults"] == 1
    assert scim.get("/Users", params={"filter": 'externalId eq "5f1a2b3c4d5e6f7a8b9c0d1e"'}).status_code == 200
    patch = [{"op": "replace", "path": "title", "value": "Planner"}]
    assert scim.patch(f"/Users/{user_id}", patch).status_code == 200
    # A rename first looks up who holds the new userName.
    rename = [{"op": "replace", "path": "userName", "value": "plan.renamed@acme.example"}]
    assert scim.patch(f"/Users/{user_id}", rename).status_code == 200
    assert scim.put(f"/Users/{user_id}", user_body("plan.check@acme.example")).status_code == 200
    assert scim.delete(f"/Users/{user_id}").status_code == 204

    checked = plans(running, statements)
    touching_users = [(s, p) for s, p in checked if "users" in s]
    assert len(touching_users) >= 10
    holder_lookups = [s for s, _p in touching_users if s.split() == _HOLDER_LOOKUP.split()]
    assert len(holder_lookups) == 2
    for statement, plan in touching_users:
        scans = [step for step in plan if step.startswith("SCAN") and "users" in step and "USING" not in step]
        assert not scans, f"{statement}\n{plan}"
        assert any("USING" in step for step in plan), f"{statement}\n{plan}"


def test_a_page_of_users_walks_the_userName_index(running: Sandbox, scim: Scim, statements: list) -> None:
    assert scim.get("/Users", params={"startIndex": 1, "count": 5}).status_code == 200
    page = [plan for statement, plan in plans(running, statements) if "LIMIT" in statement and "users" in statement]
    assert page and all(any("USING INDEX" in step for step in plan) for plan in page), page


def scans_of_users(plan: list[str]) -> list[str]:
    """Steps walking the users table or one of its indexes (not the userName search index)."""
    return [step for step in plan if re.match(r"SCAN users\b(?!_)", step)]


@pytest.mark.parametrize(
    "filter_text",
    [
        'userName co "ner.pla"',
        'userName sw "Planner.plan"',
        'userName ew "PLAN@acme.example"',
        'userName co "ner.pla" and active eq true',
    ],
)
def test_a_substring_of_userName_goes_through_the_userName_search_index(
    running: Sandbox, scim: Scim, statements: list, filter_text: str
) -> None:
    if not any(scim.get("/Users", params={"filter": 'userName eq "planner.plan@acme.example"'}).json()["Resources"]):
        assert scim.post("/Users", user_body("Planner.Plan@acme.example")).status_code == 201
    statements.clear()
    found = scim.get("/Users", params={"filter": filter_text}).json()
    assert [r["userName"] for r in found["Resources"]] == ["Planner.Plan@acme.example"]

    checked = plans(running, statements)
    searches = [plan for statement, plan in checked if "users_user_name_fts MATCH" in statement]
    assert searches and all(any("VIRTUAL TABLE INDEX 0:M" in step for step in plan) for plan in searches), checked
    reads = [(s, plan) for s, plan in checked if re.search(r"\bFROM users\b(?!_)", s)]
    assert reads, checked
    for statement, plan in reads:
        assert not scans_of_users(plan), f"{statement}\n{plan}"
        assert any("SEARCH users USING INTEGER PRIMARY KEY (rowid=?)" in step for step in plan), f"{statement}\n{plan}"


def test_a_batched_lookup_searches_the_userName_index_per_name(running: Sandbox, scim: Scim, statements: list) -> None:
    names = [f"batched.{n}@acme.example" for n in range(3)]
    for name in names:
        assert scim.post("/Users", user_body(name)).status_code == 201
    statements.clear()
    expression = " or ".join(f'userName eq "{name.upper()}"' for name in [*names, "absent@acme.example"])
    found = scim.get("/Users", params={"filter": expression}).json()
    assert [r["userName"] for r in found["Resources"]] == names

    reads = [(s, plan) for s, plan in plans(running, statements) if re.search(r"\bFROM users\b(?!_)", s)]
    assert reads
    for statement, plan in reads:
        assert not scans_of_users(plan), f"{statement}\n{plan}"
        assert any("SEARCH users USING INDEX" in step and "(user_name_key=?)" in step for step in plan), plan
