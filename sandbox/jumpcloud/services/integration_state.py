"""Read-only views of the mock JumpCloud's integration state, as plain data for observers.

The desktop's walkthrough, drift view and edge-case panel read these; nothing here changes a row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, distinct, func, or_, select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import (
    DirectoryInsightsEvent,
    IdentityManagement,
    ProvisionedResource,
    SsoApplication,
    SystemUser,
    UserGroup,
    application_groups,
    group_members,
)
from sandbox.jumpcloud.services.access_history import AccessLoss, access_losses
from sandbox.jumpcloud.services.provisioning.snapshot import ACTIVATED, USER_COLUMNS

# Tester edge cases of an application's Responses, all off (see services/applications.py).
EDGE_CASE_KEYS = (
    "clockSkewMinutes",
    "shortValiditySeconds",
    "wrongAudience",
    "noSignature",
    "foreignKey",
    "attributeMode",
    "attributeName",
    "attributeRenameTo",
    "holdResponseSeconds",
)


@dataclass(frozen=True)
class ApplicationState:
    """One configured application as its configuration panel shows it."""

    id: str
    name: str
    display_label: str
    catalog_key: str
    sso_active: bool
    # The SSO tab holds an SP Entity ID and an ACS URL (metadata uploaded or typed in).
    sp_configured: bool
    sp_entity_id: str
    acs_urls: tuple[str, ...]
    # Path of the IdP metadata this sandbox serves (the Copy Metadata URL value, without the host).
    metadata_path: str
    group_names: tuple[str, ...]
    authorized_user_count: int
    idm_status: str  # "" when the Identity Management tab was never configured
    idm_base_url: str
    group_management: bool
    edge_cases: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JumpCloudState:
    """What the walkthrough needs to know of JumpCloud."""

    applications: tuple[ApplicationState, ...]
    # Successful sso_auth events, by how the sign-in started.
    idp_initiated_sign_ins: int
    sp_initiated_sign_ins: int
    # Directory Insights event types seen at least once, successful ones only.
    event_types: frozenset[str]
    user_count: int
    # Users waiting for a password of their own: how imported users arrive.
    pending_password_users: int
    # Users created by a manual import from an application.
    imported_users: int = 0

    def application(self, catalog_key: str) -> ApplicationState | None:
        """The first application created from catalog entry ``catalog_key`` (``blogin``)."""
        return next((app for app in self.applications if app.catalog_key == catalog_key), None)


@dataclass(frozen=True)
class DirectoryUserView:
    """A JumpCloud user as one application sees it: granted or not, and what provisioning last sent."""

    id: str
    username: str
    email: str
    authorized: bool
    # The seed guide's attribute mapping, flattened (userName, email, givenName, ...).
    attributes: dict[str, Any]
    scim_id: str | None
    last_sent: dict[str, Any] | None
    # The user's groups ticked for the application, by name (case-insensitive order).
    groups: tuple[str, ...] = ()
    # Suspended users get no application, whatever their groups.
    suspended: bool = False
    # For a user no group grants the application any more: the change that removed the last one,
    # when Directory Insights tells it.
    access_loss: AccessLoss | None = None


def integration_state(session: Session) -> JumpCloudState:
    """Applications, sign-ins and events, read in one go."""
    applications = tuple(_application_state(session, app) for app in session.scalars(_applications()))
    sign_ins = session.execute(
        select(DirectoryInsightsEvent.record).where(
            DirectoryInsightsEvent.event_type == "sso_auth", DirectoryInsightsEvent.success.is_(True)
        )
    ).scalars()
    idp = sp = 0
    for record in sign_ins:
        if (record or {}).get("idp_initiated"):
            idp += 1
        else:
            sp += 1
    event_types = frozenset(
        session.scalars(
            select(DirectoryInsightsEvent.event_type).where(DirectoryInsightsEvent.success.is_(True)).distinct()
        )
    )
    user_count = session.scalar(select(func.count()).select_from(SystemUser)) or 0
    pending = session.scalar(select(func.count()).where(SystemUser.password_pending.is_(True))) or 0
    return JumpCloudState(applications, idp, sp, event_types, int(user_count), int(pending), _imported(session))


def _imported(session: Session) -> int:
    # Only records mentioning a manual import are parsed: a directory of thousands of users has as many
    # user_create events, read on every refresh of the observers.
    records = session.scalars(
        select(DirectoryInsightsEvent.record).where(
            DirectoryInsightsEvent.event_type == "user_create",
            cast(DirectoryInsightsEvent.record, Text).like("%manual import%"),
        )
    )
    return sum(
        1
        for record in records
        if any(change.get("to") == "manual import" for change in (record or {}).get("changes") or [])
    )


#: how many names one query asks about (SQLite allows a few hundred bound values per statement)
_LOGINS_PER_QUERY = 400


def known_logins(session: Session, logins: Iterable[str]) -> set[str]:
    """Which of ``logins`` (usernames or emails, compared lower-case) name a JumpCloud user, in any group or none.

    The drift view's JumpCloud side is the users authorized for the application; someone brought over by a
    manual import is a JumpCloud user too, though in no user group bound to it until an administrator adds them.
    """
    wanted = sorted({login.strip().lower() for login in logins if login.strip()})
    found: set[str] = set()
    for start in range(0, len(wanted), _LOGINS_PER_QUERY):
        batch = wanted[start : start + _LOGINS_PER_QUERY]
        rows = session.execute(
            select(SystemUser.username, SystemUser.email).where(
                or_(func.lower(SystemUser.username).in_(batch), func.lower(SystemUser.email).in_(batch))
            )
        )
        for username, email in rows:
            found.update({username.lower(), (email or "").lower()} & set(batch))
    return found


def application_users(session: Session, application_id: str) -> list[DirectoryUserView]:
    """Users authorized for the application, and those provisioned to it earlier, by username.

    Read with a handful of column queries whatever the directory's size: the drift view calls this on
    every refresh.
    """
    if session.scalar(select(SsoApplication.id).where(SsoApplication.id == application_id)) is None:
        return []
    groups = granting_groups(session, application_id)
    provisioned = {
        row.jumpcloud_id: row
        for row in session.execute(
            select(ProvisionedResource.jumpcloud_id, ProvisionedResource.scim_id, ProvisionedResource.attributes).where(
                ProvisionedResource.application_id == application_id, ProvisionedResource.resource_type == "user"
            )
        )
    }
    rows = session.execute(
        select(*USER_COLUMNS).where(
            or_(
                SystemUser.id.in_(_member_ids(application_id)),
                SystemUser.id.in_(
                    select(ProvisionedResource.jumpcloud_id).where(
                        ProvisionedResource.application_id == application_id,
                        ProvisionedResource.resource_type == "user",
                    )
                ),
            )
        )
    ).all()
    losses = access_losses(session, application_id, [row.id for row in rows if row.id not in groups])
    views = []
    for row in rows:
        user_groups = tuple(groups.get(row.id, ()))
        suspended = row.state != ACTIVATED
        authorized = bool(user_groups) and not suspended
        sent = provisioned.get(row.id)
        views.append(
            DirectoryUserView(
                id=row.id,
                username=row.username,
                email=row.email,
                authorized=authorized,
                attributes=_attributes(row._mapping, active=authorized),
                scim_id=sent.scim_id if sent is not None else None,
                last_sent=dict(sent.attributes or {}) if sent is not None else None,
                groups=user_groups,
                suspended=suspended,
                access_loss=losses.get(row.id),
            )
        )
    return sorted(views, key=lambda view: view.username.lower())


def granting_groups(session: Session, application_id: str) -> dict[str, list[str]]:
    """For every member of a group ticked for the application: those groups' names, in one query."""
    query = (
        select(group_members.c.user_id, UserGroup.name)
        .join(application_groups, application_groups.c.group_id == group_members.c.group_id)
        .join(UserGroup, UserGroup.id == group_members.c.group_id)
        .where(application_groups.c.application_id == application_id)
    )
    groups: dict[str, list[str]] = defaultdict(list)
    for user_id, name in session.execute(query):
        groups[user_id].append(name)
    for names in groups.values():
        names.sort(key=lambda name: (name.lower(), name))
    return groups


