"""Writing delivery outcomes: DI events with their SCIM traces, the id mapping, the operations' status.

All of one batch is written in the caller's transaction, so an operation is marked delivered in the
same commit that records what the application answered.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox.events import utc_now
from sandbox.jumpcloud.models import IdentityManagement, ProvisionedResource, ProvisioningOutbox
from sandbox.jumpcloud.models.provisioning import DELIVERED, FAILED, GROUP, PENDING, SKIPPED, SYNC_GROUP
from sandbox.jumpcloud.services.insights import record_event
from sandbox.jumpcloud.services.provisioning import outbox
from sandbox.jumpcloud.services.provisioning.jobs import Attempt, Outcome
from sandbox.scim.client import ScimRequestError

if TYPE_CHECKING:
    from sandbox.jumpcloud.services.provisioning.snapshot import Key
    from sandbox.jumpcloud.services.provisioning.worker import ProvisioningWorker

log = logging.getLogger("sandbox.jumpcloud.provisioning")


def record_outcomes(worker: ProvisioningWorker, session: Session, outcomes: list[Outcome], busy: set[Key]) -> None:
    # One flush at commit: rows are inserted in batches instead of one statement at a time.
    with session.no_autoflush:
        _record(worker, session, outcomes, busy)


def _record(worker: ProvisioningWorker, session: Session, outcomes: list[Outcome], busy: set[Key]) -> None:
    now = utc_now()
    follow_ups: set[tuple[str, str]] = set()
    synced: set[str] = set()
    delivered: list[tuple[int, list[int]]] = []
    mappings = _mappings_of(session, outcomes)
    for outcome in outcomes:
        job = outcome.job
        application_id = job.application["id"]
        error = outcome.error
        retrying = error is not None and error.retryable and job.attempt < worker.max_attempts
        delay = worker.retry_delay(job.attempt, error.retry_after) if error is not None and retrying else 0.0
        for attempt in outcome.attempts:
            if not attempt.success and attempt is outcome.attempts[-1] and error is not None:
                attempt.error_message = _with_retry_note(attempt, job.attempt, worker.max_attempts, retrying, delay)
            _record_attempt(worker, session, job.application, attempt)
        _apply_mapping(session, outcome, mappings)
        follow_ups.update((application_id, group_id) for group_id in outcome.follow_up_groups)
        if error is None:
            delivered.append((job.attempt, job.seqs))
            synced.add(application_id)
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
    by_attempt: dict[int, list[int]] = {}
    for attempt_number, seqs in delivered:
        by_attempt.setdefault(attempt_number, []).extend(seqs)
    for attempt_number, seqs in by_attempt.items():
        for start in range(0, len(seqs), 500):
            session.execute(
                update(ProvisioningOutbox)
                .where(ProvisioningOutbox.seq.in_(seqs[start : start + 500]))
                .values(
                    status=DELIVERED, attempts=attempt_number, finished_at=now, next_attempt_at=None, last_error=None
                )
                .execution_options(synchronize_session=False)
            )
    _queue_follow_ups(session, follow_ups, busy)
    if synced:
        session.execute(
            update(IdentityManagement)
            .where(IdentityManagement.application_id.in_(synced))
            .values(last_sync=now)
            .execution_options(synchronize_session=False)
        )


MappingKey = tuple[str, str, str]


def _mappings_of(session: Session, outcomes: list[Outcome]) -> dict[MappingKey, ProvisionedResource]:
    """The batch's mapping rows in one query per application and resource type."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for outcome in outcomes:
        job = outcome.job
        wanted.setdefault((job.application["id"], job.resource_type), set()).add(job.resource_id)
    found: dict[MappingKey, ProvisionedResource] = {}
    for (application_id, resource_type), ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            for row in session.scalars(
                select(ProvisionedResource).where(
                    ProvisionedResource.application_id == application_id,
                    ProvisionedResource.resource_type == resource_type,
                    ProvisionedResource.jumpcloud_id.in_(ordered[start : start + 500]),
                )
            ):
                found[(application_id, resource_type, row.jumpcloud_id)] = row
    return found


def _failure_text(error: ScimRequestError, attempts: int) -> str:
    return f"{error} (given up after {attempts} attempts)" if error.retryable else str(error)


def _with_retry_note(attempt: Attempt, number: int, limit: int, retrying: bool, delay: float) -> str:
    base = attempt.error_message or "failed"
    if retrying:
        return f"{base} (attempt {number} of {limit}; retrying in {delay:.1f} s)"
    return f"{base} (attempt {number} of {limit}; given up)" if number >= limit else base


def _record_attempt(
    worker: ProvisioningWorker, session: Session, application: dict[str, str], attempt: Attempt
) -> None:
    record = record_event(
        session,
        attempt.event_type,
        service="directory",
        resource=attempt.resource,
        changes=attempt.changes,
        success=attempt.success,
        error_message=attempt.error_message,
        extra={"application": dict(application)},
    )
    for exchange in attempt.exchanges:
        status = exchange.get("status")
        ok = (status is not None and 200 <= int(status) < 300) or (status == 404 and exchange["method"] == "GET")
        summary = f"{exchange['method']} {exchange['path']} → {status if status is not None else exchange['error']}"
        worker.traces.record(session, "scim", summary, exchange, success=bool(ok), related_id=record["id"])


def _apply_mapping(session: Session, outcome: Outcome, mappings: dict[MappingKey, ProvisionedResource]) -> None:
    job = outcome.job
    application_id = job.application["id"]
    key = (application_id, job.resource_type, job.resource_id)
    if outcome.forget_member:
        _forget_member(session, application_id, outcome.forget_member)
    existing = mappings.get(key)
    if outcome.mapping is not None:
        if existing is None:
            mappings[key] = ProvisionedResource(
                application_id=application_id,
                resource_type=job.resource_type,
                jumpcloud_id=job.resource_id,
                scim_id=outcome.mapping.scim_id,
                attributes=outcome.mapping.attributes,
            )
            session.add(mappings[key])
        else:
            existing.scim_id = outcome.mapping.scim_id
            existing.attributes = outcome.mapping.attributes
    elif outcome.drop_mapping and existing is not None:
        session.delete(existing)
        del mappings[key]


def _forget_member(session: Session, application_id: str, scim_id: str) -> None:
    """A user gone from the application is gone from its groups too."""
    for row in session.scalars(
        select(ProvisionedResource).where(
            ProvisionedResource.application_id == application_id, ProvisionedResource.resource_type == GROUP
        )
    ):
        members: list[Any] = list(row.attributes.get("members", []))
        if scim_id in members:
            members.remove(scim_id)
            row.attributes = {**row.attributes, "members": members}


def _queue_follow_ups(session: Session, follow_ups: set[tuple[str, str]], busy: set[Key]) -> None:
    """Groups whose new members now exist in the application; one queued sync per group is enough."""
    if not follow_ups:
        return
    already = {
        (a, r)
        for a, r in session.execute(
            select(ProvisioningOutbox.application_id, ProvisioningOutbox.resource_id).where(
                ProvisioningOutbox.status == PENDING,
                ProvisioningOutbox.operation == SYNC_GROUP,
                ProvisioningOutbox.resource_id.in_({g for _a, g in follow_ups}),
            )
        )
        if (a, GROUP, r) not in busy
    }
    operations = [outbox.sync_group(a, g) for a, g in sorted(follow_ups - already)]
    if operations:
        outbox.enqueue(session, operations)
