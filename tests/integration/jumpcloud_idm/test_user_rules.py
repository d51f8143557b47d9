"""User provisioning rules over real HTTP into scim2-server: state on both sides, events written."""

from __future__ import annotations

from sandbox.jumpcloud.models import SsoApplication
from sandbox.jumpcloud.services import directory
from tests.integration.jumpcloud_idm.conftest import ADMIN, Org
from tests.integration.jumpcloud_idm.scim_servers import ScimServer


def test_users_of_authorized_groups_are_created_with_the_jumpcloud_body(org: Org, target: ScimServer) -> None:
    ada = org.user("ada", jobTitle="Engineer", workPhone="+1 555 0100")
    org.group("staff", [ada])
    org.activate(target)
    org.settle()

    user = target.user(org.name("ada"))
    assert user is not None
    assert user.external_id == ada
    assert user.active
    assert user.primary_email == f"{org.name('ada')}@example.com"
    assert (user.given_name, user.family_name) == ("Ada", "Tester")
    assert user.raw["title"] == "Engineer"
    created = org.events("user_create_provision")
    assert [e["resource"]["id"] for e in created] == [ada]
    assert created[0]["success"] is True
    assert org.idm().last_sync is not None
    # Every attempt keeps its HTTP exchanges, the token masked.
    traces = [t for t in org.sandbox.jumpcloud.recent_traces("scim") if t.related_id == created[0]["id"]]
    assert [t.data["method"] for t in traces] == ["GET", "POST"]
    assert "test-token" not in traces[1].data["request_headers"]["authorization"]


def test_user_outside_authorized_groups_is_not_provisioned(org: Org, target: ScimServer) -> None:
    org.user("bob")
    carol = org.user("carol")
    org.group("other", [carol], authorized=False)
    org.activate(target)
    org.settle()
    assert target.user(org.name("bob")) is None
    assert target.user(org.name("carol")) is None


def test_existing_application_user_is_looked_up_and_taken_over(org: Org, target: ScimServer) -> None:
    with target.client() as client:
        before = client.create_user({"userName": org.name("dora"), "name": {"givenName": "Old"}})
    dora = org.user("dora")
    org.group("staff", [dora])
    org.activate(target)
    org.settle()
    users = [u for u in target.users() if u.user_name == org.name("dora")]
    assert [u.id for u in users] == [before.id]
    assert users[0].given_name == "Dora"
    assert org.events("user_create_provision") == []
    [update] = org.events("user_update_provision")
    assert {"field": "name.givenName", "from": "Old", "to": "Dora"} in update["changes"]


def test_attribute_change_is_one_replace_per_changed_attribute(org: Org, target: ScimServer) -> None:
    eve = org.user("eve")
    org.group("staff", [eve])
    org.activate(target)
    org.settle()

    org.edit(
        lambda s: directory.update_user(
            s, s.get(directory.SystemUser, eve), {"firstname": "Evelyn", "jobTitle": "CTO"}, initiated_by=ADMIN
        )
    )
    org.settle()
    user = target.user(org.name("eve"))
    assert user is not None and user.given_name == "Evelyn" and user.raw["title"] == "CTO"
    [update] = org.events("user_update_provision")
    trace = next(t for t in org.sandbox.jumpcloud.recent_traces("scim") if t.related_id == update["id"])
    assert trace.data["method"] == "PATCH"
    import json

    operations = json.loads(trace.data["request_body"])["Operations"]
    assert {(o["op"], o["path"]) for o in operations} == {
        ("replace", "name.givenName"),
        ("replace", "name.formatted"),
        ("replace", "displayName"),
        ("replace", "title"),
    }


def test_suspension_and_losing_every_group_deactivate_and_delete_deletes(org: Org, target: ScimServer) -> None:
    fay = org.user("fay")
    gus = org.user("gus")
    staff = org.group("staff", [fay, gus])
    org.activate(target)
    org.settle()

    org.edit(
        lambda s: directory.update_user(s, s.get(directory.SystemUser, fay), {"state": "SUSPENDED"}, initiated_by=ADMIN)
    )
    org.edit(
        lambda s: directory.remove_member(
            s, s.get(directory.UserGroup, staff), s.get(directory.SystemUser, gus), initiated_by=ADMIN
        )
    )
    org.settle()
    fay_app, gus_app = target.user(org.name("fay")), target.user(org.name("gus"))
    assert fay_app is not None and not fay_app.active
    assert gus_app is not None and not gus_app.active
    assert sorted(e["resource"]["username"] for e in org.events("user_deprovision")) == sorted(
        [org.name("fay"), org.name("gus")]
    )

    org.edit(lambda s: directory.delete_user(s, s.get(directory.SystemUser, fay), initiated_by=ADMIN))
    org.settle()
    assert target.user(org.name("fay")) is None
    [deleted] = org.events("user_delete_provision")
    assert deleted["success"] is True and deleted["resource"]["id"] == fay


def test_password_change_is_synced(org: Org, target: ScimServer) -> None:
    hal = org.user("hal")
    org.group("staff", [hal])
    org.activate(target)
    org.settle()
    org.edit(
        lambda s: directory.update_user(
            s, s.get(directory.SystemUser, hal), {}, password="N3w-passw0rd!", initiated_by=ADMIN
        )
    )
    org.settle()
    [update] = org.events("user_update_provision")
    assert {"field": "password", "from": None, "to": "(changed)"} in update["changes"]
    trace = next(t for t in org.sandbox.jumpcloud.recent_traces("scim") if t.related_id == update["id"])
    assert '"path": "password"' in trace.data["request_body"]
    assert "N3w-passw0rd!" not in trace.data["request_body"]
    assert len(org.events("user_update_provision")) == 1


def test_application_removed_from_group_deprovisions(org: Org, target: ScimServer) -> None:
    ivy = org.user("ivy")
    staff = org.group("staff", [ivy])
    org.activate(target)
    org.settle()
    org.edit(
        lambda s: directory.associate_application(
            s,
            s.get(directory.UserGroup, staff),
            s.get(SsoApplication, org.application_id),
            "remove",
            initiated_by=ADMIN,
        )
    )
    org.settle()
    ivy_app = target.user(org.name("ivy"))
    assert ivy_app is not None and not ivy_app.active
