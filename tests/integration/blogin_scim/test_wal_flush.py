"""BlogIn's SQLite log is synced to disk by a thread of its own while SCIM changes run, so the checkpoint
that a commit makes under the write lock finds little left to sync; it stops with the system."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.app import Sandbox
from sandbox.blogin import BlogIn
from sandbox.blogin.scim.wal_flush import WalFlusher, can_flush
from sandbox.events import EventBus
from tests.integration.blogin_scim.conftest import Scim, user_body

pytestmark = pytest.mark.skipif(not hasattr(os, "fdatasync"), reason="the log is synced where fdatasync exists")


def wait_until(condition: Callable[[], bool], limit_s: float = 5.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def flusher_of(running: Sandbox) -> WalFlusher:
    flusher = running.blogin.wal_flusher
    assert flusher is not None
    return flusher


def test_scim_changes_have_the_log_synced_shortly_after(running: Sandbox, scim: Scim) -> None:
    flusher = flusher_of(running)
    assert flusher.path == f"{running.blogin.database.path}-wal"
    before = flusher.flushes
    created = scim.post("/Users", user_body("wal.flush.one@example.com"))
    assert created.status_code == 201
    assert wait_until(lambda: flusher.flushes > before)
    # A change that was refused (taken userName) released the lock too, and is no reason to fail.
    assert scim.post("/Users", user_body("wal.flush.one@example.com")).status_code == 409
    assert scim.get(f"/Users/{created.json()['id']}").json()["userName"] == "wal.flush.one@example.com"


def test_the_flusher_sleeps_while_nothing_changes(running: Sandbox, scim: Scim) -> None:
    flusher = flusher_of(running)
    assert scim.post("/Users", user_body("wal.flush.two@example.com")).status_code == 201
    assert wait_until(lambda: flusher.flushes > 0)
    time.sleep(flusher.period * 3)
    settled = flusher.flushes
    # Reads change nothing and ask for no sync.
    for _ in range(5):
        assert scim.get("/Users?count=1").status_code == 200
    time.sleep(flusher.period * 5)
    assert flusher.flushes == settled


def test_a_missing_log_is_no_error_and_close_stops_the_thread(tmp_path: Path) -> None:
    flusher = WalFlusher(tmp_path / "absent.sqlite", period=0.001)
    flusher.kick()
    time.sleep(0.05)
    assert flusher.flushes == 0  # no log file: nothing to sync
    (tmp_path / "absent.sqlite-wal").write_bytes(b"frames")
    flusher.kick()
    assert wait_until(lambda: flusher.flushes == 1)
    thread = flusher._thread
    assert thread is not None and thread.is_alive()
    flusher.close()
    assert not thread.is_alive()
    flusher.kick()  # after close: no new thread
    assert flusher._thread is thread and not thread.is_alive()


def test_only_a_database_file_gets_a_flusher(tmp_path: Path) -> None:
    assert can_flush(tmp_path / "blogin.sqlite")
    assert not can_flush(None)
    in_memory = BlogIn("sqlite://", EventBus())
    try:
        assert in_memory.wal_flusher is None
    finally:
        in_memory.close()
    on_file = BlogIn(f"sqlite:///{tmp_path / 'blogin.sqlite'}", EventBus())
    on_file.open()
    flusher = on_file.wal_flusher
    assert flusher is not None
    flusher.kick()
    thread = flusher._thread
    on_file.close()
    assert thread is not None and not thread.is_alive()
