"""BlogIn with real content for its accessibility checks, and browsers on it.

On top of the package's sandbox (SSO configured against JumpCloud, users and teams provisioned by
SCIM): many users across two pages, one of them a member of many teams, a person created by JIT at
their first SSO login, a member with a BlogIn password (whom single sign-on turns away from the
password form), and a test fault that stays on (only BlogIn's 9999th Discovery request fails, so
provisioning goes on unhurt while the banner shows).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from sandbox.blogin.models import Team, User
from sandbox.passwords import hash_password
from sandbox.scenarios.rehearsal import Rehearsal
from tests.accessibility.axe import PortalBrowser
from tests.accessibility.conftest import Content

MEMBER_EMAIL = "dorothy.vaughan@example.com"
MEMBER_PASSWORD = "Member-password-1"
MANY_TEAMS = 9
MANY_USERS = 60


@dataclass(frozen=True)
class BlogInContent:
    """Where BlogIn's interesting records are."""

    base: str
    user_id: str  # a member of many teams
    jit_user_id: str
    team_id: str
    admin_login_link: str


def _person(index: int, source: str) -> User:
    name = f"person{index:02d}"
    return User(
        user_name=f"{name}@example.com",
        user_name_key=f"{name}@example.com",
        email=f"{name}@example.com",
        given_name="Person",
        family_name=f"Number {index}",
        display_name=f"Person Number {index}",
        role="Reader",
        source=source,
    )


def build_blogin(content: Content) -> BlogInContent:
    """Add BlogIn's people and teams to ``content``'s sandbox, and turn one test fault on."""
    blogin = content.sandbox.blogin
    with blogin.database.transaction() as session:
        # Both BlogIn modules ask for it; the second finds it made.
        made = session.scalars(select(User).where(User.user_name_key == "katherine.johnson@example.com")).first()
        if made is not None:
            jit_id = session.scalars(select(User.id).where(User.user_name_key == "mary.jackson@example.com")).one()
            return BlogInContent(blogin.base_url, made.id, jit_id, made.teams[0].id, blogin.admin_login_link())
        teams = [
            Team(display_name=f"Guild {index}", display_name_key=f"guild {index}", source="manual")
            for index in range(MANY_TEAMS)
        ]
        session.add_all(teams)
        people = [_person(index, "import" if index % 3 else "manual") for index in range(MANY_USERS)]
        session.add_all(people)
        busy = User(
            user_name="katherine.johnson@example.com",
            user_name_key="katherine.johnson@example.com",
            email="katherine.johnson@example.com",
            given_name="Katherine",
            family_name="Johnson",
            display_name="Katherine Johnson",
            title="Mathematician",
            role="Editor",
            source="manual",
            teams=teams,
        )
        jit = User(
            user_name="mary.jackson@example.com",
            user_name_key="mary.jackson@example.com",
            email="mary.jackson@example.com",
            given_name="Mary",
            family_name="Jackson",
            display_name="Mary Jackson",
            role="Reader",
            source="JIT",
        )
        member = User(
            user_name=MEMBER_EMAIL,
            user_name_key=MEMBER_EMAIL,
            email=MEMBER_EMAIL,
            given_name="Dorothy",
            family_name="Vaughan",
            display_name="Dorothy Vaughan",
            role="Reader",
            source="manual",
            password_hash=hash_password(MEMBER_PASSWORD),
        )
        session.add_all([busy, jit, member])
        session.flush()
        user_id, jit_id, team_id = busy.id, jit.id, teams[0].id
    with Rehearsal(content.base, blogin.base_url) as steps:
        steps.sign_in_admins()
        saved = steps.blogin_admin.post(
            f"{blogin.base_url}/settings/test-faults",
            data={"action": "save", "Discovery-status": "503", "Discovery-nth": "9999"},
        )
        assert saved.status_code == 302, saved.text[:500]
    return BlogInContent(blogin.base_url, user_id, jit_id, team_id, blogin.admin_login_link())


@pytest.fixture(scope="module")
def blogin_content(content: Content) -> BlogInContent:
    """BlogIn's content, added once per module to the package's sandbox."""
    return build_blogin(content)


@pytest.fixture(scope="module")
def blogin_admin(qapp: QApplication, blogin_content: BlogInContent) -> Iterator[PortalBrowser]:
    """A browser signed in to BlogIn as its administrator."""
    browser = PortalBrowser()
    browser.load(blogin_content.admin_login_link)
    assert "/login" not in browser.url, browser.url
    yield browser
    browser.close()
