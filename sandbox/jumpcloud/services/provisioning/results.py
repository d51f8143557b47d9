"""Writing delivery outcomes: DI events with their SCIM traces, the id mapping, the operations' status.

All of one batch is written in the caller's transaction, so an operation is marked delivered in the
same commit that records what the application answered.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select, Table, Update, bindparam, delete, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from sandbox.db import queue_event
from sandbox.events import SandboxEvent, utc_now
from sandbox.jumpcloud.models import (
    DirectoryInsightsEvent,
    IdentityManagement,
    ProvisionedResource,
    ProvisioningOutbox,
)
from sandbox.jumpcloud.models.provisioning import DELIVERED, FAILED, GROUP, PENDING, SKIPPED, SYNC_GROUP, SYNC_USER
from sandbox.jumpcloud.services.insights import NewEvent, new_event, to_sandbox_event
from sandbox.jumpcloud.services.provisioning import outbox
from sandbox.jumpcloud.services.provisioning.jobs import Attempt, Outcome
from sandbox.jumpcloud.services.provisioning.rows import RowWriter
from sandbox.scim.answers import REDIRECTS
from sandbox.scim.client import UNAUTHORIZED, ScimRequestError
from sandbox.traces import NewTrace, TraceLog

if TYPE_CHECKING:
    from sandbox.jumpcloud.services.provisioning.snapshot import Key
    from sandbox.jumpcloud.services.provisioning.worker import ProvisioningWorker

log = logging.getLogger("sandbox.jumpcloud.provisioning")


def record_outcomes(worker: ProvisioningWorker, session: Session, outcomes: list[Outcome], busy: set[Key]) -> None:
    """Write ``outcomes`` in the session's transaction: events and traces with one INSERT each,
    mappings and statuses with a few statements for the whole batch."""
    now = utc_now()
    follow_ups: set[tuple[str, str]] = set()
    synced: set[str] = set()
    delivered: list[tuple[int, list[int]]] = []
    superseding: list[tuple[str, str, str, str]] = []
    journal = _Journal()
    mappings = _MappingChanges(session, outcomes)
    for outcome in outcomes:
        job = outcome.job
        application_id = job.application["id"]
        error = outcome.error
        retrying = error is not None and error.retryable and job.attempt < worker.max_attempts
        delay = worker.retry_delay(job.attempt, error.retry_after) if error is not None and retrying else 0.0
        for attempt in outcome.attempts:
            if not attempt.success and attempt is outcome.attempts[-1] and error is not None:
                attempt.error_message = _with_retry_note(
                    attempt, error, job.attempt, worker.max_attempts, retrying, delay
                )
            journal.add(job.application, attempt)
        mappings.apply(outcome)
        follow_ups.update((application_id, group_id) for group_id in outcome.follow_up_groups)
        if error is None:
            delivered.append((job.attempt, job.seqs))
            synced.add(application_id)
            if job.operation in (SYNC_USER, SYNC_GROUP):
                superseding.append((application_id, job.resource_type, job.operation, job.resource_id))
            continue
        head, folded = job.seqs[0], job.seqs[1:]
        if retrying:
            session.execute(
                update(ProvisioningOutbox)
                .where(ProvisioningOutbox.seq == head)
                .values(attempts=job.attempt, next_attempt_at=now + timedelta(seconds=delay), last_error=str(error))
            )
            log.info(
                "%s of %s failed (%s); retry %d in %.1fs", job.operation, job.resource_id, error, job.attempt, delay
            )
            continue
        session.execute(
            update(ProvisioningOutbox)
            .where(ProvisioningOutbox.seq == head)
            .values(status=FAILED, attempts=job.attempt, finished_at=now, last_error=_failure_text(error, job.attempt))
        )
        if folded:
            session.execute(
                update(ProvisioningOutbox)
                .where(ProvisioningOutbox.seq.in_(folded))
                .values(status=SKIPPED, finished_at=now, last_error=f"Folded into operation {head}, which failed")
            )
        log.warning("%s of %s given up after %d attempts: %s", job.operation, job.resource_id, job.attempt, error)
    journal.write(session, worker.traces, worker.writers)
    mappings.write(now, worker.writers)
    by_attempt: dict[int, list[int]] = {}
    for attempt_number, seqs in delivered:
        by_attempt.setdefault(attempt_number, []).extend(seqs)
    for attempt_number, seqs in by_attempt.items():
        for start in range(0, len(seqs), 500):
            session.execute(
                _mark_delivered(),
                {"seqs": seqs[start : start + 500], "attempts": attempt_number, "finished_at": now},
                execution_options={"synchronize_session": False},
            )
    _clear_superseded_failures(session, superseding, now)
    _queue_follow_ups(session, follow_ups, busy)
    if synced:
        session.execute(
            update(IdentityManagement)
            .where(IdentityManagement.application_id.in_(synced))
            .values(last_sync=now)
            .execution_options(synchronize_session=False)
        )


class ResultWriters:
    """The worker's INSERTs of result rows (see ``rows``), built once for its database."""

    def __init__(self, dialect: Dialect, traces: TraceLog) -> None:
        self.events = RowWriter(
            cast(Table, DirectoryInsightsEvent.__table__),
            ("id", "event_type", "service", "timestamp", "success", "summary", "record"),
            dialect,
        )
        self.traces = RowWriter(
            cast(Table, traces.table.__table__),
            ("id", "kind", "timestamp", "summary", "success", "related_id", "data"),
            dialect,
        )
        self.mappings = RowWriter(
            cast(Table, ProvisionedResource.__table__),
            ("application_id", "resource_type", "jumpcloud_id", "scim_id", "attributes", "updated"),
            dialect,
        )


