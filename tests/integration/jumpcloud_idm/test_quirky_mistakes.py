"""Common server mistakes: JumpCloud never takes over someone else, never loses an operation, and
says what went wrong in a failed Directory Insights event with the SCIM exchange behind it."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.scim.client import ScimClient
from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.portal import Portal
from tests.integration.jumpcloud_idm.quirky_server import (
    BASE_PATH,
    OLD_BASE_PATH,
    Quirks,
    QuirkyScim,
    quirky_server,
    redirecting_server,
    self_signed_https,
)
from tests.integration.jumpcloud_idm.scim_servers import Fault


def exchanges(org: Org, event: dict[str, Any]) -> list[dict[str, Any]]:
    """The SCIM exchanges the traffic view shows under ``event``."""
    return [t.data for t in org.sandbox.jumpcloud.recent_traces("scim", limit=2000) if t.related_id == event["id"]]


def test_a_server_ignoring_the_filter_never_gets_someone_else_taken_over(org: Org, portal: Portal) -> None:
    with quirky_server(Quirks(ignore_filter=True, page_size=3)) as server:
        app = server.app
        others = {app.add_user(f"other{n}-{org.tag}", name={"givenName": "Other"}): n for n in range(7)}
        # The application's DEE-… is JumpCloud's dee-…: userName is case-insensitive (RFC 7643 §4.1.1).
        dee_there = app.add_user(org.name("dee").upper(), name={"givenName": "Old"})
        ann, dee = org.user("ann"), org.user("dee")
        org.group("staff", [ann, dee])
        portal.connect(server)
        org.settle()

        ann_there = app.user_named(org.name("ann"))
        assert ann_there is not None and ann_there["externalId"] == ann
        assert app.users[dee_there]["userName"] == org.name("dee")  # taken over, its case put right
        assert app.users[dee_there]["name"]["givenName"] == "Dee"
        assert len(app.users) == len(others) + 2
        for other_id, n in others.items():
            assert app.users[other_id] == {**app.users[other_id], "userName": f"other{n}-{org.tag}", "active": True}
            assert not [t for m, t in app.requests if m in ("PATCH", "PUT", "DELETE") and other_id in t]
        [created] = org.events("user_create_provision")
        assert created["success"] and created["resource"]["username"] == org.name("ann")
        [taken_over] = org.events("user_update_provision")
        assert taken_over["success"] and {"field": "id", "from": None, "to": dee_there} in taken_over["changes"]
        # The lookups read page after page of other users before concluding.
        lookups = [e for e in exchanges(org, created) if e["method"] == "GET"]
        assert len(lookups) > 1 and all(e["status"] == 200 for e in lookups)


def test_a_409_uniqueness_on_create_is_a_plain_failure_and_nothing_stays_queued(org: Org, portal: Portal) -> None:
    with quirky_server(Quirks(unique_emails=True)) as server:
        holder = server.app.add_user(f"someone-else-{org.tag}", emails=[{"value": f"{org.name('eve')}@example.com"}])
        eve = org.user("eve")
        org.group("staff", [eve])
        portal.connect(server)
        org.settle()

        [event] = org.events("user_create_provision")
        assert event["success"] is False
        message = event["error_message"]
        assert "Conflict (409 uniqueness): Another user has this email address." in message
        assert f"found no user named {org.name('eve')}" in message and "Retry now" in message
        [summary] = org.summaries("user_create_provision")
        assert summary.startswith(
            f"Provisioning {org.name('eve')} to BlogIn {org.tag} failed: BlogIn {org.tag} refused"
        )
        # The lookup, the create, and a second lookup after the 409 that found nobody to take over.
        assert [(e["method"], e["status"]) for e in exchanges(org, event)] == [
            ("GET", 200),
            ("POST", 409),
            ("GET", 200),
        ]
        [row] = [r for r in org.outbox() if r.resource_id == eve]
        assert (row.status, row.attempts) == ("failed", 1)
        assert not [r for r in org.outbox() if r.status == "pending"]
        assert server.faults.count("POST", "/Users") == 2  # the connection test's and this one: no retry
        assert server.app.users[holder]["userName"] == f"someone-else-{org.tag}" and len(server.app.users) == 1
        assert org.name("eve") in portal.tab() and "Retry now" in portal.tab()


def test_a_user_made_between_lookup_and_create_is_taken_over_after_the_409(org: Org, portal: Portal) -> None:
    with quirky_server() as server:
        ivy = org.user("ivy")
        org.group("staff", [ivy])
        assert portal.activate(server).status_code == 200
        server.app.quirks.made_meanwhile = True  # a JIT sign-in makes ivy while JumpCloud is between its calls
        portal.save()
        org.settle()

        [ivy_there] = [u for u in server.app.users.values() if u["userName"] == org.name("ivy")]  # one, not two
        assert ivy_there["name"]["givenName"] == "Ivy"  # what JumpCloud holds, PATCHed onto the one made meanwhile
        [refused] = org.events("user_create_provision")
        assert refused["success"] is False
        assert "Conflict (409 uniqueness)" in refused["error_message"]
        assert "JumpCloud looked again and took it over" in refused["error_message"]
        assert [(e["method"], e["status"]) for e in exchanges(org, refused)] == [("GET", 200), ("POST", 409)]
        [taken_over] = org.events("user_update_provision")
        assert taken_over["success"] and {"field": "id", "from": None, "to": ivy_there["id"]} in taken_over["changes"]
        assert [(e["method"], e["status"]) for e in exchanges(org, taken_over)] == [("GET", 200), ("PATCH", 200)]
        assert [r.status for r in org.outbox() if r.resource_id == ivy] == ["delivered"]
        group = server.app.group_named(org.name("staff"))
        assert group is not None and group["members"] == [{"value": ivy_there["id"]}]


def test_a_create_answered_without_an_id_fails_plainly_and_retry_now_takes_the_user_over(
    org: Org, portal: Portal
) -> None:
    with quirky_server(Quirks(create_without_id=True)) as server:
        refused = portal.activate(server)
        assert refused.status_code == 400
        assert "answered without an id for the user it created" in refused.text

        server.app.quirks.create_without_id = False
        kit = org.user("kit")
        org.group("staff", [kit])
        assert portal.activate(server).status_code == 200
        server.app.quirks.create_without_id = True
        portal.save()
        org.settle()
        [event] = org.events("user_create_provision")
        assert event["success"] is False and "answered without an id" in event["error_message"]
        assert [r.status for r in org.outbox() if r.resource_id == kit] == ["failed"]

        server.app.quirks.create_without_id = False
        portal.retry_all()
        org.settle()
        [kit_there] = [u for u in server.app.users.values() if u["userName"] == org.name("kit")]  # not twice
        [update] = org.events("user_update_provision")
        assert update["success"] and {"field": "id", "from": None, "to": kit_there["id"]} in update["changes"]
        group = server.app.group_named(org.name("staff"))
        assert group is not None and group["members"] == [{"value": kit_there["id"]}]


@pytest.mark.parametrize(
    ("status", "phrase"), [(502, "502 Bad Gateway"), (504, "504 Gateway Timeout")], ids=["502", "504"]
)
def test_a_proxy_error_page_is_retried_as_5xx_then_read_plainly(
    org: Org, portal: Portal, status: int, phrase: str
) -> None:
    page = f"<html><head><title>{phrase}</title></head><body><center><h1>{phrase}</h1></center><hr>nginx</body></html>"
    with quirky_server() as server:
        lee = org.user("lee")
        org.group("staff", [lee])
        assert portal.activate(server).status_code == 200
        fault = Fault("POST", "/Users", status=status, times=4, body=page.encode(), content_type="text/html")
        server.faults.faults.append(fault)
        portal.save()
        org.settle()

        events = org.events("user_create_provision")
        assert [e["success"] for e in events] == [False, False, False, False]  # max_attempts is 4 here
        first, last = events[0]["error_message"], events[-1]["error_message"]
        assert f"failed with {phrase}, answering with a web page from a proxy or gateway" in first
        assert "(attempt 1 of 4; retrying in" in first and "(attempt 4 of 4; given up)" in last
        assert "<html>" not in last
        assert exchanges(org, events[-1])[-1]["response_body"] == page  # the page itself, in the traffic view
        [row] = [r for r in org.outbox() if r.resource_id == lee]
        assert row.status == "failed" and phrase in (row.last_error or "")


@pytest.mark.parametrize("status", [301, 307, 308])
def test_a_base_url_moved_on_the_same_server_is_followed_with_the_same_request(
    org: Org, portal: Portal, status: int
) -> None:
    with quirky_server(Quirks(moved=status), base_path=OLD_BASE_PATH) as server:
        mo = org.user("mo")
        org.group("staff", [mo])
        portal.connect(server)
        org.settle()
        portal.edit_user(mo, firstname="Moved")
        org.settle()

        mo_there = server.app.user_named(org.name("mo"))
        assert mo_there is not None and mo_there["name"]["givenName"] == "Moved"
        assert server.app.group_named(org.name("staff")) is not None
        events = org.events("user_create_provision", "user_update_provision", "group_create_provision")
        assert len(events) == 3 and all(e["success"] for e in events)
        created = next(e for e in events if e["event_type"] == "user_create_provision")
        posts = [(e["status"], e["url"].split("/", 3)[3]) for e in exchanges(org, created) if e["method"] == "POST"]
        assert posts == [(status, f"{OLD_BASE_PATH[1:]}/Users"), (201, f"{BASE_PATH[1:]}/Users")]
        # The traffic view does not show a redirect that was followed as a failure.
        traces = [t for t in org.sandbox.jumpcloud.recent_traces("scim", limit=2000) if t.related_id == created["id"]]
        assert len(traces) >= 3 and all(t.success for t in traces)
        # Neither a create nor an update was turned into a GET on the way.
        assert not [t for m, t in server.app.requests if m == "GET" and t.split("?")[0].endswith("/Users/")]
        assert [m for m, t in server.app.requests if t.startswith(f"{BASE_PATH}/Users/")].count("PATCH") == 1


def test_a_redirect_to_another_server_is_refused_without_sending_the_token(org: Org, portal: Portal) -> None:
    with quirky_server() as server, redirecting_server(server.base_url, 308) as old_url:
        refused = portal.activate_url(old_url, server.token)
        assert refused.status_code == 400
        assert f"redirected the request to {server.base_url}/Users?filter=" in refused.text
        assert "sends the Token Key only to the Base URL&#39;s own scheme, host and port" in refused.text
        assert server.app.requests == []
        [event] = org.events("idm_integration_activate")
        assert event["success"] is False and "set the Base URL" in event["error_message"]


def test_https_with_a_self_signed_certificate_is_refused_plainly(org: Org, portal: Portal) -> None:
    with self_signed_https(QuirkyScim()) as base_url:
        refused = portal.activate_url(base_url, "t")
        assert refused.status_code == 400
        assert "is not trusted (self-signed certificate)" in refused.text
        [event] = org.events("idm_integration_activate")
        assert event["success"] is False and "self-signed certificate" in event["error_message"]
        [trace] = exchanges(org, event)
        assert trace["status"] is None and "CERTIFICATE_VERIFY_FAILED" in trace["error"]


def test_a_server_that_does_not_answer_is_retried_like_a_5xx(org: Org, portal: Portal) -> None:
    worker = org.sandbox.jumpcloud.provisioning.worker
    with quirky_server() as server:
        nia = org.user("nia")
        org.group("staff", [nia])
        assert portal.activate(server).status_code == 200
        # The server answers long after JumpCloud stopped waiting.
        server.faults.faults.append(Fault("POST", "/Users", delay=1.2))
        previous, worker.timeout = worker.timeout, 0.3
        try:
            portal.save()
            org.settle()
        finally:
            worker.timeout = previous

        events = org.events("user_create_provision")
        assert [e["success"] for e in events] == [False, True]
        assert "did not answer within 0.3 seconds. (attempt 1 of 4; retrying in" in events[0]["error_message"]
        timed_out = exchanges(org, events[0])[-1]
        assert timed_out["status"] is None and timed_out["error"].startswith("timed out")
        assert [u["userName"] for u in server.app.users.values()] == [org.name("nia")]


def test_ids_as_json_numbers_are_read_as_text(org: Org, portal: Portal) -> None:
    with quirky_server(Quirks(ids="int")) as server:
        ora = org.user("ora")
        org.group("staff", [ora])
        portal.connect(server)
        org.settle()
        with ScimClient(server.base_url, server.token) as client:
            found = client.find_user(org.name("ora"))
        assert found is not None and found.id.isdigit()
        group = server.app.group_named(org.name("staff"))
        assert group is not None and group["members"] == [{"value": found.id}]
        assert all(e["success"] for e in org.events("user_create_provision", "group_create_provision"))


def test_a_lookup_answered_404_for_nobody_is_read_as_nobody(org: Org, portal: Portal) -> None:
    with quirky_server(Quirks(lookup_404=True)) as server:
        pia, quin = org.user("pia"), org.user("quin")
        org.group("staff", [pia, quin])
        portal.connect(server)
        org.settle()
        assert sorted(u["externalId"] for u in server.app.users.values()) == sorted([pia, quin])
        events = org.events("user_lookup_provision", "user_create_provision", "group_create_provision")
        assert [e["event_type"] for e in events if not e["success"]] == []
        assert server.app.group_named(org.name("staff")) is not None
