"""USER MANAGEMENT: users, user groups and their memberships, with a Directory Insights event per change.

Every change goes through the ORM objects and their relationship collections (never bulk statements),
because provisioning observes the Session's flush to learn what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import SsoApplication, SystemUser, UserGroup, application_groups
from sandbox.jumpcloud.services.insights import Initiator, record_event

# The input rules live in ``user_input``; the forms and the API keep reading them here.
from sandbox.jumpcloud.services.user_input import FIELD_LIMITS as FIELD_LIMITS
from sandbox.jumpcloud.services.user_input import GROUP_DESCRIPTION_LIMIT, GROUP_NAME_LIMIT, user_input_errors
from sandbox.jumpcloud.services.user_input import USER_STATES as USER_STATES
from sandbox.jumpcloud.services.user_input import hidden_character_error as hidden_character_error
from sandbox.jumpcloud.services.user_input import timezone_names as timezone_names
from sandbox.passwords import hash_password

MIN_PASSWORD_LENGTH = 8
# Plain-text passwords set in this transaction, by user id: provisioning syncs them, nothing stores them.
NEW_PASSWORDS_KEY = "jumpcloud.new_passwords"

# Editable user fields, in the spelling Directory Insights ``changes`` use (the v1 API's names).
USER_FIELDS: dict[str, str] = {
    "username": "username",
    "email": "email",
    "firstname": "firstname",
    "lastname": "lastname",
    "displayname": "displayname",
    "jobTitle": "job_title",
    "workPhone": "work_phone",
    "timezone": "timezone",
    "state": "state",
}


class DirectoryError(Exception):
    """A change the directory refuses, with a message per form field (``""`` for the whole form)."""

    def __init__(self, errors: Mapping[str, str], *, conflict: bool = False) -> None:
        self.errors = dict(errors)
        # True when the only problem is a name or address already taken (HTTP 409 in the API).
        self.conflict = conflict
        super().__init__("; ".join(self.errors.values()))


def user_resource(user: SystemUser) -> dict[str, str]:
    """The ``resource`` block Directory Insights uses for a user."""
    return {"id": user.id, "type": "user", "username": user.username, "email": user.email}


def group_resource(group: UserGroup) -> dict[str, str]:
    """The ``resource`` block Directory Insights uses for a user group."""
    return {"id": group.id, "type": "user_group", "name": group.name}


def new_passwords(session: Session) -> dict[str, str]:
    """Passwords set during this transaction, by user id (for password synchronization)."""
    return dict(session.info.get(NEW_PASSWORDS_KEY, {}))


# ---------------------------------------------------------------- users


def _clean_user_values(values: Mapping[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for field in USER_FIELDS:
        if field in values and values[field] is not None:
            cleaned[field] = str(values[field]).strip()
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].lower()
    if "state" in cleaned:
        cleaned["state"] = cleaned["state"].upper()
    return cleaned


def _validate_user(session: Session, values: dict[str, str], password: str | None, existing: SystemUser | None) -> None:
    errors = user_input_errors(values)
    conflicts: dict[str, str] = {}
    # A name or address the directory refuses anyway is not looked up.
    username = values.get("username")
    if username and "username" not in errors:
        taken = session.scalars(select(SystemUser).where(func.lower(SystemUser.username) == username.lower())).first()
        if taken is not None and taken is not existing:
            conflicts["username"] = f"The username {username} is already taken."
    email = values.get("email")
    if email and "email" not in errors:
        taken = session.scalars(select(SystemUser).where(SystemUser.email == email)).first()
        if taken is not None and taken is not existing:
            conflicts["email"] = f"The email {email} is already in use by another user."
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"The password must be at least {MIN_PASSWORD_LENGTH} characters."
    if errors or conflicts:
        raise DirectoryError({**conflicts, **errors}, conflict=bool(conflicts) and not errors)


def _set_password(session: Session, user: SystemUser, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_pending = False
    session.info.setdefault(NEW_PASSWORDS_KEY, {})[user.id] = password


def create_user(
    session: Session, values: Mapping[str, Any], *, initiated_by: Initiator, password: str | None = None
) -> SystemUser:
    """Add a user; ``values`` uses the keys of :data:`USER_FIELDS`. Raises :class:`DirectoryError`."""
    cleaned = _clean_user_values(values)
    cleaned.setdefault("username", "")
    cleaned.setdefault("email", "")
    cleaned.setdefault("state", "ACTIVATED")
    _validate_user(session, cleaned, password or None, None)
    user = SystemUser(**{USER_FIELDS[field]: value for field, value in cleaned.items()})
    session.add(user)
    session.flush()
    if password:
        _set_password(session, user, password)
    record_event(
        session,
        "user_create",
        service="directory",
        initiated_by=initiated_by,
        resource=user_resource(user),
        changes=[{"field": field, "from": None, "to": value} for field, value in cleaned.items() if value],
        summary=f"User {user.username} created",
    )
    return user


def update_user(
    session: Session,
    user: SystemUser,
    values: Mapping[str, Any],
    *,
    initiated_by: Initiator,
    password: str | None = None,
) -> list[dict[str, Any]]:
    """Change the fields present in ``values`` (and the password when given); returns the ``changes``."""
    cleaned = _clean_user_values(values)
    _validate_user(session, cleaned, password or None, user)
    changes: list[dict[str, Any]] = []
    for field, value in cleaned.items():
        attribute = USER_FIELDS[field]
        old = getattr(user, attribute)
        if old != value:
            setattr(user, attribute, value)
            changes.append({"field": field, "from": old, "to": value})
    if password:
        _set_password(session, user, password)
        # Never the password itself, not even hashed.
        changes.append({"field": "password", "from": None, "to": None})
    if changes:
        record_event(
            session,
            "user_update",
            service="directory",
            initiated_by=initiated_by,
            resource=user_resource(user),
            changes=changes,
            summary=f"User {user.username} updated: {', '.join(change['field'] for change in changes)}",
        )
    return changes


def delete_user(session: Session, user: SystemUser, *, initiated_by: Initiator) -> None:
    """Remove a user from the directory (and from every group)."""
    resource = user_resource(user)
    session.delete(user)
    session.flush()
    record_event(
        session,
        "user_delete",
        service="directory",
        initiated_by=initiated_by,
        resource=resource,
        summary=f"User {resource['username']} deleted",
    )


# ---------------------------------------------------------------- groups


def _validate_group(session: Session, name: str, description: str, existing: UserGroup | None) -> None:
    if not name:
        raise DirectoryError({"name": "Group name is required."})
    if len(name) > GROUP_NAME_LIMIT:
        raise DirectoryError({"name": f"At most {GROUP_NAME_LIMIT} characters."})
    if len(description) > GROUP_DESCRIPTION_LIMIT:
        raise DirectoryError({"description": f"At most {GROUP_DESCRIPTION_LIMIT} characters."})
    hidden = {field: hidden_character_error(text) for field, text in (("name", name), ("description", description))}
    if any(hidden.values()):
        raise DirectoryError({field: message for field, message in hidden.items() if message})
    taken = session.scalars(select(UserGroup).where(func.lower(UserGroup.name) == name.lower())).first()
    if taken is not None and taken is not existing:
        raise DirectoryError({"name": f"A user group named {taken.name} already exists."}, conflict=True)


def create_group(session: Session, name: str, *, initiated_by: Initiator, description: str = "") -> UserGroup:
    """Add an empty user group."""
    name, description = name.strip(), description.strip()
    _validate_group(session, name, description, None)
    group = UserGroup(name=name, description=description)
    session.add(group)
    session.flush()
    changes = [{"field": "name", "from": None, "to": name}]
    if description:
        changes.append({"field": "description", "from": None, "to": description})
    record_event(
        session,
        "group_create",
        service="directory",
        initiated_by=initiated_by,
        resource=group_resource(group),
        changes=changes,
        summary=f"User group {name} created",
    )
    return group


def update_group(
    session: Session,
    group: UserGroup,
    *,
    initiated_by: Initiator,
    name: str | None = None,
    description: str | None = None,
) -> list[dict[str, Any]]:
    """Rename a group and/or change its description; returns the ``changes``."""
    new_name = group.name if name is None else name.strip()
    new_description = group.description if description is None else description.strip()
    _validate_group(session, new_name, new_description, group)
    changes: list[dict[str, Any]] = []
    if new_name != group.name:
        changes.append({"field": "name", "from": group.name, "to": new_name})
        group.name = new_name
    if new_description != group.description:
        changes.append({"field": "description", "from": group.description, "to": new_description})
        group.description = new_description
    if changes:
        record_event(
            session,
            "group_update",
            service="directory",
            initiated_by=initiated_by,
            resource=group_resource(group),
            changes=changes,
            summary=f"User group {group.name} updated",
        )
    return changes


def delete_group(session: Session, group: UserGroup, *, initiated_by: Initiator) -> None:
    """Remove a group; its members stay in the directory."""
    resource = group_resource(group)
    session.delete(group)
    session.flush()
    record_event(
        session,
        "group_delete",
        service="directory",
        initiated_by=initiated_by,
        resource=resource,
        summary=f"User group {resource['name']} deleted",
    )


def _association_event(
    session: Session,
    op: str,
    group: UserGroup,
    target: dict[str, str],
    *,
    initiated_by: Initiator,
    summary: str | None = None,
) -> None:
    # JumpCloud logs membership and application bindings alike as ``association_change``.
    record_event(
        session,
        "association_change",
        service="directory",
        initiated_by=initiated_by,
        resource=group_resource(group),
        summary=summary
        or f"{target['type']} {target['name']} {'added to' if op == 'add' else 'removed from'} {group.name}",
        extra={
            "association": {
                "op": op,
                "connection": {
                    "from": {"type": "user_group", "object_id": group.id, "name": group.name},
                    "to": target,
                },
            }
        },
    )


def add_member(session: Session, group: UserGroup, user: SystemUser, *, initiated_by: Initiator) -> bool:
    """Put ``user`` in ``group``; False when already a member."""
    if user in group.members:
        return False
    group.members.append(user)
    _association_event(
        session, "add", group, {"type": "user", "object_id": user.id, "name": user.username}, initiated_by=initiated_by
    )
    return True


def remove_member(session: Session, group: UserGroup, user: SystemUser, *, initiated_by: Initiator) -> bool:
    """Take ``user`` out of ``group``; False when not a member."""
    if user not in group.members:
        return False
    group.members.remove(user)
    _association_event(
        session,
        "remove",
        group,
        {"type": "user", "object_id": user.id, "name": user.username},
        initiated_by=initiated_by,
    )
    return True


def associate_application(
    session: Session, group: UserGroup, application: SsoApplication, op: str, *, initiated_by: Initiator
) -> bool:
    """Authorize (``op="add"``) or stop authorizing (``"remove"``) ``group`` for ``application``.

    The one place a group's binding to an application changes: the v2 API and the application's
    **User Groups** tab both come here. False when there was nothing to change.
    """
    target = {"type": "application", "object_id": application.id, "name": application.display_label}
    if op == "add":
        if group in application.groups:
            return False
        application.groups.append(group)
    elif op == "remove":
        if group not in application.groups:
            return False
        application.groups.remove(group)
    else:
        raise DirectoryError({"op": "op is add or remove."})
    verb = "authorized for" if op == "add" else "no longer authorized for"
    _association_event(
        session,
        op,
        group,
        target,
        initiated_by=initiated_by,
        summary=f"User group {group.name} {verb} {application.display_label}",
    )
    return True


def authorized_application_ids(session: Session, group: UserGroup) -> set[str]:
    """The ids of the applications ``group`` is authorized for."""
    query = select(application_groups.c.application_id).where(application_groups.c.group_id == group.id)
    return set(session.scalars(query))


def set_group_applications(
    session: Session, group: UserGroup, application_ids: list[str], *, initiated_by: Initiator
) -> tuple[list[SsoApplication], list[SsoApplication]]:
    """Authorize ``group`` for exactly ``application_ids`` (the group's **Applications**); returns (added, removed).

    Each binding goes through :func:`associate_application`, as the application's **User Groups** tab does.
    """
    wanted = set(application_ids)
    current = authorized_application_ids(session, group)
    changed = wanted ^ current
    applications = {
        application.id: application
        for application in session.scalars(select(SsoApplication).where(SsoApplication.id.in_(changed)))
    }
    if len(applications) != len(changed):
        raise DirectoryError({"": "One of the selected applications no longer exists. Reload the page."})
    added = [applications[i] for i in sorted(wanted - current, key=lambda i: applications[i].display_label)]
    removed = [applications[i] for i in sorted(current - wanted, key=lambda i: applications[i].display_label)]
    for application in added:
        associate_application(session, group, application, "add", initiated_by=initiated_by)
    for application in removed:
        associate_application(session, group, application, "remove", initiated_by=initiated_by)
    return added, removed
