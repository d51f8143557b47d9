"""A SCIM create runs on one pooled SQLite connection of its own: it still takes SQLite's write lock before
reading, gives it back when it ends or is interrupted, keeps userNames unique under concurrent creates, and
publishes its audit event only once the create is committed.

Tests that replace a function for a moment (to watch a create or to make its commit fail) replace it for
the whole process, so the replacement acts only for this module's sandbox and hands every other call to
the original: another sandbox serving in the same process meanwhile is not disturbed, and does not
disturb what the test sees.
"""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.scim import api
from sandbox.blogin.scim.gate import ScimGate
from sandbox.blogin.scim.wire import ScimRequest
from sandbox.events import SandboxEvent
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim, user_body


def _write_lock_free(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def _write_lock_freed(path: str, within_s: float = 2.0) -> bool:
    """Whether the write lock is free, or comes free within ``within_s``.

    For checks after a request has ended: the trace writer and the log flusher take the lock for a moment
    of their own, while a lock a request leaked stays taken.
    """
    deadline = time.monotonic() + within_s
    while not _write_lock_free(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_create_holds_sqlite_write_lock_until_it_ends(running: Sandbox, token: str) -> None:
    system = running.blogin
    path = str(system.database.path)
    gate = ScimGate(system.database.engine)
    with system.database.sessions() as session:
        gate.state(session)  # known: the create then needs no Session at all
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/sso/scim/V2/Users",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(b""),
    }
    call = api.ScimCall(ScimRequest(environ, None), system)
    try:
        assert api.authenticate(call, gate) is None
        # The body is read and checked (and a password hashed) before the create queues for the lock. (The
        # trace writer may be storing an earlier test's exchanges this very moment: a lock this create had
        # taken would never come free while this thread waits, one of the writer's does within moments.)
        assert _write_lock_freed(path) and not call.write_locked
        call.transaction  # noqa: B018  (its first statement runs here)
        assert not _write_lock_free(path) and call.write_locked
        with pytest.raises(RuntimeError):
            call.session  # noqa: B018  (a second connection would wait on the first one's lock)
    finally:
        api.end_unfinished(call)
    assert _write_lock_freed(path)
    assert call.take_work() is None and not call.write_locked


def test_concurrent_creates_of_one_username_make_one_user_and_one_event(running: Sandbox, scim: Scim) -> None:
    published: list[SandboxEvent] = []
    subscription = running.bus.subscribe(published.append)
    barrier = threading.Barrier(8)

    def create(n: int) -> httpx.Response:
        with http_client() as client:
            own = Scim(client, scim.base, scim.token)
            barrier.wait()
            return own.post("/Users", user_body("carla.concurrent@acme.example", externalId=f"c{n}"))

    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(create, range(8)))
    finally:
        subscription.close()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 7, [a.text for a in answers]
    [created] = [a.json() for a in answers if a.status_code == 201]
    found = scim.get("/Users", params={"filter": 'userName eq "carla.concurrent@acme.example"'}).json()
    assert [u["id"] for u in found["Resources"]] == [created["id"]]
    events = [e for e in published if e.event_type == "scim_user_created"]
    assert [e.data["detail"]["user_id"] for e in events] == [created["id"]]


def test_a_refused_create_publishes_nothing_and_the_next_one_works(running: Sandbox, scim: Scim) -> None:
    published: list[SandboxEvent] = []
    subscription = running.bus.subscribe(published.append)
    try:
        refused = scim.post("/Users", user_body("", externalId="x"))
        assert refused.status_code == 400
        created = scim.post("/Users", user_body("nora.next@acme.example"))
        assert created.status_code == 201
    finally:
        subscription.close()
    audit = [e for e in published if e.event_type.startswith("scim_user_")]
    assert [e.data["detail"]["userName"] for e in audit] == ["nora.next@acme.example"]
    assert scim.get(f"/Users/{created.json()['id']}").status_code == 200


