"""The seed guide's Group Management Considerations, over HTTP into scim2-server."""

from __future__ import annotations

from sandbox.jumpcloud.models import SsoApplication, SystemUser, UserGroup
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.provisioning import connection
from tests.integration.jumpcloud_idm.conftest import ADMIN, Org
from tests.integration.jumpcloud_idm.scim_servers import ScimServer


def _scim_ids(target: ScimServer, *user_names: str) -> list[str]:
    found = [target.user(name) for name in user_names]
    assert all(found)
    return sorted(u.id for u in found if u)


def test_empty_groups_are_not_created_and_members_sync(org: Org, target: ScimServer) -> None:
    kim = org.user("kim")
    leo = org.user("leo")
    org.group("empty", [])
    team = org.group("team", [kim])
    org.activate(target)
    org.settle()
    assert target.group(org.name("empty")) is None
    group = target.group(org.name("team"))
    assert group is not None and group.member_ids == _scim_ids(target, org.name("kim"))
    assert [e["resource"]["name"] for e in org.events("group_create_provision")] == [org.name("team")]

    org.edit(lambda s: directory.add_member(s, s.get(UserGroup, team), s.get(SystemUser, leo), initiated_by=ADMIN))
    org.settle()
    group = target.group(org.name("team"))
    assert group is not None and sorted(group.member_ids) == _scim_ids(target, org.name("kim"), org.name("leo"))

    org.edit(lambda s: directory.remove_member(s, s.get(UserGroup, team), s.get(SystemUser, kim), initiated_by=ADMIN))
    org.settle()
    group = target.group(org.name("team"))
    assert group is not None and group.member_ids == _scim_ids(target, org.name("leo"))
    kim_app = target.user(org.name("kim"))
    assert kim_app is not None and not kim_app.active  # lost every granting group


def test_existing_group_is_taken_over_and_renames_sync(org: Org, target: ScimServer) -> None:
    with target.client() as client:
        existing = client.create_group({"displayName": org.name("sales"), "members": []})
    max_ = org.user("max")
    sales = org.group("sales", [max_])
    org.activate(target)
    org.settle()
    taken = target.group(org.name("sales"))
    assert taken is not None and taken.id == existing.id
    assert taken.member_ids == _scim_ids(target, org.name("max"))
    assert org.events("group_create_provision") == []

    org.edit(lambda s: directory.update_group(s, s.get(UserGroup, sales), name=org.name("revenue"), initiated_by=ADMIN))
    org.settle()
    renamed = target.group(org.name("revenue"))
    assert renamed is not None and renamed.id == existing.id
    assert any(
        c == {"field": "displayName", "from": org.name("sales"), "to": org.name("revenue")}
        for e in org.events("group_update_provision")
        for c in e.get("changes", [])
    )


def test_disassociated_group_is_left_as_is_and_members_keep_access_through_another_group(
    org: Org, target: ScimServer
) -> None:
    ned = org.user("ned")
    oli = org.user("oli")
    first = org.group("first", [ned, oli])
    org.group("second", [oli])
    org.activate(target)
    org.settle()
    before = target.group(org.name("first"))
    assert before is not None

    org.edit(
        lambda s: directory.associate_application(
            s, s.get(UserGroup, first), s.get(SsoApplication, org.application_id), "remove", initiated_by=ADMIN
        )
    )
    org.settle()
    after = target.group(org.name("first"))
    assert after is not None and sorted(after.member_ids) == sorted(before.member_ids)  # left as-is
    ned_app, oli_app = target.user(org.name("ned")), target.user(org.name("oli"))
    assert ned_app is not None and not ned_app.active
    assert oli_app is not None and oli_app.active  # still granted by "second"

    # Syncing stopped: a later membership change does not reach the application's group.
    org.edit(lambda s: directory.remove_member(s, s.get(UserGroup, first), s.get(SystemUser, oli), initiated_by=ADMIN))
    org.settle()
    again = target.group(org.name("first"))
    assert again is not None and sorted(again.member_ids) == sorted(before.member_ids)


def test_deleted_managed_group_is_deleted_and_members_deactivated(org: Org, target: ScimServer) -> None:
    pia = org.user("pia")
    quin = org.user("quin")
    doomed = org.group("doomed", [pia, quin])
    org.group("keeper", [quin])
    org.activate(target)
    org.settle()
    assert target.group(org.name("doomed")) is not None

    org.edit(lambda s: directory.delete_group(s, s.get(UserGroup, doomed), initiated_by=ADMIN))
    org.settle()
    assert target.group(org.name("doomed")) is None
    [deleted] = org.events("group_delete_provision")
    assert deleted["success"] is True and deleted["resource"]["name"] == org.name("doomed")
    pia_app, quin_app = target.user(org.name("pia")), target.user(org.name("quin"))
    assert pia_app is not None and not pia_app.active
    assert quin_app is not None and quin_app.active


def test_disabling_group_management_leaves_groups_while_users_stay_managed(org: Org, target: ScimServer) -> None:
    rex = org.user("rex")
    sam = org.user("sam")
    crew = org.group("crew", [rex])
    org.activate(target)
    org.settle()
    with org.database.transaction() as s:
        app = s.get(SsoApplication, org.application_id)
        idm = connection.identity_management(s, app)
        connection.save(s, app, idm, group_management=False, initiator=ADMIN)
    assert org.events("idm_integration_update")

    org.edit(lambda s: directory.add_member(s, s.get(UserGroup, crew), s.get(SystemUser, sam), initiated_by=ADMIN))
    org.edit(lambda s: directory.update_user(s, s.get(SystemUser, rex), {"lastname": "Renamed"}, initiated_by=ADMIN))
    org.settle()
    group = target.group(org.name("crew"))
    assert group is not None and group.member_ids == _scim_ids(target, org.name("rex"))  # left as-is
    sam_app, rex_app = target.user(org.name("sam")), target.user(org.name("rex"))
    assert sam_app is not None and sam_app.active  # identity still provisioned
    assert rex_app is not None and rex_app.family_name == "Renamed"


def test_an_initial_sync_creates_each_group_once_with_all_its_members(org: Org, target: ScimServer) -> None:
    """Group syncs wait for the users queued before them: a group's members go out in its one POST,
    not in a PATCH per batch of users provisioned."""
    names = [f"crew{n:02d}" for n in range(40)]
    org.group("crew", [org.user(name) for name in names])
    org.activate(target)
    org.settle()

    group = target.group(org.name("crew"))
    assert group is not None and sorted(group.member_ids) == _scim_ids(target, *(org.name(n) for n in names))
    event_ids = {e["id"] for e in org.events("group_create_provision", "group_update_provision")}
    requests = [
        (t.data["method"], t.data["path"].split("?", 1)[0])
        for t in org.sandbox.jumpcloud.recent_traces("scim", limit=2000)
        if t.related_id in event_ids
    ]
    assert requests == [("GET", "/Groups"), ("POST", "/Groups")]
    assert org.events("group_update_provision") == []
