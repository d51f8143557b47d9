"""Server-side faults drive the retry paths: 429 with Retry-After, 500, latency, giving up, Retry now."""

from __future__ import annotations

import time

from sandbox.http import http_client
from sandbox.jumpcloud.services.provisioning import outbox
from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.scim_servers import Fault, ScimServer


def test_429_retry_after_is_honoured(org: Org, scim: ScimServer) -> None:
    uma = org.user("uma")
    org.group("staff", [uma])
    fault = Fault("POST", "/Users", status=429, headers={"Retry-After": "1"})
    org.activate(scim, before_save=lambda: scim.faults.faults.append(fault))
    org.settle()
    posts = [t for m, p, t in scim.faults.requests if m == "POST" and p.endswith("/Users")]
    assert len(posts) == 3  # the connection test's, the 429, the retry
    assert posts[-1] - posts[-2] >= 0.95
    events = org.events("user_create_provision")
    assert [e["success"] for e in events] == [False, True]
    assert "429" in events[0]["error_message"] and "retrying in 1.0 s" in events[0]["error_message"]
    user = scim.user(org.name("uma"))
    assert user is not None


def test_5xx_is_retried_with_backoff_and_latency_is_tolerated(org: Org, scim: ScimServer) -> None:
    vic = org.user("vic")
    org.group("staff", [vic])

    def inject() -> None:
        scim.faults.latency = 0.05
        scim.faults.faults.append(Fault("POST", "/Groups", status=500, times=2))

    org.activate(scim, before_save=inject)
    org.settle()
    assert scim.group(org.name("staff")) is not None
    events = org.events("group_create_provision")
    assert [e["success"] for e in events] == [False, False, True]
    assert "failed with 500" in events[0]["error_message"]
    first = org.summaries("group_create_provision")[0]
    assert first.startswith(f"Creating group {org.name('staff')} in BlogIn {org.tag} failed: ") and "500" in first


def test_giving_up_after_max_attempts_then_retry_now(org: Org, scim: ScimServer) -> None:
    wes = org.user("wes")
    org.group("staff", [wes])
    org.activate(scim, before_save=lambda: scim.faults.faults.append(Fault("POST", "/Users", status=503, times=4)))
    org.settle()
    assert scim.user(org.name("wes")) is None
    events = org.events("user_create_provision")
    assert len(events) == 4 and not any(e["success"] for e in events)
    assert "given up" in events[-1]["error_message"]
    with org.database.sessions() as s:
        [failure] = outbox.failures(s, org.application_id)
    assert failure.attempts == 4 and "503" in (failure.last_error or "")

    tab = f"{org.sandbox.jumpcloud.base_url}/applications/{org.application_id}/identity-management"
    with http_client(follow_redirects=False) as admin:
        admin.post(
            f"{org.sandbox.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "sandbox"}
        )
        page = admin.get(tab).text
        assert "Retry now" in page and org.name("wes") in page and "given up" in page
        assert admin.post(f"{tab}/retry", data={"seq": str(failure.seq)}).status_code == 302
    deadline = time.monotonic() + 10
    while scim.user(org.name("wes")) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    org.settle()
    assert scim.user(org.name("wes")) is not None
    assert org.events("user_create_provision")[-1]["success"] is True