def _member_ids(application_id: str) -> Any:
    return (
        select(group_members.c.user_id)
        .join(application_groups, application_groups.c.group_id == group_members.c.group_id)
        .where(application_groups.c.application_id == application_id)
    )


def mapped_attributes(user: SystemUser, *, active: bool) -> dict[str, Any]:
    """The seed guide's Attribute Mappings for ``user``: what BlogIn should hold."""
    return _attributes({column.key: getattr(user, column.key) for column in USER_COLUMNS}, active=active)


def _attributes(user: Mapping[Any, Any], *, active: bool) -> dict[str, Any]:
    formatted = " ".join(part for part in (user["firstname"], user["lastname"]) if part)
    return {
        "userName": user["username"],
        "email": user["email"],
        "givenName": user["firstname"],
        "familyName": user["lastname"],
        "formatted": formatted,
        "displayName": user["displayname"] or formatted or user["username"],
        "title": user["job_title"],
        "phone": user["work_phone"],
        "timezone": user["timezone"],
        "active": active,
    }


def _applications() -> Any:
    return select(SsoApplication).order_by(SsoApplication.created, SsoApplication.id)


def _application_state(session: Session, application: SsoApplication) -> ApplicationState:
    config = application.sso_config or {}
    acs_urls = tuple(str(url) for url in config.get("acsUrls") or [] if url)
    sp_entity_id = str(config.get("spEntityId") or "")
    idm = session.get(IdentityManagement, application.id)
    # Counted in SQL: loading every member as an object took most of a refresh with thousands of users.
    members = session.scalar(
        select(func.count(distinct(SystemUser.id))).where(
            SystemUser.id.in_(_member_ids(application.id)), SystemUser.state == ACTIVATED
        )
    )
    group_names = session.scalars(
        select(UserGroup.name)
        .join(application_groups, application_groups.c.group_id == UserGroup.id)
        .where(application_groups.c.application_id == application.id)
        .order_by(UserGroup.name)
    )
    cases = config.get("edgeCases") or {}
    return ApplicationState(
        id=application.id,
        name=application.name,
        display_label=application.display_label,
        catalog_key=application.catalog_key,
        sso_active=application.sso_active,
        sp_configured=bool(sp_entity_id and acs_urls),
        sp_entity_id=sp_entity_id,
        acs_urls=acs_urls,
        metadata_path=f"/saml2/{application.name}/metadata",
        group_names=tuple(group_names),
        authorized_user_count=int(members or 0),
        idm_status=idm.status if idm is not None else "",
        idm_base_url=idm.base_url if idm is not None else "",
        group_management=bool(idm.group_management) if idm is not None else False,
        edge_cases={key: cases[key] for key in EDGE_CASE_KEYS if key in cases},
    )
