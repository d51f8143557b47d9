"""Each change BlogIn's SCIM server keeps links its recorded exchange to the audit event it wrote, so the
desktop's "Open related message" on that event opens the exchange; a refused request links to nothing."""

from __future__ import annotations

from sandbox.app import Sandbox
from tests.integration.blogin_scim.conftest import Scim, user_body


def test_a_created_user_s_audit_event_and_exchange_point_at_each_other(running: Sandbox, scim: Scim) -> None:
    created = scim.post("/Users", user_body("linda.links"))
    assert created.status_code == 201
    user_id = created.json()["id"]
    duplicate = scim.post("/Users", user_body("linda.links"))
    assert duplicate.status_code == 409

    [event] = [
        e
        for e in running.blogin.recent_events()
        if e.event_type == "scim_user_created" and e.data.get("detail", {}).get("user_id") == user_id
    ]
    exchanges = [t for t in running.blogin.recent_traces("scim") if t.data["method"] == "POST"]
    linked = [t for t in exchanges if t.related_id == event.id]
    assert len(linked) == 1
    assert linked[0].data["status"] == 201 and user_id in (linked[0].data["response_body"] or "")
    refused = [t for t in exchanges if t.data["status"] == 409 and "linda.links" in (t.data["request_body"] or "")]
    assert refused and all(t.related_id is None for t in refused)
