"""Claiming due outbox operations and reading the state each one needs (run by the worker)."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from typing import Any

from sqlalchemy import Select, Text, and_, bindparam, or_, select, type_coerce, update
from sqlalchemy.orm import Session

from sandbox.events import utc_now
from sandbox.jumpcloud.models import (
    IdentityManagement,
    ProvisionedResource,
    ProvisioningOutbox,
    SsoApplication,
    SystemUser,
    UserGroup,
    application_groups,
    group_members,
)
from sandbox.jumpcloud.models.provisioning import (
    ACTIVE,
    GROUP,
    PENDING,
    SKIPPED,
    SYNC_GROUP,
    SYNC_USER,
    USER,
)
from sandbox.jumpcloud.services.provisioning.attributes import user_attributes
from sandbox.jumpcloud.services.provisioning.jobs import Connection, Job, Mapping

Key = tuple[str, str, str]
# The outbox rows read per claim: enough to pass the operations in flight (still pending) and to
# fold later duplicates into the ones claimed.
WINDOW = 128
FOLDABLE = (SYNC_USER, SYNC_GROUP)
ACTIVATED = "ACTIVATED"  # SystemUser.state of a user who is not suspended
USER_COLUMNS = (
    SystemUser.id,
    SystemUser.username,
    SystemUser.email,
    SystemUser.firstname,
    SystemUser.lastname,
    SystemUser.displayname,
    SystemUser.job_title,
    SystemUser.work_phone,
    SystemUser.timezone,
    SystemUser.state,
)


def build_jobs(
    session: Session,
    room: int,
    busy: set[Key],
    users_in_flight: dict[str, int] | None = None,
    seqs_in_flight: list[int] | None = None,
) -> list[Job]:
    """Up to ``room`` jobs: the first due operation of each resource not ``busy``, with later
    identical sync operations folded in (a sync reads the state current when it runs).

    A group sync waits while a user operation of its application queued before it is still due or
    in flight (``users_in_flight``: the lowest seq of those, per application): a group then goes
    out with its new members already in the application, in one request, instead of a request now
    and another as each member arrives (an initial sync would PATCH every group after every batch
    of users). Users waiting for a retry hold no group back.

    ``seqs_in_flight``: the outbox rows of the jobs ``busy`` stands for, which the read leaves out.
    """
    now = utc_now()
    waiting = {
        (a, t, r)
        for a, t, r in session.execute(
            select(ProvisioningOutbox.application_id, ProvisioningOutbox.resource_type, ProvisioningOutbox.resource_id)
            .where(ProvisioningOutbox.status == PENDING, ProvisioningOutbox.next_attempt_at > now)
            .distinct()
        )
    }
    columns = (
        ProvisioningOutbox.seq,
        ProvisioningOutbox.application_id,
        ProvisioningOutbox.resource_type,
        ProvisioningOutbox.resource_id,
        ProvisioningOutbox.operation,
        # The stored text: only the claimed rows' payloads are parsed.
        type_coerce(ProvisioningOutbox.payload, Text).label("payload"),
        ProvisioningOutbox.attempts,
    )
    due = select(*columns).where(
        ProvisioningOutbox.status == PENDING,
        or_(ProvisioningOutbox.next_attempt_at.is_(None), ProvisioningOutbox.next_attempt_at <= now),
    )
    if seqs_in_flight:
        # The operations in flight are still pending: left out by the database rather than read and
        # passed over here (a full pipeline is four times a claim).
        rows = session.execute(
            due.where(ProvisioningOutbox.seq.not_in(bindparam("in_flight", expanding=True)))
            .order_by(ProvisioningOutbox.seq)
            .limit(max(WINDOW, room * 2)),
            {"in_flight": seqs_in_flight},
        ).all()
    else:
        rows = session.execute(due.order_by(ProvisioningOutbox.seq).limit(max(WINDOW, len(busy) + room * 2))).all()
    blocked = set(busy) | waiting
    # The first user operation of each application still to be delivered (in flight or due).
    first_user: dict[str, int] = dict(users_in_flight or {})
    picked: dict[Key, list[Any]] = {}
    for row in rows:
        key = (row.application_id, row.resource_type, row.resource_id)
        if row.resource_type == USER and key not in waiting:
            first_user[row.application_id] = min(first_user.get(row.application_id, row.seq), row.seq)
        if key in blocked:
            continue
        if row.operation == SYNC_GROUP and first_user.get(row.application_id, row.seq) < row.seq:
            blocked.add(key)  # its members may still be on their way to the application
            continue
        if key in picked:
            head = picked[key][0]
            if row.operation == head.operation and row.operation in FOLDABLE:
                picked[key].append(row)
            else:
                blocked.add(key)  # a different operation waits for this one
            continue
        if len(picked) < room:
            picked[key] = [row]
        else:
            blocked.add(key)
    if not picked:
        return []
    connections = _connections(session, {key[0] for key in picked})
    jobs: list[Job] = []
    dropped: list[int] = []
    for key, group in picked.items():
        app = connections.get(key[0])
        if app is None:
            dropped += [row.seq for row in group]
            continue
        head = group[0]
        payload: dict[str, Any] = {}
        for row in group:
            payload.update(_payload(row.payload))
        jobs.append(
            Job(
                seqs=[row.seq for row in group],
                application=app[0],
                connection=app[1],
                resource_type=head.resource_type,
                resource_id=head.resource_id,
                operation=head.operation,
                payload=payload,
                attempt=head.attempts + 1,
                mapping=None,
            )
        )
    if dropped:
        session.execute(
            update(ProvisioningOutbox)
            .where(ProvisioningOutbox.seq.in_(dropped))
            .values(status=SKIPPED, finished_at=now, last_error="Identity Management is not active")
        )
    _fill(session, jobs)
    return jobs


def _payload(text: str | None) -> dict[str, Any]:
    if not text or text == "{}":
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _connections(session: Session, application_ids: set[str]) -> dict[str, tuple[dict[str, str], Connection]]:
    found: dict[str, tuple[dict[str, str], Connection]] = {}
    for row in session.execute(
        select(
            SsoApplication.id,
            SsoApplication.name,
            SsoApplication.display_label,
            IdentityManagement.base_url,
            IdentityManagement.token_key,
            IdentityManagement.group_management,
        )
        .join(SsoApplication, SsoApplication.id == IdentityManagement.application_id)
        .where(IdentityManagement.application_id.in_(application_ids), IdentityManagement.status == ACTIVE)
    ):
        found[row.id] = (
            {"id": row.id, "name": row.name, "display_label": row.display_label},
            Connection(row.base_url, row.token_key, row.group_management),
        )
    return found


def _fill(session: Session, jobs: list[Job]) -> None:
    """Read, in a few queries, what each job needs."""
    by_app: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        by_app[job.application["id"]].append(job)
    for application_id, app_jobs in by_app.items():
        users = [j for j in app_jobs if j.resource_type == USER]
        groups = [j for j in app_jobs if j.resource_type == GROUP]
        mappings = _mappings(session, application_id, USER, {j.resource_id for j in users})
        mappings.update(_mappings(session, application_id, GROUP, {j.resource_id for j in groups}))
        for job in app_jobs:
            job.mapping = mappings.get((job.resource_type, job.resource_id))
        _fill_users(session, application_id, [j for j in users if j.operation == SYNC_USER])
        _fill_groups(session, application_id, [j for j in groups if j.operation == SYNC_GROUP])


def _fill_users(session: Session, application_id: str, jobs: list[Job]) -> None:
    if not jobs:
        return
    ids = [j.resource_id for j in jobs]
    # Plain rows: the attributes are all that is read, no ORM object is needed.
    users = {u.id: u for u in session.execute(_users_by_id(), {"ids": ids})}
    # The application's groups, then the users' memberships through the user_id index: joined in
    # SQL, SQLite walks every associated group's members for each user instead (a hundred groups
    # made that 25,600 probes per claim of 256 users).
    associated = set(
        session.scalars(
            select(application_groups.c.group_id).where(application_groups.c.application_id == application_id)
        )
    )
    grants: dict[str, list[str]] = defaultdict(list)
    for user_id, group_id in session.execute(_memberships_of_users(), {"ids": ids}):
        if group_id in associated:
            grants[user_id].append(group_id)
    for job in jobs:
        user = users.get(job.resource_id)
        if user is None:
            continue
        granted = bool(grants.get(user.id))
        job.user_attributes = user_attributes(user, active=granted and user.state == ACTIVATED)
        job.user_group_ids = sorted(grants.get(user.id, []))


def _fill_groups(session: Session, application_id: str, jobs: list[Job]) -> None:
    if not jobs:
        return
    ids = [j.resource_id for j in jobs]
    groups = {g.id: g for g in session.execute(select(UserGroup.id, UserGroup.name).where(UserGroup.id.in_(ids)))}
    associated = set(
        session.scalars(
            select(application_groups.c.group_id).where(
                application_groups.c.application_id == application_id, application_groups.c.group_id.in_(ids)
            )
        )
    )
    # Each member of the groups, with its id in the application when it has one, joined on the
    # mapping's key: no list of every member id sent back to the database (a big group's would be
    # thousands of bound parameters). A LEFT JOIN, because SQLite keeps its order: the members are
    # read through the groups' index and each probes its mapping by primary key. As an inner join
    # SQLite walked every user mapping of the application and probed each group's members with it
    # (100 groups of 10,000 users: a million probes, about a second with nothing sent meanwhile).
    member_counts: dict[str, int] = defaultdict(int)
    scim_ids: dict[str, list[str]] = defaultdict(list)
    for group_id, scim_id in session.execute(
        select(group_members.c.group_id, ProvisionedResource.scim_id)
        .outerjoin(
            ProvisionedResource,
            and_(
                ProvisionedResource.application_id == application_id,
                ProvisionedResource.resource_type == USER,
                ProvisionedResource.jumpcloud_id == group_members.c.user_id,
            ),
        )
        .where(group_members.c.group_id.in_(ids))
    ):
        member_counts[group_id] += 1
        if scim_id is not None:
            scim_ids[group_id].append(scim_id)
    for job in jobs:
        group = groups.get(job.resource_id)
        if group is None:
            continue
        job.group_name = group.name
        job.group_associated = group.id in associated
        job.group_member_count = member_counts.get(group.id, 0)
        job.member_scim_ids = sorted(scim_ids.get(group.id, []))


def _mappings(
    session: Session, application_id: str, resource_type: str, ids: set[str]
) -> dict[tuple[str, str], Mapping]:
    found: dict[tuple[str, str], Mapping] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        for row in session.execute(
            _mappings_by_id(),
            {"application_id": application_id, "resource_type": resource_type, "ids": ordered[start : start + 500]},
        ):
            found[(resource_type, row.jumpcloud_id)] = Mapping(row.scim_id, dict(row.attributes or {}))
    return found


# The claim's statements over lists of ids, built once: each id is bound through one expanding
# parameter instead of becoming a literal the statement coerces, caches and compiles afresh (a claim
# of 128 users made about 400 bound parameters, several hundred microseconds of SQLAlchemy each time).


@cache
def _users_by_id() -> Select[*tuple[Any, ...]]:
    return select(*USER_COLUMNS).where(SystemUser.id.in_(bindparam("ids", expanding=True)))


@cache
def _memberships_of_users() -> Select[str, str]:
    return select(group_members.c.user_id, group_members.c.group_id).where(
        group_members.c.user_id.in_(bindparam("ids", expanding=True))
    )


@cache
def _mappings_by_id() -> Select[str, str, dict[str, Any]]:
    return select(ProvisionedResource.jumpcloud_id, ProvisionedResource.scim_id, ProvisionedResource.attributes).where(
        ProvisionedResource.application_id == bindparam("application_id"),
        ProvisionedResource.resource_type == bindparam("resource_type"),
        ProvisionedResource.jumpcloud_id.in_(bindparam("ids", expanding=True)),
    )
