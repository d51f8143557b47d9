"""PATCH ``remove`` of a single-valued attribute leaves it unassigned (RFC 7644 §3.5.2.2); ``active``, which
every BlogIn user holds, is refused instead of being answered with success and reset."""

from __future__ import annotations

from typing import Any

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body


def _deactivated(scim: Scim, user_name: str) -> dict[str, Any]:
    created = scim.post("/Users", user_body(user_name, active=False, title="Editor"))
    assert created.status_code == 201, created.text
    user: dict[str, Any] = created.json()
    assert user["active"] is False
    return user


def test_removing_active_is_refused_and_the_user_stays_deactivated(scim: Scim, running: Sandbox) -> None:
    user = _deactivated(scim, "stays.off@acme.example")
    path = f"/Users/{user['id']}"
    refused = assert_scim_error(scim.patch(path, [{"op": "remove", "path": "active"}]), 400, "mutability")
    assert "replace 'active' with false" in refused["detail"]
    # The same with null, which RFC 7643 §2.5 counts as unassigned, with or without a path.
    assert_scim_error(scim.patch(path, [{"op": "replace", "value": {"active": None}}]), 400, "mutability")
    assert_scim_error(scim.patch(path, [{"op": "replace", "path": "active", "value": None}]), 400, "mutability")
    # Nothing was saved, not even the other operations of a refused request.
    both = [{"op": "replace", "path": "title", "value": "Chief"}, {"op": "remove", "path": "active"}]
    assert_scim_error(scim.patch(path, both), 400, "mutability")
    after = scim.get(path)
    assert after.json()["active"] is False and after.json()["title"] == "Editor"
    assert after.headers["ETag"] == 'W/"1"'
    with running.blogin.database.transaction() as session:
        stored = session.get(User, user["id"])
        assert stored is not None and stored.active is False


def test_active_is_still_changed_by_replace(scim: Scim) -> None:
    user = _deactivated(scim, "back.on@acme.example")
    path = f"/Users/{user['id']}"
    reactivated = scim.patch(path, [{"op": "replace", "path": "active", "value": True}])
    assert reactivated.status_code == 200 and reactivated.json()["active"] is True
    removed_title = scim.patch(path, [{"op": "remove", "path": "title"}, {"op": "replace", "value": {"active": False}}])
    assert removed_title.status_code == 200, removed_title.text
    assert removed_title.json()["active"] is False


def test_removing_other_single_valued_attributes_unassigns_them(scim: Scim) -> None:
    user = _deactivated(scim, "unassigned@acme.example")
    path = f"/Users/{user['id']}"
    for attribute in ("title", "displayName", "externalId", "name.givenName"):
        answered = scim.patch(path, [{"op": "remove", "path": attribute}])
        assert answered.status_code == 200, answered.text
    read = scim.get(path).json()
    assert not {"title", "displayName", "externalId"} & set(read)
    assert "givenName" not in read.get("name", {})
    assert read["active"] is False
