"""Users provisioned together are looked up together: one or-filtered GET, adoption still honoured,
and a server that refuses the filter gets one lookup per user."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.scim_servers import Fault, ScimServer

INVALID_FILTER = (
    b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter",'
    b'"detail":"or is not supported"}'
)


def _lookups(org: Org) -> list[dict[str, Any]]:
    """The GET /Users exchanges behind this organisation's provisioning events."""
    event_ids = {e["id"] for e in org.events("user_create_provision", "user_update_provision")}
    return [
        t.data
        for t in org.sandbox.jumpcloud.recent_traces("scim", limit=2000)
        if t.related_id in event_ids and t.data["method"] == "GET" and t.data["path"].startswith("/Users?")
    ]


def test_users_provisioned_together_are_looked_up_in_one_request(org: Org, target: ScimServer) -> None:
    with target.client() as client:
        before = client.create_user({"userName": org.name("gail"), "name": {"givenName": "Old"}})
    names = ["fay", "gail", "hal", "ivy", "jo"]
    org.group("staff", [org.user(name) for name in names])
    org.activate(target)
    org.settle()

    held = [u for u in target.users() if u.user_name in {org.name(n) for n in names}]
    assert sorted(u.user_name for u in held) == sorted(org.name(n) for n in names)  # each once
    assert next(u.id for u in held if u.user_name == org.name("gail")) == before.id  # taken over
    assert sorted(e["resource"]["username"] for e in org.events("user_create_provision")) == [
        org.name(n) for n in ("fay", "hal", "ivy", "jo")
    ]
    [update] = org.events("user_update_provision")
    assert update["resource"]["username"] == org.name("gail")
    [lookup] = _lookups(org)
    expression = httpx.URL(lookup["url"]).params["filter"]
    assert sorted(expression.split(" or ")) == sorted(f'userName eq "{org.name(n)}"' for n in names)
    assert lookup["status"] == 200


def test_a_server_refusing_the_batched_filter_gets_one_lookup_per_user(org: Org, scim: ScimServer) -> None:
    names = ["kai", "lou", "max"]
    org.group("staff", [org.user(name) for name in names])
    refusal = Fault("GET", "/Users", status=400, body=INVALID_FILTER)
    org.activate(scim, before_save=lambda: scim.faults.faults.append(refusal))
    org.settle()

    assert refusal.times == 0
    assert sorted(u.user_name for u in scim.users() if u.user_name in {org.name(n) for n in names}) == sorted(
        org.name(n) for n in names
    )
    created = org.events("user_create_provision")
    assert len(created) == 3 and all(e["success"] for e in created)
    assert org.events("user_lookup_provision") == []
    filters = [httpx.URL(t["url"]).params["filter"] for t in _lookups(org)]
    assert len(filters) == 4 and sum(" or " in f for f in filters) == 1
    assert sorted(f for f in filters if " or " not in f) == sorted(f'userName eq "{org.name(n)}"' for n in names)


def test_a_failed_batched_lookup_is_each_users_lookup_failure_and_is_retried(org: Org, scim: ScimServer) -> None:
    names = ["ned", "oda"]
    org.group("staff", [org.user(name) for name in names])
    org.activate(scim, before_save=lambda: scim.faults.faults.append(Fault("GET", "/Users", status=503)))
    org.settle()

    failed = org.events("user_lookup_provision")
    assert sorted(e["resource"]["username"] for e in failed) == sorted(org.name(n) for n in names)
    assert all(not e["success"] and "503" in e["error_message"] and "retrying" in e["error_message"] for e in failed)
    assert sorted(e["resource"]["username"] for e in org.events("user_create_provision")) == sorted(
        org.name(n) for n in names
    )
    assert all(scim.user(org.name(n)) is not None for n in names)
