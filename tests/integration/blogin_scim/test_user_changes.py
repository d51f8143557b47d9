"""Every path of a SCIM PUT or PATCH of a user, answered without a Session: what the client reads, the audit
events published, the exchange's link to them, and what a refused change leaves behind.

The ``no_session`` fixture makes any Session a PUT or PATCH would open a failure (a 500 the tests see), so
each answer here also shows that the path ran on its own pooled connection alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.blogin.scim import api
from sandbox.events import SandboxEvent
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, core_user, group_body, user_body


class Published:
    """The BlogIn audit events of SCIM user changes published while a test runs."""

    def __init__(self) -> None:
        self.events: list[SandboxEvent] = []

    def __call__(self, event: SandboxEvent) -> None:
        if event.system == "blogin" and event.event_type.startswith("scim_user_"):
            self.events.append(event)

    def types(self) -> list[str]:
        return [e.event_type for e in self.events]


@pytest.fixture
def published(running: Sandbox) -> Iterator[Published]:
    seen = Published()
    subscription = running.bus.subscribe(seen)
    try:
        yield seen
    finally:
        subscription.close()


@pytest.fixture(autouse=True)
def no_session(scim: Scim, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PUT or PATCH that opens a Session fails; other requests (the tests' reads) open theirs."""
    assert scim.get("/Users", params={"count": 1}).status_code == 200  # the gate's state is known
    opened = api.ScimCall.session

    def guarded(call: api.ScimCall) -> Any:
        if call.request.method in ("PUT", "PATCH"):
            raise AssertionError("a SCIM change of a user opened a Session")
        return opened.fget(call)  # type: ignore[attr-defined]

    monkeypatch.setattr(api.ScimCall, "session", property(guarded))


def create(scim: Scim, user_name: str, **extra: Any) -> dict[str, Any]:
    response = scim.post("/Users", user_body(user_name, **extra))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def last_change(running: Sandbox) -> Any:
    """The newest recorded PUT or PATCH exchange."""
    traces = running.blogin.recent_traces("scim", limit=20)
    return [t for t in traces if t.data["method"] in ("PUT", "PATCH")][-1]


def signs_in(running: Sandbox, email: str, password: str) -> bool:
    with http_client(follow_redirects=False) as browser:
        answer = browser.post(f"{running.blogin.base_url}/login", data={"email": email, "password": password})
    return answer.status_code == 302


