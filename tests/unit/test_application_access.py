"""JumpCloud's observer view of who gets an application through which groups, and what took it away.

Built with the directory's own services on a JumpCloud database, as its pages and API would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from sandbox.db import Database
from sandbox.desktop.drift.groups import access_explanation, groups_shown
from sandbox.jumpcloud.models import (
    Base,
    DirectoryInsightsEvent,
    ProvisionedResource,
    SsoApplication,
    SystemUser,
    UserGroup,
)
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.access_history import GROUP_UNTICKED, MEMBERSHIP_REMOVED, access_losses
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.jumpcloud.services.integration_state import DirectoryUserView, application_users

ADMIN = Initiator(id="a1", type="admin", username_or_email="admin@example.com")


@pytest.fixture
def jumpcloud(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'jumpcloud.db'}", Base.metadata, label="JumpCloud")
    database.open()
    yield database
    database.close()


def user(session: Session, name: str) -> SystemUser:
    return directory.create_user(session, {"username": name, "email": f"{name}@example.org"}, initiated_by=ADMIN)


def group(session: Session, name: str, *members: SystemUser) -> UserGroup:
    created = directory.create_group(session, name, initiated_by=ADMIN)
    for member in members:
        directory.add_member(session, created, member, initiated_by=ADMIN)
    return created


def application(session: Session, *groups: UserGroup) -> SsoApplication:
    app = SsoApplication(catalog_key="blogin", name="blogin", display_label="BlogIn", sso_idp_url="https://sso/blogin")
    session.add(app)
    session.flush()
    for granting in groups:
        directory.associate_application(session, granting, app, "add", initiated_by=ADMIN)
    return app


def test_the_last_change_that_took_access_away_is_the_one_named(jumpcloud: Database) -> None:
    with jumpcloud.transaction() as session:
        ada = user(session, "ada")
        engineering, staff = group(session, "Engineering", ada), group(session, "Staff", ada)
        app = application(session, engineering, staff)
        # Out of Engineering: Staff still grants BlogIn, so nothing is lost yet.
        directory.remove_member(session, engineering, ada, initiated_by=ADMIN)
        assert access_losses(session, app.id, [ada.id]) == {}
        # Back in Engineering, then both groups unticked: the second untick is the one that took it away.
        directory.add_member(session, engineering, ada, initiated_by=ADMIN)
        directory.associate_application(session, staff, app, "remove", initiated_by=ADMIN)
        directory.associate_application(session, engineering, app, "remove", initiated_by=ADMIN)
        loss = access_losses(session, app.id, [ada.id])[ada.id]
        assert (loss.kind, loss.group_name, loss.initiated_by) == (GROUP_UNTICKED, "Engineering", "admin@example.com")


def test_groups_are_sorted_and_a_user_without_history_gets_the_plain_words(jumpcloud: Database) -> None:
    with jumpcloud.transaction() as session:
        ada, bob = user(session, "ada"), user(session, "bob")
        staff, engineering = group(session, "staff", ada, bob), group(session, "Engineering", ada)
        app = application(session, staff, engineering)
        app_id = app.id
        # bob was provisioned to BlogIn (as JumpCloud's worker records a delivery), then left staff.
        session.add(ProvisionedResource(application_id=app_id, resource_type="user", jumpcloud_id=bob.id, scim_id="b1"))
        directory.remove_member(session, staff, bob, initiated_by=ADMIN)
    with jumpcloud.transaction() as session:
        views = {view.username: view for view in application_users(session, app_id)}
        assert views["ada"].groups == ("Engineering", "staff")
        assert views["bob"].access_loss is not None and views["bob"].access_loss.kind == MEMBERSHIP_REMOVED
        # Directory Insights emptied (as after its retention): nothing says what happened to bob.
        session.execute(delete(DirectoryInsightsEvent))
        forgotten = next(view for view in application_users(session, app_id) if view.username == "bob")
    assert not forgotten.authorized and forgotten.access_loss is None
    assert groups_shown(forgotten) == "None left"
    assert access_explanation(forgotten, "BlogIn").startswith(
        "In no user group ticked for BlogIn any more: no granting group is left for bob, and Directory Insights"
    )


def test_a_view_without_groups_is_not_authorized_and_says_so() -> None:
    view = DirectoryUserView("1", "eve", "eve@example.org", False, {}, None, None)
    assert groups_shown(view) == "None left"
    assert "no granting group is left for eve" in access_explanation(view, "Wiki")
