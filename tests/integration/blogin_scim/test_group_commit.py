"""Concurrent SCIM creates share a transaction: each still answers only once its own user is committed,
a refused create leaves the others' users alone, and a create that fails after writing saves nothing of
its run."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sandbox.app import Sandbox
from sandbox.blogin.scim.group_commit import CreateShare, GroupCommit
from sandbox.blogin.scim.users import create_user
from sandbox.events import SandboxEvent
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim, user_body


def _committed(running: Sandbox, user_name: str) -> bool:
    """Whether another connection sees the user (only committed rows show there)."""
    path = running.blogin.database.path
    assert path is not None
    other = sqlite3.connect(path)
    try:
        found = other.execute("SELECT count(*) FROM users WHERE user_name_key = ?", (user_name,)).fetchone()
        return bool(found[0])
    finally:
        other.close()


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_concurrent_creates_each_answer_after_their_user_is_committed(running: Sandbox, scim: Scim) -> None:
    published: list[SandboxEvent] = []
    subscription = running.bus.subscribe(published.append)
    barrier = threading.Barrier(8)

    def create_five(n: int) -> list[tuple[str, int, bool]]:
        seen = []
        with http_client() as client:
            own = Scim(client, scim.base, scim.token)
            barrier.wait()
            for k in range(5):
                name = f"run{n}.{k}@acme.example"
                answer = own.post("/Users", user_body(name, externalId=f"r{n}{k}"))
                seen.append((name, answer.status_code, _committed(running, name)))
            # A userName another thread created: refused, whichever run it lands in.
            taken = own.post("/Users", user_body(f"run{(n + 1) % 8}.0@acme.example", externalId="dup"))
            seen.append(("taken", taken.status_code, True))
        return seen

    try:
        with ThreadPoolExecutor(8) as pool:
            outcomes = [o for seen in pool.map(create_five, range(8)) for o in seen]
    finally:
        subscription.close()
    created = [name for name, status, _ in outcomes if status == 201]
    assert len(created) == 40 and all(committed for _, _, committed in outcomes)
    assert sorted(status for name, status, _ in outcomes if name == "taken") == [409] * 8
    events = [e for e in published if e.event_type == "scim_user_created"]
    assert sorted(e.data["detail"]["userName"] for e in events) == sorted(created)
    listed = scim.get("/Users", params={"filter": 'userName sw "run"', "count": 100}).json()
    assert listed["totalResults"] == 40


def _create(share: CreateShare, user_name: str) -> None:
    create_user(share, user_body(user_name), "http://acme.blogin.localhost/sso/scim/V2")


def _two_creates(
    running: Sandbox, first: str, second: str, *, keep_second: bool, second_writes: bool = True
) -> dict[str, Any]:
    """The first create hands the open transaction to a second one waiting for its turn; returns what each
    ``leave`` said, and whether the first had been committed while the second was still running."""
    commits: GroupCommit = running.blogin.scim_creates
    engine = running.blogin.database.engine
    outcome: dict[str, Any] = {}
    first_done = threading.Event()
    second_in = threading.Event()
    second_go = threading.Event()

    def run_first() -> None:
        share = commits.join(engine)
        _create(share, first)
        second_thread.start()
        _wait_for(lambda: commits.waiting == 1)
        outcome["first"] = commits.leave(share, keep=True)
        first_done.set()

    def run_second() -> None:
        share = commits.join(engine)
        second_in.set()
        second_go.wait(10)
        if second_writes:
            _create(share, second)
        outcome["second"] = commits.leave(share, keep=keep_second)

    second_thread = threading.Thread(target=run_second)
    first_thread = threading.Thread(target=run_first)
    first_thread.start()
    assert second_in.wait(10)
    # The second create runs in the first one's transaction, which has not been committed yet.
    outcome["first answered early"] = first_done.is_set()
    outcome["first committed early"] = _committed(running, first)
    second_go.set()
    first_thread.join(10)
    second_thread.join(10)
    return outcome


def test_a_create_waits_for_the_commit_of_the_creates_after_it(running: Sandbox) -> None:
    outcome = _two_creates(running, "gc.first@acme.example", "gc.second@acme.example", keep_second=True)
    assert outcome == {"first answered early": False, "first committed early": False, "first": True, "second": True}
    assert _committed(running, "gc.first@acme.example") and _committed(running, "gc.second@acme.example")


def test_a_create_refused_before_writing_leaves_the_run_alone(running: Sandbox) -> None:
    outcome = _two_creates(
        running, "gc.kept@acme.example", "gc.refused@acme.example", keep_second=False, second_writes=False
    )
    assert outcome["first"] is True and outcome["second"] is False
    assert _committed(running, "gc.kept@acme.example")


def test_a_create_failing_after_writing_saves_nothing_of_its_run(running: Sandbox, scim: Scim) -> None:
    published: list[SandboxEvent] = []
    subscription = running.bus.subscribe(published.append)
    try:
        outcome = _two_creates(running, "gc.lost@acme.example", "gc.failed@acme.example", keep_second=False)
    finally:
        subscription.close()
    assert outcome["first"] is False and outcome["second"] is False
    assert not _committed(running, "gc.lost@acme.example") and not _committed(running, "gc.failed@acme.example")
    assert not [e for e in published if e.event_type == "scim_user_created"]
    # The write lock and the connection were given back: the next create works.
    assert scim.post("/Users", user_body("gc.after@acme.example")).status_code == 201


def test_creates_whose_commit_fails_are_not_saved_and_publish_nothing(running: Sandbox, scim: Scim) -> None:
    commits: GroupCommit = running.blogin.scim_creates
    published: list[SandboxEvent] = []
    subscription = running.bus.subscribe(published.append)
    try:
        share = commits.join(running.blogin.database.engine)
        _create(share, "gc.unsaved@acme.example")
        # A membership of nobody, its check deferred to the commit, which then fails.
        share.driver.execute("PRAGMA defer_foreign_keys = ON")
        share.driver.execute("INSERT INTO team_members (team_id, user_id) VALUES ('no-team', 'no-user')")
        assert commits.leave(share, keep=True) is False
    finally:
        subscription.close()
    assert not _committed(running, "gc.unsaved@acme.example")
    assert not [e for e in published if e.event_type == "scim_user_created"]
    assert scim.post("/Users", user_body("gc.saved@acme.example")).status_code == 201