def test_a_patch_answers_the_stored_user_and_links_its_exchange_to_its_audit_event(
    running: Sandbox, scim: Scim, published: Published
) -> None:
    user = create(scim, "paula.patch@acme.example")
    path = f"/Users/{user['id']}"
    patched = scim.patch(
        path,
        [
            {"op": "replace", "path": "name.givenName", "value": "Paula"},
            {"op": "replace", "path": "title", "value": "Director"},
        ],
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["name"]["givenName"] == "Paula" and body["title"] == "Director"
    assert patched.headers["ETag"] == body["meta"]["version"] == 'W/"2"'
    assert body["meta"]["lastModified"] > body["meta"]["created"]
    assert scim.get(path).json() == body
    [created, updated] = published.events
    assert created.event_type == "scim_user_created"
    assert updated.event_type == "scim_user_updated"
    assert updated.summary == "SCIM updated user paula.patch@acme.example: given_name, title"
    assert updated.data["detail"] == {"user_id": user["id"], "changed": ["given_name", "title"]}
    exchange = last_change(running)
    assert exchange.summary == f"PATCH {path} → 200" and exchange.related_id == updated.id


def test_a_put_replaces_the_user_and_says_what_changed(running: Sandbox, scim: Scim, published: Published) -> None:
    user = create(scim, "percy.put@acme.example", title="Engineer")
    path = f"/Users/{user['id']}"
    replaced = scim.put(
        path,
        core_user(userName="percy.put@acme.example", name={"givenName": "Percy"}, timezone="Europe/Paris"),
        headers={"If-Match": 'W/"1"'},
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["name"] == {"givenName": "Percy"} and body["timezone"] == "Europe/Paris"
    assert "title" not in body and "emails" not in body and "externalId" not in body
    assert replaced.headers["ETag"] == body["meta"]["version"] == 'W/"2"'
    assert scim.get(path).json() == body
    updated = published.events[-1]
    assert updated.event_type == "scim_user_updated"
    assert updated.summary.startswith("SCIM replaced user percy.put@acme.example: ")
    assert {"title", "timezone", "given_name", "email", "external_id"} <= set(updated.data["detail"]["changed"])
    assert last_change(running).related_id == updated.id


def test_active_changes_deactivate_and_reactivate(running: Sandbox, scim: Scim, published: Published) -> None:
    user = create(scim, "otto.active@acme.example", password="Correct-Horse-9")
    path = f"/Users/{user['id']}"
    off = scim.patch(path, [{"op": "replace", "path": "active", "value": False}])
    assert off.status_code == 200 and off.json()["active"] is False
    assert not signs_in(running, "otto.active@acme.example", "Correct-Horse-9")
    back = scim.put(path, user_body("otto.active@acme.example", active=True))
    assert back.status_code == 200 and back.json()["active"] is True
    assert signs_in(running, "otto.active@acme.example", "Correct-Horse-9")
    assert published.types() == ["scim_user_created", "scim_user_deactivated", "scim_user_reactivated"]
    assert [e.summary for e in published.events[1:]] == [
        "SCIM deactivated user otto.active@acme.example",
        "SCIM reactivated user otto.active@acme.example",
    ]
    assert back.json()["meta"]["version"] == 'W/"3"'


def test_a_put_without_active_leaves_a_deactivated_user_deactivated(
    running: Sandbox, scim: Scim, published: Published
) -> None:
    user = create(scim, "ida.inactive@acme.example", password="Correct-Horse-9")
    path = f"/Users/{user['id']}"
    assert scim.patch(path, [{"op": "replace", "path": "active", "value": False}]).status_code == 200
    body = user_body("ida.inactive@acme.example", title="Editor")
    del body["active"]
    replaced = scim.put(path, body)
    assert replaced.status_code == 200
    assert replaced.json()["active"] is False and replaced.json()["title"] == "Editor"
    assert not signs_in(running, "ida.inactive@acme.example", "Correct-Horse-9")
    assert published.types() == ["scim_user_created", "scim_user_deactivated", "scim_user_updated"]


def test_a_password_set_by_patch_or_put_signs_in(running: Sandbox, scim: Scim, published: Published) -> None:
    user = create(scim, "wanda.word@acme.example")
    path = f"/Users/{user['id']}"
    patched = scim.patch(path, [{"op": "replace", "path": "password", "value": "Patched-Horse-1"}])
    assert patched.status_code == 200 and "password" not in patched.json()
    assert signs_in(running, "wanda.word@acme.example", "Patched-Horse-1")
    put = scim.put(path, user_body("wanda.word@acme.example", password="Put-Horse-2"))
    assert put.status_code == 200 and "password" not in put.json()
    assert signs_in(running, "wanda.word@acme.example", "Put-Horse-2")
    assert not signs_in(running, "wanda.word@acme.example", "Patched-Horse-1")
    assert [e.data["detail"]["changed"] for e in published.events[1:]] == [["password"], ["password"]]
    refused = scim.put(path, user_body("wanda.word@acme.example", password=True))
    assert_scim_error(refused, 400, "invalidValue")
    assert scim.get(path).json()["meta"]["version"] == 'W/"3"'


def test_a_change_that_changes_nothing_keeps_the_version_and_writes_no_event(
    running: Sandbox, scim: Scim, published: Published
) -> None:
    user = create(scim, "norma.noop@acme.example", title="Editor")
    path = f"/Users/{user['id']}"
    same = scim.patch(path, [{"op": "replace", "path": "title", "value": "Editor"}])
    assert same.status_code == 200 and same.json() == user
    assert same.headers["ETag"] == 'W/"1"'
    assert last_change(running).related_id is None
    put = scim.put(path, user_body("norma.noop@acme.example", title="Editor"), headers={"If-Match": 'W/"1"'})
    assert put.status_code == 200 and put.json() == user
    assert published.types() == ["scim_user_created"]


def test_renames_check_the_user_name_is_free_in_any_case(running: Sandbox, scim: Scim, published: Published) -> None:
    create(scim, "held.name@acme.example")
    user = create(scim, "rene.rename@acme.example")
    path = f"/Users/{user['id']}"
    taken = scim.patch(path, [{"op": "replace", "path": "userName", "value": "HELD.name@acme.example"}])
    body = assert_scim_error(taken, 409, "uniqueness")
    assert "held.name@acme.example" in body["detail"]
    assert_scim_error(scim.put(path, user_body("Held.Name@acme.example")), 409, "uniqueness")
    assert last_change(running).related_id is None
    # Its own name in other letters is no clash; a free name is taken.
    recased = scim.patch(path, [{"op": "replace", "path": "userName", "value": "Rene.Rename@acme.example"}])
    assert recased.status_code == 200 and recased.json()["userName"] == "Rene.Rename@acme.example"
    renamed = scim.put(path, user_body("rene.renamed@acme.example"))
    assert renamed.status_code == 200 and renamed.json()["userName"] == "rene.renamed@acme.example"
    assert renamed.json()["meta"]["version"] == 'W/"3"'
    found = scim.get("/Users", params={"filter": 'userName eq "rene.rename@acme.example"'}).json()
    assert found["totalResults"] == 0
    assert published.types() == ["scim_user_created"] * 2 + ["scim_user_updated"] * 2
    # The freed name can be taken by someone else.
    assert (
        scim.patch(
            f"/Users/{create(scim, 'third@acme.example')['id']}",
            [{"op": "replace", "path": "userName", "value": "rene.rename@acme.example"}],
        ).status_code
        == 200
    )


def test_a_user_jit_made_is_changed_in_place(running: Sandbox, scim: Scim, published: Published) -> None:
    with running.blogin.database.transaction() as session:
        jit = User(
            user_name="jill.jit@acme.example",
            user_name_key="jill.jit@acme.example",
            email="jill.jit@acme.example",
            source="JIT",
            role="Author",
        )
        session.add(jit)
        session.flush()
        jit_id = jit.id
    path = f"/Users/{jit_id}"
    patched = scim.patch(path, [{"op": "replace", "path": "displayName", "value": "Jill"}])
    assert patched.status_code == 200, patched.text
    assert patched.json()["displayName"] == "Jill" and patched.json()["userName"] == "jill.jit@acme.example"
    with running.blogin.database.sessions() as session:
        stored = session.get(User, jit_id)
        assert stored is not None
        assert (stored.source, stored.role, stored.display_name) == ("JIT", "Author", "Jill")
    assert published.types() == ["scim_user_updated"]


def test_team_memberships_show_in_the_answer_and_are_not_changed_by_user_writes(
    running: Sandbox, scim: Scim, published: Published
) -> None:
    user = create(scim, "tina.teams@acme.example")
    path = f"/Users/{user['id']}"
    for name in ("Writers", "Editors"):
        team = scim.post("/Groups", group_body(displayName=f"{name} of Tina", members=[{"value": user["id"]}]))
        assert team.status_code == 201, team.text
    groups = scim.get(path).json()["groups"]
    assert [g["display"] for g in groups] == ["Editors of Tina", "Writers of Tina"]
    patched = scim.patch(path, [{"op": "replace", "path": "title", "value": "Lead"}])
    assert patched.status_code == 200 and patched.json()["groups"] == groups
    put = scim.put(path, user_body("tina.teams@acme.example", groups=[{"value": "elsewhere"}]))
    assert put.status_code == 200 and put.json()["groups"] == groups
    refused = scim.patch(path, [{"op": "add", "path": "groups", "value": [{"value": "elsewhere"}]}])
    assert_scim_error(refused, 400, "mutability")
    assert scim.get(path).json() == put.json()


def test_versions_guard_and_query_parameters_shape_the_answer(
    running: Sandbox, scim: Scim, published: Published
) -> None:
    user = create(scim, "vera.version@acme.example")
    path = f"/Users/{user['id']}"
    stale = scim.patch(path, [{"op": "replace", "path": "title", "value": "x"}], headers={"If-Match": 'W/"7"'})
    assert_scim_error(stale, 412)
    current = scim.patch(
        path,
        [{"op": "replace", "path": "title", "value": "Chief"}],
        headers={"If-Match": 'W/"1"'},
        params={"attributes": "title"},
    )
    assert current.status_code == 200
    assert current.json() == {"schemas": user["schemas"], "id": user["id"], "title": "Chief"}
    assert current.headers["ETag"] == 'W/"2"'
    # A refused query parameter is reported before anything is saved.
    bad = scim.patch(path, [{"op": "replace", "path": "title", "value": "Lost"}], params={"count": "many"})
    assert_scim_error(bad, 400, "invalidValue")
    assert scim.get(path).json()["title"] == "Chief"
    assert_scim_error(scim.patch("/Users/no-such-user", [{"op": "remove", "path": "title"}]), 404)
    assert_scim_error(scim.put("/Users/no-such-user", user_body("nobody@acme.example")), 404)
    assert_scim_error(scim.request("PATCH", path, content="{not json"), 400, "invalidSyntax")
    assert_scim_error(scim.put(path, core_user(userName="")), 400, "invalidValue")
    assert published.types() == ["scim_user_created", "scim_user_updated"]
