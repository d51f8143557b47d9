"""Who may sign in to an application: the application, the user and their membership, read afresh.

Users are implicitly denied: only an active member of a user group bound to the application gets in.
These reads run on every sign-in, at the moment the Response is issued, so that an application
deactivated, a user suspended or a group unbound in the Admin Portal counts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import bindparam, exists, inspect, literal, select
from sqlalchemy.orm import object_session

from sandbox.direct_sql import DirectSelect, Work
from sandbox.jumpcloud.models import SsoApplication, SystemUser, UserGroup, application_groups, group_members
from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts

# Is the user a member of a group bound to the application? One indexed lookup on both association tables.
_MEMBER_OF_AN_AUTHORIZED_GROUP = (
    select(literal(1))
    .select_from(application_groups.join(group_members, group_members.c.group_id == application_groups.c.group_id))
    .where(
        application_groups.c.application_id == bindparam("application_id"),
        group_members.c.user_id == bindparam("user_id"),
    )
    .limit(1)
)


_MEMBER_OF_AN_AUTHORIZED_GROUP_EXISTS = (
    exists()
    .where(
        application_groups.c.application_id == SsoApplication.id,
        group_members.c.user_id == SystemUser.id,
        group_members.c.group_id == application_groups.c.group_id,
    )
    .label("member")
)
_APPLICATION_COLUMNS = (
    SsoApplication.id,
    SsoApplication.name,
    SsoApplication.display_label,
    SsoApplication.is_bookmark,
    SsoApplication.bookmark_url,
    SsoApplication.sso_active,
    SsoApplication.sso_config,
    SsoApplication.idp_certificate_pem,
    SsoApplication.idp_private_key_pem,
)
# The application (never its User Portal image) by the name in its SSO IdP URL.
_APPLICATION_BY_NAME = DirectSelect(select(*_APPLICATION_COLUMNS).where(SsoApplication.name == bindparam("name")))
_USER_COLUMNS = (
    SystemUser.username.label("username"),
    SystemUser.email.label("email"),
    SystemUser.firstname,
    SystemUser.lastname,
    SystemUser.displayname,
    SystemUser.job_title,
    SystemUser.work_phone,
    SystemUser.timezone,
    (SystemUser.state == "ACTIVATED").label("active"),
)
# The application, the user and the membership in one statement; the user's columns are NULL when the
# user is not found (or no user is signed in).
_APPLICATION_AND_USER = DirectSelect(
    select(*_APPLICATION_COLUMNS, SystemUser.id.label("user_id"), *_USER_COLUMNS, _MEMBER_OF_AN_AUTHORIZED_GROUP_EXISTS)
    .outerjoin(SystemUser, SystemUser.id == bindparam("user_id"))
    .where(SsoApplication.id == bindparam("application_id"))
)
_GROUP_NAMES = DirectSelect(
    select(UserGroup.name)
    .join(group_members, group_members.c.group_id == UserGroup.id)
    .where(group_members.c.user_id == bindparam("user_id"))
    .order_by(UserGroup.name)
)


@dataclass(frozen=True)
class SignInUser:
    """The signed-in user's columns, as :func:`sign_in_parties` reads them."""

    id: str
    username: str
    email: str
    firstname: str
    lastname: str
    displayname: str
    job_title: str
    work_phone: str
    timezone: str
    active: bool


@dataclass(frozen=True)
class SignInParties:
    """The application signed in to, the user signing in, and whether the user is in one of its groups."""

    application: ApplicationFacts | None
    user: SignInUser | None
    member: bool


def application_by_name(session: Work, name: str) -> ApplicationFacts | None:
    """The application whose SSO IdP URL ends in ``name`` (its columns, read on every request)."""
    return cast(ApplicationFacts | None, _APPLICATION_BY_NAME.first(session, {"name": name}))


def sign_in_parties(session: Work, application_id: str, user_id: str | None) -> SignInParties:
    """The application ``application_id``, the user ``user_id`` and their membership, in one statement.

    Read afresh when a Response is issued (and when a held one is released): an application deactivated
    or deleted, a user suspended or a group unbound in the Admin Portal counts at once.
    """
    row = _APPLICATION_AND_USER.first(session, {"application_id": application_id, "user_id": user_id})
    if row is None:
        return SignInParties(None, None, False)
    user = None
    if row.user_id is not None:
        user = SignInUser(
            id=row.user_id,
            username=row.username,
            email=row.email,
            firstname=row.firstname,
            lastname=row.lastname,
            displayname=row.displayname,
            job_title=row.job_title,
            work_phone=row.work_phone,
            timezone=row.timezone,
            active=bool(row.active),
        )
    return SignInParties(row, user, bool(row.member))


def group_names(session: Work, user_id: str) -> list[str]:
    """The names of the user's groups, in name order (the group attribute's values)."""
    return [row.name for row in _GROUP_NAMES.all(session, {"user_id": user_id})]


def is_authorized(application: ApplicationFacts, user: UserFacts, *, member: bool | None = None) -> bool:
    """Users are implicitly denied: only active members of an authorized group get in.

    ``member`` is the membership when already known (:func:`sign_in_parties`); without it both must be
    an :class:`SsoApplication` and a :class:`SystemUser`.
    """
    if not user.active:
        return False
    if member is not None:
        return member
    orm_application, orm_user = cast(SsoApplication, application), cast(SystemUser, user)
    session = object_session(orm_application)
    if session is None or not ({"groups"} & (inspect(orm_application).unloaded | inspect(orm_user).unloaded)):
        # Both group lists are at hand (or there is no session to ask): compare them.
        authorized = {group.id for group in orm_application.groups}
        return any(group.id in authorized for group in orm_user.groups)
    # Otherwise one query instead of loading both lists of groups.
    found = session.execute(_MEMBER_OF_AN_AUTHORIZED_GROUP, {"application_id": application.id, "user_id": user.id})
    return found.first() is not None
