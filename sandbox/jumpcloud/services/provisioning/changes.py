"""Change detection: every flush of JumpCloud's directory queues the provisioning it implies.

The directory and the applications change memberships and associations through ORM collections,
delete with ``session.delete`` and edit attributes on ORM objects, so one ``before_flush`` /
``after_flush`` pair on the sessionmaker sees every change and queues outbox rows in the same
transaction. Which rows, and for which application, is decided here; what they mean for the
application is decided at delivery time from the state then current.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from sandbox.jumpcloud.models import (
    IdentityManagement,
    ProvisionedResource,
    SsoApplication,
    SystemUser,
    UserGroup,
    application_groups,
    group_members,
)
from sandbox.jumpcloud.models.provisioning import ACTIVE, GROUP, USER
from sandbox.jumpcloud.services.directory import new_passwords
from sandbox.jumpcloud.services.provisioning import outbox

log = logging.getLogger("sandbox.jumpcloud.provisioning")

_CHANGES_KEY = "sandbox.provisioning.changes"

# SystemUser attributes that reach the application (the Attribute Mappings) or its access.
USER_ATTRIBUTES = (
    "username",
    "email",
    "firstname",
    "lastname",
    "displayname",
    "job_title",
    "work_phone",
    "timezone",
    "state",
    "password_hash",
)


@dataclass
class _Changes:
    users: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    # Groups whose association with an application changed: (application id, group id).
    associations: set[tuple[str, str]] = field(default_factory=set)
    deleted_users: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)


def install_change_tracking(sessions: sessionmaker[Session], wake: Callable[[], None]) -> None:
    """Listen on ``sessions``; ``wake`` is called after a commit that queued operations."""

    @event.listens_for(sessions, "before_flush")
    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        changes = session.info.setdefault(_CHANGES_KEY, _Changes())
        # What a deleted object was must be read before its rows go.
        for obj in session.deleted:
            if isinstance(obj, SystemUser):
                changes.deleted_users[obj.id] = {"username": obj.username, "email": obj.email}
                changes.groups.update(g.id for g in obj.groups)
            elif isinstance(obj, UserGroup):
                member_ids = [u.id for u in obj.members]
                changes.deleted_groups[obj.id] = {"name": obj.name, "members": member_ids}
                changes.users.update(member_ids)
                for application_id in session.scalars(
                    select(application_groups.c.application_id).where(application_groups.c.group_id == obj.id)
                ):
                    changes.associations.add((application_id, obj.id))

    @event.listens_for(sessions, "after_flush")
    def after_flush(session: Session, _context: Any) -> None:
        changes = session.info.setdefault(_CHANGES_KEY, _Changes())
        # The directory keeps the plain text of passwords set in this transaction (never stored).
        passwords = new_passwords(session)
        _collect(session, changes, passwords)
        operations = _operations(session, changes)
        session.info.pop(_CHANGES_KEY, None)
        if operations:
            outbox.enqueue(session, operations)

    @event.listens_for(sessions, "after_commit")
    def after_commit(session: Session) -> None:
        if session.info.pop(outbox.QUEUED_KEY, False):
            wake()

    @event.listens_for(sessions, "after_soft_rollback")
    def after_rollback(session: Session, _transaction: Any) -> None:
        session.info.pop(outbox.QUEUED_KEY, None)
        session.info.pop(_CHANGES_KEY, None)


def _collect(session: Session, changes: _Changes, passwords: dict[str, str]) -> None:
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, SystemUser):
            _collect_user(obj, changes, passwords, new=obj in session.new)
        elif isinstance(obj, UserGroup):
            _collect_group(obj, changes, new=obj in session.new)
        elif isinstance(obj, SsoApplication):
            history = inspect(obj).attrs.groups.history
            for group in list(history.added or ()) + list(history.deleted or ()):
                changes.associations.add((obj.id, group.id))
                changes.groups.add(group.id)


def _collect_user(user: SystemUser, changes: _Changes, passwords: dict[str, str], *, new: bool) -> None:
    state = inspect(user)
    if new or any(state.attrs[name].history.has_changes() for name in USER_ATTRIBUTES):
        changes.users.add(user.id)
    if state.attrs.password_hash.history.has_changes() and user.id in passwords:
        changes.passwords[user.id] = passwords[user.id]
    history = state.attrs.groups.history
    moved = list(history.added or ()) + list(history.deleted or ())
    if moved:
        changes.users.add(user.id)
        changes.groups.update(g.id for g in moved)


def _collect_group(group: UserGroup, changes: _Changes, *, new: bool) -> None:
    state = inspect(group)
    if new or state.attrs.name.history.has_changes():
        changes.groups.add(group.id)
    history = state.attrs.members.history
    moved = list(history.added or ()) + list(history.deleted or ())
    if moved:
        changes.groups.add(group.id)
        changes.users.update(u.id for u in moved)


def _operations(session: Session, changes: _Changes) -> list[outbox.Operation]:
    if not (changes.users or changes.groups or changes.associations or changes.deleted_users):
        return []
    active = session.execute(
        select(IdentityManagement.application_id, IdentityManagement.group_management).where(
            IdentityManagement.status == ACTIVE
        )
    ).all()
    operations: list[outbox.Operation] = []
    for application_id, group_management in active:
        operations += _for_application(session, changes, application_id, group_management=group_management)
    return operations


def _for_application(
    session: Session, changes: _Changes, application_id: str, *, group_management: bool
) -> list[outbox.Operation]:
    operations: list[outbox.Operation] = []
    associated_now = set(
        session.scalars(
            select(application_groups.c.group_id).where(application_groups.c.application_id == application_id)
        )
    )
    touched_groups = set(changes.groups) | {g for a, g in changes.associations if a == application_id}
    mapped_groups = _mapped(session, application_id, GROUP, touched_groups | set(changes.deleted_groups))
    users = set(changes.users)
    # Members of a group that gained or lost the application gain or lose it too.
    changed_association = {g for a, g in changes.associations if a == application_id}
    live_changed = changed_association - set(changes.deleted_groups)
    if live_changed:
        users.update(session.scalars(select(group_members.c.user_id).where(group_members.c.group_id.in_(live_changed))))
    for group_id in sorted(changes.deleted_groups):
        if group_id in changed_association or group_id in mapped_groups:
            users.update(changes.deleted_groups[group_id]["members"])
    users -= set(changes.deleted_users)

    relevant_users = _granted(session, application_id, users) | _mapped(session, application_id, USER, users)
    for user_id in sorted(relevant_users):
        payload = {"password": changes.passwords[user_id]} if user_id in changes.passwords else {}
        operations.append(outbox.sync_user(application_id, user_id, payload))
    for user_id, what in sorted(changes.deleted_users.items()):
        if user_id in _mapped(session, application_id, USER, {user_id}):
            operations.append(outbox.delete_user(application_id, user_id, what))

    if group_management:
        for group_id in sorted(touched_groups - set(changes.deleted_groups)):
            if group_id in associated_now or group_id in mapped_groups:
                operations.append(outbox.sync_group(application_id, group_id))
        for group_id, what in sorted(changes.deleted_groups.items()):
            if group_id in mapped_groups:
                operations.append(outbox.delete_group(application_id, group_id, {"name": what["name"]}))
    return operations


def _granted(session: Session, application_id: str, user_ids: set[str]) -> set[str]:
    if not user_ids:
        return set()
    granted: set[str] = set()
    ids = sorted(user_ids)
    for start in range(0, len(ids), 500):
        granted.update(
            session.scalars(
                select(group_members.c.user_id)
                .join(application_groups, application_groups.c.group_id == group_members.c.group_id)
                .where(
                    application_groups.c.application_id == application_id,
                    group_members.c.user_id.in_(ids[start : start + 500]),
                )
            )
        )
    return granted


def _mapped(session: Session, application_id: str, resource_type: str, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    found: set[str] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        found.update(
            session.scalars(
                select(ProvisionedResource.jumpcloud_id).where(
                    ProvisionedResource.application_id == application_id,
                    ProvisionedResource.resource_type == resource_type,
                    ProvisionedResource.jumpcloud_id.in_(ordered[start : start + 500]),
                )
            )
        )
    return found
