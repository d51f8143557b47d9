"""An event reads the same in the event log live and after it is read back from storage."""

from __future__ import annotations

import httpx

from sandbox.app import Sandbox
from sandbox.events import SandboxEvent


def test_jumpcloud_summary_is_the_same_live_and_stored(sandbox: Sandbox, client: httpx.Client) -> None:
    live: list[SandboxEvent] = []
    subscription = sandbox.bus.subscribe(live.append)
    try:
        client.post(f"{sandbox.jumpcloud.base_url}/login", data={"email": "old@jc.example", "password": "x"})
    finally:
        subscription.close()
    (failed,) = [e for e in live if e.system == "jumpcloud" and not e.success]
    assert failed.summary == "Failed administrator sign-in for old@jc.example"
    stored = {e.id: e.summary for e in sandbox.jumpcloud.recent_events()}
    listed = {e.id: e.summary for e in sandbox.jumpcloud.event_log()}
    assert stored[failed.id] == failed.summary
    assert listed[failed.id] == failed.summary
