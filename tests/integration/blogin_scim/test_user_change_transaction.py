"""A SCIM PUT or PATCH of a user runs on one pooled SQLite connection of its own, as a create does: it holds
SQLite's write lock from before its first read, changes one at a time under concurrent requests, commits
before its answer is built, saves and publishes nothing when its commit fails, and keeps the Session a
request opened first (a test fault, a gate read afresh)."""

from __future__ import annotations

import io
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.scim import api
from sandbox.blogin.scim.gate import ScimGate
from sandbox.blogin.scim.wire import ScimRequest
from sandbox.direct_sql import DirectWork
from sandbox.events import SandboxEvent
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body
from tests.integration.blogin_scim.test_create_transaction import (
    _lock_freed_elsewhere,
    _write_lock_free,
    _write_lock_freed,
)


def create(scim: Scim, user_name: str) -> str:
    response = scim.post("/Users", user_body(user_name))
    assert response.status_code == 201, response.text
    user_id: str = response.json()["id"]
    return user_id


@pytest.fixture
def published(running: Sandbox) -> Iterator[list[SandboxEvent]]:
    seen: list[SandboxEvent] = []
    subscription = running.bus.subscribe(seen.append)
    try:
        yield seen
    finally:
        subscription.close()


def _call(running: Sandbox, token: str, method: str, path: str) -> api.ScimCall:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": f"/sso/scim/V2{path}",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(b""),
    }
    return api.ScimCall(ScimRequest(environ, None), running.blogin)


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_user_change_holds_the_write_lock_from_the_gate_on_without_a_session(
    running: Sandbox, token: str, method: str
) -> None:
    system = running.blogin
    path = str(system.database.path)
    gate = ScimGate(system.database.engine)
    with system.database.sessions() as session:
        gate.state(session)  # known: the change then needs no Session at all
    call = _call(running, token, method, "/Users/some-user")
    try:
        assert api.authenticate(call, gate) is None
        # Before the user is read: a sign-in's JIT update cannot land between the read and the UPDATE.
        assert not _write_lock_free(path) and call.write_locked
        assert isinstance(call.transaction, DirectWork)
        with pytest.raises(RuntimeError):
            call.session  # noqa: B018  (a second connection would wait on the first one's lock)
    finally:
        api.end_unfinished(call)
    assert _write_lock_freed(path)
    assert call.take_work() is None and not call.write_locked


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/Users/some-user"), ("PATCH", "/Groups/some-team"), ("PUT", "/Users/a/b")]
)
def test_other_changes_keep_their_session(running: Sandbox, token: str, method: str, path: str) -> None:
    system = running.blogin
    gate = ScimGate(system.database.engine)
    with system.database.sessions() as session:
        gate.state(session)
    call = _call(running, token, method, path)
    try:
        assert api.authenticate(call, gate) is None
        assert call.write_locked and not _write_lock_free(str(system.database.path))
        assert call.take_work() is None
        assert call.transaction is call.session
    finally:
        api.end_unfinished(call)
    assert _write_lock_freed(str(system.database.path))


def _own_client(scim: Scim) -> Iterator[Scim]:
    with http_client() as client:
        yield Scim(client, scim.base, scim.token)


def test_concurrent_patches_of_one_user_each_change_the_version_once(
    running: Sandbox, scim: Scim, published: list[SandboxEvent]
) -> None:
    user_id = create(scim, "connie.current@acme.example")
    barrier = threading.Barrier(8)

    def patch(n: int) -> httpx.Response:
        with http_client() as client:
            own = Scim(client, scim.base, scim.token)
            barrier.wait()
            return own.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": f"Title {n}"}])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(patch, range(8)))
    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    versions = sorted(int(a.json()["meta"]["version"][3:-1]) for a in answers)
    assert versions == list(range(2, 10))
    last = max(answers, key=lambda a: int(a.json()["meta"]["version"][3:-1]))
    assert scim.get(f"/Users/{user_id}").json() == last.json()
    updates = [e for e in published if e.event_type == "scim_user_updated"]
    assert len(updates) == 8 and all(e.data["detail"]["user_id"] == user_id for e in updates)