class _Journal:
    """The batch's DI events and the SCIM exchanges behind each, stored in two INSERTs.

    The rows are those ``insights.record_events`` and ``TraceLog.record_many`` store, and each is
    published on commit the way they publish it; they are written through ``ResultWriters``, at a
    fraction of a Core INSERT's cost per row.
    """

    def __init__(self) -> None:
        self.events: list[NewEvent] = []
        self.traces: list[NewTrace] = []

    def add(self, application: dict[str, str], attempt: Attempt) -> None:
        event = new_event(
            attempt.event_type,
            service="directory",
            resource=attempt.resource,
            changes=attempt.changes,
            success=attempt.success,
            error_message=attempt.error_message,
            extra={"application": dict(application)},
        )
        self.events.append(event)
        last = len(attempt.exchanges) - 1
        for index, exchange in enumerate(attempt.exchanges):
            status = exchange.get("status")
            ok = (
                (status is not None and 200 <= int(status) < 300)
                or (status == 404 and exchange["method"] == "GET")
                or (status in REDIRECTS and index < last)  # a redirect the client followed
            )
            shown = status if status is not None else exchange["error"]
            summary = f"{exchange['method']} {exchange['path']} → {shown}"
            self.traces.append(NewTrace(summary, exchange, success=bool(ok), related_id=event.record["id"]))

    def write(self, session: Session, traces: TraceLog, writers: ResultWriters) -> None:
        event_rows: list[tuple[Any, ...]] = []
        for event in self.events:
            record = event.record
            published = to_sandbox_event(record, event.moment)
            event_rows.append(
                (
                    record["id"],
                    record["event_type"],
                    record["service"],
                    event.moment,
                    record["success"],
                    published.summary[:512],
                    record,
                )
            )
            queue_event(session, published)
        writers.events.insert(session, event_rows)
        moment = utc_now()
        trace_rows: list[tuple[Any, ...]] = []
        for trace in self.traces:
            trace_id = traces.new_trace_id()
            trace_rows.append(
                (trace_id, "scim", moment, trace.summary[:512], trace.success, trace.related_id, trace.data)
            )
            queue_event(
                session,
                SandboxEvent(
                    system=traces.system,
                    id=trace_id,
                    event_type="scim_trace",
                    timestamp=moment,
                    summary=trace.summary,
                    success=trace.success,
                    data=trace.data,
                    kind="scim",
                    related_id=trace.related_id,
                ),
            )
        writers.traces.insert(session, trace_rows)


MappingKey = tuple[str, str, str]


