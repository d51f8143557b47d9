"""What the worker claims from the outbox: an initial sync's queued rows, the operations left out while
in flight, and the members a group sync carries."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, text, update

from sandbox.jumpcloud.models import (
    IdentityManagement,
    ProvisionedResource,
    ProvisioningOutbox,
    SsoApplication,
    SystemUser,
    UserGroup,
    group_members,
)
from sandbox.jumpcloud.models.provisioning import ACTIVE, DELIVERED, GROUP, PENDING, SYNC_GROUP, SYNC_USER, USER
from sandbox.jumpcloud.services.provisioning import outbox
from sandbox.jumpcloud.services.provisioning.snapshot import build_jobs
from sandbox.jumpcloud.system import JumpCloud


def _directory(system: JumpCloud, users: int, groups: dict[str, list[int]]) -> tuple[str, list[str], dict[str, str]]:
    """An application with active Identity Management, ``users`` users and the named groups (their
    members by index) associated with it: (application id, user ids, group ids by name)."""
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with system.database.transaction() as s:
        app = SsoApplication(catalog_key="blogin", name="claims", display_label="BlogIn", sso_idp_url="https://sso/x")
        s.add(app)
        s.flush()
        s.add(
            IdentityManagement(
                application_id=app.id, status=ACTIVE, base_url="http://app.localhost:9/scim", token_key="t"
            )
        )
        user_ids = []
        for n in range(users):
            user = SystemUser(
                username=f"claim.user{n}",
                email=f"claim.user{n}@example.com",
                firstname="Claim",
                lastname=f"User {n}",
                state="ACTIVATED",
                created=now,
                updated=now,
            )
            s.add(user)
            s.flush()
            user_ids.append(user.id)
        group_ids = {}
        for name, members in groups.items():
            group = UserGroup(name=name, created=now, updated=now)
            s.add(group)
            s.flush()
            group_ids[name] = group.id
            app.groups.append(group)
            if members:
                s.execute(insert(group_members), [{"group_id": group.id, "user_id": user_ids[i]} for i in members])
        return app.id, user_ids, group_ids


def test_an_initial_sync_queues_the_rows_a_core_insert_would(jumpcloud: JumpCloud) -> None:
    application_id, user_ids, group_ids = _directory(jumpcloud, 3, {"staff": [0, 1, 2]})
    with jumpcloud.database.transaction() as s:
        assert outbox.full_sync(s, application_id, groups=True) == 4
        # The reference row, through SQLAlchemy's own INSERT.
        reference = s.execute(
            insert(ProvisioningOutbox).returning(ProvisioningOutbox.seq),
            [outbox.sync_user(application_id, "reference", {}).__dict__ | {"status": PENDING, "attempts": 0}],
        ).scalar_one()
    with jumpcloud.database.sessions() as s:
        rows = s.scalars(
            select(ProvisioningOutbox)
            .where(ProvisioningOutbox.application_id == application_id, ProvisioningOutbox.seq != reference)
            .order_by(ProvisioningOutbox.seq)
        ).all()
        raw = [
            dict(r)
            for r in s.execute(
                text("SELECT payload, status, attempts FROM provisioning_outbox ORDER BY seq")
            ).mappings()
        ]
    assert [(r.resource_type, r.resource_id, r.operation) for r in rows] == [
        *[(USER, user_id, SYNC_USER) for user_id in sorted(user_ids)],
        (GROUP, group_ids["staff"], SYNC_GROUP),
    ]
    assert all(r.payload == {} and r.status == PENDING and r.attempts == 0 for r in rows)
    assert all(r.created.tzinfo is not None and r.next_attempt_at is None for r in rows)
    # Stored as the Core insert stores them: the same JSON text, status and attempts on every row.
    assert all(row == raw[-1] for row in raw)


def test_operations_in_flight_are_left_out_and_groups_wait_for_the_users(jumpcloud: JumpCloud) -> None:
    application_id, _users, group_ids = _directory(jumpcloud, 5, {"staff": [0, 1, 2, 3, 4]})
    with jumpcloud.database.transaction() as s:
        outbox.full_sync(s, application_id, groups=True)
    with jumpcloud.database.transaction() as s:
        first = build_jobs(s, 3, set())
    assert [job.operation for job in first] == [SYNC_USER] * 3
    in_flight = {job.key for job in first}
    users_in_flight = {application_id: min(job.seqs[0] for job in first)}
    seqs = [seq for job in first for seq in job.seqs]
    with jumpcloud.database.transaction() as s:
        second = build_jobs(s, 10, in_flight, users_in_flight, seqs)
    # The two other users; the group waits while users queued before it are still on their way.
    assert [job.operation for job in second] == [SYNC_USER] * 2
    assert not {job.key for job in second} & in_flight
    with jumpcloud.database.transaction() as s:
        s.execute(update(ProvisioningOutbox).where(ProvisioningOutbox.resource_type == USER).values(status=DELIVERED))
        third = build_jobs(s, 10, set())
    assert [(job.operation, job.resource_id) for job in third] == [(SYNC_GROUP, group_ids["staff"])]


def test_a_group_sync_counts_every_member_and_carries_those_in_the_application(jumpcloud: JumpCloud) -> None:
    application_id, user_ids, group_ids = _directory(jumpcloud, 4, {"staff": [0, 1, 2], "empty": [], "ops": [3]})
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with jumpcloud.database.transaction() as s:
        # Users 0 and 1 are in the application; user 2 is not yet; user 3 is, under another application.
        s.add_all(
            [
                ProvisionedResource(
                    application_id=application_id,
                    resource_type=USER,
                    jumpcloud_id=user_ids[n],
                    scim_id=f"scim-{n}",
                    attributes={},
                    updated=moment,
                )
                for n in (1, 0)
            ]
        )
        other = SsoApplication(catalog_key="blogin", name="other", display_label="Other", sso_idp_url="https://sso/y")
        s.add(other)
        s.flush()
        s.add(
            ProvisionedResource(
                application_id=other.id,
                resource_type=USER,
                jumpcloud_id=user_ids[3],
                scim_id="scim-elsewhere",
                attributes={},
                updated=moment,
            )
        )
        outbox.enqueue(s, [outbox.sync_group(application_id, group_id) for group_id in group_ids.values()])
    with jumpcloud.database.transaction() as s:
        jobs = {job.resource_id: job for job in build_jobs(s, 10, set())}
    staff, empty, ops = (jobs[group_ids[name]] for name in ("staff", "empty", "ops"))
    assert (staff.group_name, staff.group_member_count, staff.member_scim_ids) == ("staff", 3, ["scim-0", "scim-1"])
    assert (empty.group_member_count, empty.member_scim_ids) == (0, [])
    assert (ops.group_member_count, ops.member_scim_ids) == (1, [])
    assert staff.group_associated and empty.group_associated and ops.group_associated