def test_a_create_with_a_password_reports_a_taken_username_and_keeps_the_password(running: Sandbox, scim: Scim) -> None:
    assert scim.post("/Users", user_body("dora.password@acme.example")).status_code == 201
    taken = scim.post("/Users", user_body("dora.password@acme.example", password="Another-Horse-7"))
    assert taken.status_code == 409 and taken.json()["scimType"] == "uniqueness"
    # A password hashed before the create queued for the lock is the one the user signs in with.
    assert scim.post("/Users", user_body("fay.password@acme.example", password="Correct-Horse-9")).status_code == 201
    with http_client() as client:
        signed_in = client.post(
            f"{running.blogin.base_url}/login",
            data={"email": "fay.password@acme.example", "password": "Correct-Horse-9"},
        )
    assert signed_in.status_code == 302, signed_in.text


def test_a_create_is_committed_and_its_lock_free_before_its_answer_is_built(
    running: Sandbox, scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.blogin.scim import routes

    path = str(running.blogin.database.path)
    seen: list[tuple[bool, bool, int]] = []
    build = routes.user_resource

    def watched(row: object, base: str, teams: list[tuple[str, str]]) -> dict[str, object]:
        if base != scim.base:
            return build(row, base, teams)  # another sandbox's answer
        # Another connection sees the new user, and may write, while the answer is being made.
        with sqlite3.connect(path, timeout=0) as other:
            visible = other.execute("SELECT count(*) FROM users WHERE id = ?", (getattr(row, "id", ""),)).fetchone()
        # Both locks are waited for a moment, as the trace writer may be storing earlier exchanges right now:
        # a lock this create still held would never come free while its own thread waits here.
        seen.append((_write_lock_freed(path), _lock_freed_elsewhere(running.blogin.traces.write_lock), visible[0]))
        return build(row, base, teams)

    monkeypatch.setattr(routes, "user_resource", watched)
    created = scim.post("/Users", user_body("early.commit@acme.example"))
    assert created.status_code == 201, created.text
    assert created.json()["userName"] == "early.commit@acme.example"
    assert created.headers["Location"] == created.json()["meta"]["location"]
    assert seen == [(True, True, 1)]
    [trace] = running.blogin.recent_traces("scim", limit=1)
    # The exchange still links to the create's audit event.
    assert trace.summary == "POST /Users → 201" and trace.related_id is not None


def _lock_free_elsewhere(lock: object, within_s: float = 0.0) -> bool:
    """Whether another thread can take ``lock`` (a re-entrant one is always free to its holder), waiting up
    to ``within_s`` for it."""
    result: list[bool] = []

    def probe() -> None:
        taken = lock.acquire(timeout=within_s)  # type: ignore[attr-defined]
        if taken:
            lock.release()  # type: ignore[attr-defined]
        result.append(bool(taken))

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return result[0]


def _lock_freed_elsewhere(lock: object, within_s: float = 2.0) -> bool:
    """As :func:`_lock_free_elsewhere`, for a lock another writer may hold for a moment of its own."""
    return _lock_free_elsewhere(lock, within_s)


def test_a_create_whose_commit_fails_answers_500_and_saves_nothing(
    running: Sandbox, scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.direct_sql import DirectWork

    published: list[SandboxEvent] = []
    subscription = running.bus.subscribe(published.append)
    engine, commit = running.blogin.database.engine, DirectWork.commit

    def failing_commit(self: DirectWork) -> None:
        if self.engine is not engine:
            return commit(self)  # another sandbox's change
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(DirectWork, "commit", failing_commit)
    try:
        failed = scim.post("/Users", user_body("lost.commit@acme.example"))
    finally:
        subscription.close()
    monkeypatch.undo()
    assert failed.status_code == 500
    assert failed.json()["detail"] == "The change could not be saved. Nothing was changed."
    assert not [e for e in published if e.event_type == "scim_user_created"]
    assert _write_lock_freed(str(running.blogin.database.path))
    [trace] = running.blogin.recent_traces("scim", limit=1)
    assert trace.summary == "POST /Users → 500" and trace.related_id is None
    found = scim.get("/Users", params={"filter": 'userName eq "lost.commit@acme.example"'}).json()
    assert found["totalResults"] == 0
    assert scim.post("/Users", user_body("lost.commit@acme.example")).status_code == 201