class _MappingChanges:
    """What the batch changes in ``provisioned_resources``, gathered first and written at the end
    (inserts, updates and deletes each as one statement), so no ORM object is loaded or flushed."""

    def __init__(self, session: Session, outcomes: list[Outcome]) -> None:
        self.session = session
        self.existing = self._existing(outcomes)
        # key → (scim id, attributes) to store, or None to delete
        self.changes: dict[MappingKey, tuple[str, dict[str, Any]] | None] = {}
        self._groups_read: set[str] = set()
        self._stored_groups: dict[MappingKey, tuple[str, dict[str, Any]]] = {}

    @staticmethod
    def _existing(outcomes: list[Outcome]) -> set[MappingKey]:
        # The snapshot taken at the claim is still current: mappings are written only here, by the
        # worker's one thread, and a resource is claimed again only once its outcome is recorded.
        return {outcome.job.key for outcome in outcomes if outcome.job.mapping is not None}

    def apply(self, outcome: Outcome) -> None:
        job = outcome.job
        application_id = job.application["id"]
        key = (application_id, job.resource_type, job.resource_id)
        if outcome.forget_member:
            self._forget_member(application_id, outcome.forget_member)
        if outcome.mapping is not None:
            self.changes[key] = (outcome.mapping.scim_id, outcome.mapping.attributes)
        elif outcome.drop_mapping and (key in self.existing or self.changes.get(key) is not None):
            self.changes[key] = None

    def _forget_member(self, application_id: str, scim_id: str) -> None:
        """A user gone from the application is gone from its groups too."""
        if application_id not in self._groups_read:
            self._groups_read.add(application_id)
            for jumpcloud_id, group_scim_id, attributes in self.session.execute(
                select(
                    ProvisionedResource.jumpcloud_id, ProvisionedResource.scim_id, ProvisionedResource.attributes
                ).where(
                    ProvisionedResource.application_id == application_id, ProvisionedResource.resource_type == GROUP
                )
            ):
                key = (application_id, GROUP, jumpcloud_id)
                self.existing.add(key)
                self._stored_groups[key] = (group_scim_id, dict(attributes or {}))
        keys = {k for k in (*self._stored_groups, *self.changes) if k[0] == application_id and k[1] == GROUP}
        for key in keys:
            current = self.changes[key] if key in self.changes else self._stored_groups.get(key)
            if current is None:
                continue
            members: list[Any] = list(current[1].get("members", []))
            if scim_id in members:
                members.remove(scim_id)
                self.changes[key] = (current[0], {**current[1], "members": members})

    def write(self, now: datetime, writers: ResultWriters) -> None:
        inserts: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        deletes: list[MappingKey] = []
        for key, change in self.changes.items():
            if change is None:
                if key in self.existing:
                    deletes.append(key)
                continue
            if key not in self.existing:
                # In the order of ResultWriters.mappings' columns.
                inserts.append((key[0], key[1], key[2], change[0], change[1], now))
                continue
            updates.append(
                {
                    "application_id": key[0],
                    "resource_type": key[1],
                    "jumpcloud_id": key[2],
                    "scim_id": change[0],
                    "attributes": change[1],
                    "updated": now,
                }
            )
        table = cast(Table, ProvisionedResource.__table__)
        if inserts:
            writers.mappings.insert(self.session, inserts)
        if updates:
            self.session.execute(
                update(table)
                .where(
                    table.c.application_id == bindparam("b_application_id"),
                    table.c.resource_type == bindparam("b_resource_type"),
                    table.c.jumpcloud_id == bindparam("b_jumpcloud_id"),
                )
                .values(scim_id=bindparam("scim_id"), attributes=bindparam("attributes"), updated=bindparam("updated")),
                [
                    {
                        "b_application_id": r["application_id"],
                        "b_resource_type": r["resource_type"],
                        "b_jumpcloud_id": r["jumpcloud_id"],
                        "scim_id": r["scim_id"],
                        "attributes": r["attributes"],
                        "updated": r["updated"],
                    }
                    for r in updates
                ],
            )
        for application_id, resource_type, jumpcloud_id in deletes:
            self.session.execute(
                delete(table).where(
                    table.c.application_id == application_id,
                    table.c.resource_type == resource_type,
                    table.c.jumpcloud_id == jumpcloud_id,
                )
            )


#: what the administrator does about a refusal no retry can mend, in the seed guide's words
_HOW_TO_FIX = {
    UNAUTHORIZED: (
        "If the application's token was regenerated, deactivate the IdM connection, "
        "enter the new Token Key and activate it again."
    ),
}