def test_concurrent_renames_to_one_user_name_leave_it_with_one_user(running: Sandbox, scim: Scim) -> None:
    ids = [create(scim, f"rena.{n}@acme.example") for n in range(4)]
    barrier = threading.Barrier(4)

    def rename(user_id: str) -> httpx.Response:
        with http_client() as client:
            own = Scim(client, scim.base, scim.token)
            barrier.wait()
            return own.put(f"/Users/{user_id}", user_body("rena.final@acme.example"))

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(rename, ids))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409], [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert_scim_error(refused, 409, "uniqueness")
    found = scim.get("/Users", params={"filter": 'userName eq "rena.final@acme.example"'}).json()
    assert found["totalResults"] == 1


def test_a_patch_is_committed_and_its_lock_free_before_its_answer_is_built(
    running: Sandbox, scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.blogin.scim import routes

    path = str(running.blogin.database.path)
    user_id = create(scim, "early.patch@acme.example")
    seen: list[tuple[bool, bool, str]] = []
    build = routes.user_resource

    def watched(row: Any, base: str, teams: list[tuple[str, str]]) -> dict[str, Any]:
        if base != scim.base:
            return build(row, base, teams)  # another sandbox's answer
        with sqlite3.connect(path, timeout=0) as other:
            [title] = other.execute("SELECT title FROM users WHERE id = ?", (row.id,)).fetchone()
        # Both locks are waited for a moment, as the trace writer may be storing earlier exchanges right now:
        # a lock this change still held would never come free while its own thread waits here.
        seen.append((_write_lock_freed(path), _lock_freed_elsewhere(running.blogin.traces.write_lock), title))
        return build(row, base, teams)

    monkeypatch.setattr(routes, "user_resource", watched)
    patched = scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": "Early"}])
    monkeypatch.undo()
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "Early" and patched.headers["ETag"] == 'W/"2"'
    assert seen == [(True, True, "Early")]
    [trace] = running.blogin.recent_traces("scim", limit=1)
    assert trace.summary == f"PATCH /Users/{user_id} → 200" and trace.related_id is not None


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_change_whose_commit_fails_answers_500_and_saves_nothing(
    running: Sandbox, scim: Scim, monkeypatch: pytest.MonkeyPatch, published: list[SandboxEvent], method: str
) -> None:
    user_id = create(scim, f"lost.{method.lower()}@acme.example")

    engine, commit = running.blogin.database.engine, DirectWork.commit

    def failing_commit(self: DirectWork) -> None:
        if self.engine is not engine:
            return commit(self)  # another sandbox's change
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(DirectWork, "commit", failing_commit)
    if method == "PATCH":
        failed = scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": "Lost"}])
    else:
        failed = scim.put(f"/Users/{user_id}", user_body(f"lost.{method.lower()}@acme.example", title="Lost"))
    monkeypatch.undo()
    assert_scim_error(failed, 500)
    assert failed.json()["detail"] == "The change could not be saved. Nothing was changed."
    assert [e.event_type for e in published if e.event_type.startswith("scim_user_")] == ["scim_user_created"]
    assert _write_lock_freed(str(running.blogin.database.path))
    [trace] = running.blogin.recent_traces("scim", limit=1)
    assert trace.summary == f"{method} /Users/{user_id} → 500" and trace.related_id is None
    stored = scim.get(f"/Users/{user_id}").json()
    assert "title" not in stored and stored["meta"]["version"] == 'W/"1"'
    again = scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": "Kept"}])
    assert again.status_code == 200 and again.json()["meta"]["version"] == 'W/"2"'


def test_a_change_that_opened_a_session_first_keeps_it_and_answers_the_same(
    running: Sandbox, scim: Scim, monkeypatch: pytest.MonkeyPatch, published: list[SandboxEvent]
) -> None:
    user_id = create(scim, "sally.session@acme.example")
    opened: list[str] = []
    session_of = api.ScimCall.session

    def noted(call: api.ScimCall) -> Any:
        if call._session is None and call.request.method in ("PUT", "PATCH") and call.system is running.blogin:
            opened.append(call.request.method)
        return session_of.fget(call)  # type: ignore[attr-defined]

    monkeypatch.setattr(api.ScimCall, "session", property(noted))
    # A test fault on /Users: the request reads it through a Session before the change begins.
    running.blogin.set_scim_fault("Users", latency_ms=1)
    try:
        faulted = scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": "Faulted"}])
    finally:
        running.blogin.clear_scim_faults()
    # Clearing the faults makes the gate read its state afresh, through a Session, on the next request.
    renamed = scim.put(f"/Users/{user_id}", user_body("sally.renamed@acme.example", title="Faulted"))
    monkeypatch.undo()
    assert opened == ["PATCH", "PUT"]
    assert faulted.status_code == 200 and faulted.json()["title"] == "Faulted"
    assert faulted.headers["ETag"] == faulted.json()["meta"]["version"] == 'W/"2"'
    assert renamed.status_code == 200 and renamed.json()["userName"] == "sally.renamed@acme.example"
    assert scim.get(f"/Users/{user_id}").json() == renamed.json()
    events = [e for e in published if e.event_type.startswith("scim_user_")]
    assert [e.event_type for e in events] == ["scim_user_created", "scim_user_updated", "scim_user_updated"]
    changes = [t for t in running.blogin.recent_traces("scim", limit=10) if t.data["method"] in ("PUT", "PATCH")]
    assert [t.related_id for t in changes[-2:]] == [events[1].id, events[2].id]
    taken = scim.put(f"/Users/{create(scim, 'sam.other@acme.example')}", user_body("sally.renamed@acme.example"))
    assert_scim_error(taken, 409, "uniqueness")
