"""Resetting the sandbox, or loading a scenario, while JumpCloud is provisioning to BlogIn: the run is
paused for it, nothing fails half-way, and no result from before lands in the new state."""

from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path

import pytest

from sandbox.app import Sandbox
from sandbox.jumpcloud.services.provisioning.jobs import Job, Outcome
from sandbox.scenarios import load_scenario, save_scenario
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal

PROVISIONING_EVENTS = {"user_create_provision", "user_update_provision", "group_create_provision"}


def _start_a_slow_provisioning_run(sandbox: Sandbox, users: int, latency_ms: int) -> None:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        ids = [
            rehearsal.create_user(DirectoryUser(f"user{n}", f"user{n}@example.org", "Ada", f"Number{n}"))
            for n in range(users)
        ]
        rehearsal.authorize_groups([rehearsal.create_group("Writers", ids)])
        base_url, token = rehearsal.enable_blogin_provisioning()
        sandbox.blogin.set_scim_fault("Users", latency_ms=latency_ms)
        rehearsal.activate_identity_management(base_url, token)


def _wait_for_deliveries_under_way(sandbox: Sandbox) -> None:
    worker = sandbox.jumpcloud.provisioning.worker
    deadline = time.monotonic() + 10
    while not (worker.running and worker.pending() > 0):
        assert time.monotonic() < deadline, "the provisioning run did not start"
        time.sleep(0.05)
    time.sleep(0.3)  # the first requests are at BlogIn, waiting out its latency


def _provisioning_events(sandbox: Sandbox) -> list[str]:
    return [e.event_type for e in sandbox.jumpcloud.event_log() if e.event_type in PROVISIONING_EVENTS]


def test_deliveries_outliving_the_pause_never_reach_the_new_state(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server slower than the pause waits for: the reset goes ahead, and what comes back after it
    belongs to the state that is gone. Its dispatcher does not carry on beside the new one."""
    worker = sandbox.jumpcloud.provisioning.worker
    gate = threading.Event()
    deliver = worker._deliver

    def held(job: Job) -> Outcome:
        gate.wait(10)
        return deliver(job)

    monkeypatch.setattr(worker, "_deliver", held)
    monkeypatch.setattr(worker, "stop", functools.partial(worker.stop, timeout=0.05))
    _start_a_slow_provisioning_run(sandbox, users=4, latency_ms=0)
    _wait_for_deliveries_under_way(sandbox)
    caplog.set_level(logging.WARNING)

    sandbox.reset()
    gate.set()  # the deliveries from before the reset come back now
    time.sleep(1.5)

    assert [t for t in threading.enumerate() if t.name == "jumpcloud-provisioning"] == [worker._thread]
    assert worker.running and worker.pending() == 0
    assert _provisioning_events(sandbox) == []
    assert sandbox.jumpcloud.integration_state().user_count == 0
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]


def test_loading_a_scenario_during_a_run_pauses_it_and_starts_it_again(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = tmp_path / "empty.sandbox"
    save_scenario(sandbox, file, title="Empty")
    _start_a_slow_provisioning_run(sandbox, users=12, latency_ms=100)
    _wait_for_deliveries_under_way(sandbox)
    caplog.set_level(logging.WARNING)

    load_scenario(sandbox, file)

    worker = sandbox.jumpcloud.provisioning.worker
    assert worker.running
    assert sandbox.jumpcloud.integration_state().user_count == 0
    assert worker.wait_until_idle(10)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]
