"""JumpCloud's pending logins: found until they expire or finish, and bounded however many begin."""

from __future__ import annotations

import pytest

from sandbox.jumpcloud.web.pending_logins import PendingLogin, PendingLogins


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _login(application_id: str = "app") -> PendingLogin:
    return PendingLogin(
        application_id=application_id, request=None, relay_state=None, binding=None, request_trace_id=None
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_login_is_found_by_its_flow_until_it_finishes(clock: Clock) -> None:
    pending = PendingLogins(clock=clock)
    login = _login()
    flow = pending.add(login)
    assert pending.get(flow) is login
    assert pending.get("another flow") is None
    pending.finish(flow)
    assert pending.get(flow) is None
    pending.finish(flow)  # finishing twice is harmless


def test_a_login_expires_after_its_lifetime_and_is_then_dropped(clock: Clock) -> None:
    pending = PendingLogins(lifetime_s=600, clock=clock)
    old = pending.add(_login("old"))
    clock.now += 300
    recent = pending.add(_login("recent"))
    clock.now += 299.9
    assert pending.get(old) is not None
    clock.now += 0.1
    assert pending.get(old) is None  # 600 s old: expired
    assert pending.get(recent) is not None
    pending.add(_login("new"))
    assert len(pending) == 2  # the expired one made room, the others stay
    assert pending.get(recent) is not None


def test_logins_never_finished_cannot_grow_the_store_past_its_bound(clock: Clock) -> None:
    pending = PendingLogins(max_pending=100, clock=clock)
    flows = [pending.add(_login(str(number))) for number in range(250)]
    assert len(pending) == 100
    assert pending.get(flows[149]) is None  # the oldest made room
    found = pending.get(flows[-1])
    assert found is not None and found.application_id == "249"
    assert pending.get(flows[150]) is not None


def test_flow_ids_are_unguessable_and_distinct(clock: Clock) -> None:
    pending = PendingLogins(clock=clock)
    flows = {pending.add(_login()) for _ in range(1000)}
    assert len(flows) == 1000
    assert all(len(flow) >= 20 for flow in flows)
