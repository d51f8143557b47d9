"""Answers RFC 7644 allows, from a hand-written server: the whole lifecycle of users and groups
provisioned through the Admin Portal succeeds, every event a success, nothing left in the outbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.portal import Portal
from tests.integration.jumpcloud_idm.quirky_server import Quirks, QuirkyServer, quirky_server

PROVISIONING_EVENTS = (
    "user_lookup_provision",
    "user_create_provision",
    "user_update_provision",
    "user_deprovision",
    "user_delete_provision",
    "group_create_provision",
    "group_update_provision",
    "group_delete_provision",
)

VARIATIONS = {
    "PATCH answered 204, DELETE answered 200 with a body": Quirks(patch_status=204, delete_status=200),
    "create answered 200, no meta, application/json with a charset, short list answers": Quirks(
        create_status=200,
        omit_meta=True,
        content_type="application/json; charset=utf-8",
        omit_items_per_page=True,
        omit_empty_resources=True,
    ),
    "ids as JSON numbers": Quirks(ids="int"),
    "ids holding a slash, a space, a plus and non-ASCII letters": Quirks(ids="escaped"),
}


@pytest.fixture(params=list(VARIATIONS), ids=list(VARIATIONS))
def server(request: pytest.FixtureRequest) -> Iterator[QuirkyServer]:
    with quirky_server(VARIATIONS[request.param]) as running:
        yield running


def test_users_and_groups_are_provisioned_changed_and_removed(org: Org, portal: Portal, server: QuirkyServer) -> None:
    app = server.app
    ann, bob, cy = org.user("ann"), org.user("bob"), org.user("cy")
    staff = org.group("staff", [ann, bob, cy])
    portal.connect(server)
    org.settle()

    held = {name: app.user_named(org.name(name)) for name in ("ann", "bob", "cy")}
    assert all(user is not None and user["active"] is True for user in held.values()), held
    ids = {name: str(user["id"]) for name, user in held.items() if user is not None}
    group = app.group_named(org.name("staff"))
    assert group is not None and sorted(m["value"] for m in group["members"]) == sorted(ids.values())

    portal.edit_user(ann, lastname="Renamed")  # a PATCH replace
    portal.remove_member(staff, bob)  # the group's PATCH remove, then bob deactivated
    portal.delete_user(cy)  # DELETE /Users/{id}
    org.settle()
    assert app.users[ids["ann"]]["name"]["familyName"] == "Renamed"
    assert app.users[ids["bob"]]["active"] is False
    assert ids["cy"] not in app.users
    assert [m["value"] for m in app.groups[str(group["id"])]["members"]] == [ids["ann"]]

    portal.delete_group(staff)  # DELETE /Groups/{id}; its last member loses access
    org.settle()
    assert app.group_named(org.name("staff")) is None
    assert app.users[ids["ann"]]["active"] is False

    events = org.events(*PROVISIONING_EVENTS)
    assert [e["event_type"] for e in events if not e["success"]] == []
    assert {e["event_type"] for e in events} >= {
        "user_create_provision",
        "user_update_provision",
        "user_deprovision",
        "user_delete_provision",
        "group_create_provision",
        "group_update_provision",
        "group_delete_provision",
    }
    assert {row.status for row in org.outbox()} == {"delivered"}
    # Every request reached the resource it named: nothing was answered 404.
    ids_of_events = {e["id"] for e in events}
    traces = [t for t in org.sandbox.jumpcloud.recent_traces("scim", limit=2000) if t.related_id in ids_of_events]
    assert traces and not [t.data["path"] for t in traces if t.data["status"] == 404]