def _failure_text(error: ScimRequestError, attempts: int) -> str:
    if error.retryable:
        return f"{error} (given up after {attempts} attempts)"
    return _with_fix(str(error), error)


def _with_fix(text: str, error: ScimRequestError) -> str:
    fix = _HOW_TO_FIX.get(error.kind)
    return f"{text} {fix}" if fix else text


def _with_retry_note(
    attempt: Attempt, error: ScimRequestError, number: int, limit: int, retrying: bool, delay: float
) -> str:
    base = _with_fix(attempt.error_message or "failed", error)
    if retrying:
        return f"{base} (attempt {number} of {limit}; retrying in {delay:.1f} s)"
    return f"{base} (attempt {number} of {limit}; given up)" if number >= limit else base


# Statements run for every batch, built once: a list of ids is bound through one expanding parameter
# instead of becoming literals the statement coerces and caches afresh each time.


@cache
def _mark_delivered() -> Update:
    return (
        update(ProvisioningOutbox)
        .where(ProvisioningOutbox.seq.in_(bindparam("seqs", expanding=True)))
        .values(
            status=DELIVERED,
            attempts=bindparam("attempts"),
            finished_at=bindparam("finished_at"),
            next_attempt_at=None,
            last_error=None,
        )
    )


@cache
def _pending_group_syncs() -> Select[str]:
    # Every column of ix_outbox_resource is constrained: the lookup stays an index probe per group
    # however many operations are pending (an initial sync queues thousands).
    return select(ProvisioningOutbox.resource_id).where(
        ProvisioningOutbox.application_id == bindparam("application_id"),
        ProvisioningOutbox.resource_type == GROUP,
        ProvisioningOutbox.resource_id.in_(bindparam("ids", expanding=True)),
        ProvisioningOutbox.status == PENDING,
        ProvisioningOutbox.operation == SYNC_GROUP,
    )


def _clear_superseded_failures(session: Session, delivered: list[tuple[str, str, str, str]], now: datetime) -> None:
    """A sync sends the resource as it is now, so one delivered makes the earlier failed syncs of the
    same resource moot: they leave the Failures list (after a Token Key was fixed by activating again,
    the list still showed every operation the old key had lost, though all had since been delivered)."""
    if (
        not delivered
        or session.scalar(select(ProvisioningOutbox.seq).where(ProvisioningOutbox.status == FAILED).limit(1)) is None
    ):
        return
    by_kind: dict[tuple[str, str, str], list[str]] = {}
    for application_id, resource_type, operation, resource_id in delivered:
        by_kind.setdefault((application_id, resource_type, operation), []).append(resource_id)
    for (application_id, resource_type, operation), resource_ids in by_kind.items():
        for start in range(0, len(resource_ids), 500):
            session.execute(
                update(ProvisioningOutbox)
                .where(
                    ProvisioningOutbox.application_id == application_id,
                    ProvisioningOutbox.resource_type == resource_type,
                    ProvisioningOutbox.resource_id.in_(resource_ids[start : start + 500]),
                    ProvisioningOutbox.status == FAILED,
                    ProvisioningOutbox.operation == operation,
                )
                .values(status=SKIPPED, finished_at=now, last_error="Superseded by a later sync, delivered")
                .execution_options(synchronize_session=False)
            )


def _queue_follow_ups(session: Session, follow_ups: set[tuple[str, str]], busy: set[Key]) -> None:
    """Groups whose new members now exist in the application; one queued sync per group is enough."""
    if not follow_ups:
        return
    by_application: dict[str, set[str]] = {}
    for application_id, group_id in follow_ups:
        by_application.setdefault(application_id, set()).add(group_id)
    already: set[tuple[str, str]] = set()
    for application_id, group_ids in by_application.items():
        already.update(
            (application_id, group_id)
            for group_id in session.scalars(
                _pending_group_syncs(), {"application_id": application_id, "ids": sorted(group_ids)}
            )
            if (application_id, GROUP, group_id) not in busy
        )
    operations = [outbox.sync_group(a, g) for a, g in sorted(follow_ups - already)]
    if operations:
        outbox.enqueue(session, operations)
