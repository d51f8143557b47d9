"""A provisioning client cannot delete or deactivate BlogIn's last active Administrator: nobody could open
the admin console again. With another active Administrator it can."""

from __future__ import annotations

from sqlalchemy import update

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.http import http_client
from tests.conftest import sign_in_blogin_admin
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body

ADMIN = "admin@acme.example"


def admin_id(scim: Scim) -> str:
    found = scim.get("/Users", params={"filter": f'userName eq "{ADMIN}"'}).json()
    [resource] = found["Resources"]
    return str(resource["id"])


def test_the_last_administrator_is_kept(running: Sandbox, scim: Scim) -> None:
    user_id = admin_id(scim)
    refusals = [
        scim.delete(f"/Users/{user_id}"),
        scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}]),
        scim.put(f"/Users/{user_id}", {**user_body(ADMIN), "active": False}),
    ]
    for answer in refusals:
        detail = assert_scim_error(answer, 400, "mutability")["detail"]
        assert f"{ADMIN} is BlogIn's only active Administrator" in detail
    # Nothing changed: the administrator still signs in, and other changes to them are accepted.
    with http_client(follow_redirects=False) as browser:
        sign_in_blogin_admin(browser, running)
        assert browser.get(f"{running.blogin.base_url}/settings/sso").status_code == 200
    renamed = scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": "Owner"}])
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["active"] is True


def test_with_another_active_administrator_one_can_be_deactivated(running: Sandbox, scim: Scim) -> None:
    created = scim.post("/Users", user_body("second.admin@acme.example"))
    assert created.status_code == 201
    second = created.json()["id"]
    with running.blogin.database.transaction() as session:
        session.execute(update(User).where(User.id == second).values(role="Administrator"))
    deactivated = scim.patch(f"/Users/{second}", [{"op": "replace", "path": "active", "value": False}])
    assert deactivated.status_code == 200, deactivated.text
    # The seeded administrator is the last active one again.
    assert_scim_error(scim.delete(f"/Users/{admin_id(scim)}"), 400, "mutability")
    # A deactivated administrator's account can be deleted.
    assert scim.delete(f"/Users/{second}").status_code == 204
