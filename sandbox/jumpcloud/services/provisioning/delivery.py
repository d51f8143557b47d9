"""Delivering one job over SCIM: the provisioning rules of the seed guide, decided from the job's
snapshot and what the application answers. Runs on a delivery thread; touches no database."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.jumpcloud.models.provisioning import DELETE_GROUP, DELETE_USER, SYNC_GROUP, SYNC_USER
from sandbox.jumpcloud.services.provisioning.attributes import (
    attributes_of,
    changed_attributes,
    changes_record,
    create_group_body,
    create_user_body,
    patch_operations,
)
from sandbox.jumpcloud.services.provisioning.jobs import Attempt, Job, Mapping, Outcome
from sandbox.scim.client import CONFLICT, NOT_FOUND, NOT_SUPPORTED, ScimClient, ScimRequestError, ScimUser


class _Delivery:
    """One job's conversation with the application, attempt by attempt (one per DI event)."""

    def __init__(self, job: Job, http: httpx.BaseTransport, timeout: float, client: ScimClient | None = None) -> None:
        self.job = job
        self.outcome = Outcome(job)
        self.current: Attempt | None = None
        # A batched lookup's request belongs to this job's first event.
        self._unclaimed: list[dict[str, Any]] = list(job.lookup_exchanges)
        if client is None:
            client = ScimClient(job.connection.base_url, job.connection.token_key, timeout=timeout, client=http)
        client.on_exchange = self._keep
        self.client = client

    def _keep(self, exchange: dict[str, Any]) -> None:
        (self.current.exchanges if self.current else self._unclaimed).append(exchange)

    def begin(self, event_type: str, resource: dict[str, Any], changes: list[dict[str, Any]] | None = None) -> Attempt:
        """Start the next DI event; exchanges made before it (a lookup) belong to it."""
        attempt = Attempt(event_type=event_type, resource=resource, changes=changes or [])
        attempt.exchanges, self._unclaimed = self._unclaimed, []
        self.current = attempt
        self.outcome.attempts.append(attempt)
        return attempt

    def take_unclaimed(self) -> list[dict[str, Any]]:
        """The exchanges made since the last event ended, handed to the caller."""
        unclaimed, self._unclaimed = self._unclaimed, []
        return unclaimed

    def fail_current(self, error: ScimRequestError, fallback_event: str, resource: dict[str, Any]) -> None:
        attempt = self.current if self.current is not None and not self._unclaimed else None
        if attempt is None:
            attempt = self.begin(fallback_event, resource)
        attempt.success = False
        attempt.error_message = str(error)

    @property
    def number(self) -> int:
        return self.job.attempt


def deliver(job: Job, http: httpx.BaseTransport, timeout: float = 10.0, *, client: ScimClient | None = None) -> Outcome:
    """Carry out ``job`` against the application; every failure is in the returned outcome.

    ``client``: a ScimClient for the job's connection that this thread alone uses (its exchanges
    are taken over for this job); without one, a client is made for the job.
    """
    delivery = _Delivery(job, http, timeout, client)
    handler = {
        SYNC_USER: _sync_user,
        DELETE_USER: _delete_user,
        SYNC_GROUP: _sync_group,
        DELETE_GROUP: _delete_group,
    }[job.operation]
    try:
        handler(delivery)
    except ScimRequestError as error:
        delivery.outcome.error = error
        fallback = {
            SYNC_USER: "user_update_provision",
            DELETE_USER: "user_delete_provision",
            SYNC_GROUP: "group_update_provision",
            DELETE_GROUP: "group_delete_provision",
        }[job.operation]
        delivery.fail_current(error, fallback, _resource(job))
    return delivery.outcome


def _resource(job: Job) -> dict[str, Any]:
    if job.resource_type == "user":
        wanted = job.user_attributes or {}
        return {
            "id": job.resource_id,
            "type": "user",
            "username": wanted.get("userName") or job.payload.get("username", ""),
            "email": wanted.get("email") or job.payload.get("email", ""),
        }
    return {"id": job.resource_id, "type": "user_group", "name": job.group_name or job.payload.get("name", "")}


def _conflict_named(error: ScimRequestError, job: Job, sought: str) -> ScimRequestError:
    """A create refused as a conflict (409), said plainly: the application holds something unique
    to this resource under another name (another user with the same email, say), and nothing was
    taken over, since JumpCloud takes over only what its lookup finds by name. Other errors as they are."""
    if error.kind != CONFLICT:
        return error
    app = job.application.get("display_label") or "The application"
    return ScimRequestError(
        CONFLICT,
        f"{app} refused the new {job.resource_type} as a duplicate — {error} JumpCloud found "
        f"no {sought} there to take over, so nothing in {app} was changed: resolve the conflict there, "
        "then Retry now.",
        status=error.status,
    )


# -- users -------------------------------------------------------------------------------------


def _sync_user(d: _Delivery) -> None:
    job = d.job
    wanted = job.user_attributes
    if wanted is None:
        return  # deleted since it was queued; its deletion follows in order
    password = job.payload.get("password")
    resource = _resource(job)
    if job.mapping is None:
        if wanted["active"]:
            _provision_user(d, wanted, resource, password)
        return
    sent = job.mapping.attributes
    names = changed_attributes(sent, wanted)
    if not names and not password:
        return
    operations = patch_operations(names, wanted)
    changes = changes_record(names, sent, wanted)
    if password:
        operations.append({"op": "replace", "path": "password", "value": password})
        changes.append({"field": "password", "from": None, "to": "(changed)"})
    event = "user_deprovision" if "active" in names and not wanted["active"] else "user_update_provision"
    d.begin(event, resource, changes)
    try:
        d.client.patch_user(job.mapping.scim_id, operations, operation=event, attempt=d.number)
    except ScimRequestError as error:
        if error.kind != NOT_FOUND:
            raise
        # The application lost the user: it is provisioned afresh if it still has access.
        d.fail_current(error, event, resource)
        d.outcome.drop_mapping = True
        d.outcome.forget_member = job.mapping.scim_id
        if wanted["active"]:
            _provision_user(d, wanted, resource, password)
        return
    d.outcome.mapping = Mapping(job.mapping.scim_id, wanted)


def _provision_user(d: _Delivery, wanted: dict[str, Any], resource: dict[str, Any], password: str | None) -> None:
    """Lookup first: an application user with the same userName is taken over, else one is created."""
    job = d.job
    try:
        if job.lookup_error is not None:
            raise job.lookup_error
        if job.looked_up:
            found = job.found  # settled by the batched lookup before delivery (lookups.py)
        else:
            found = d.client.find_user(wanted["userName"], operation="user_lookup_provision", attempt=d.number)
    except ScimRequestError:
        d.begin("user_lookup_provision", resource)
        raise
    if found is not None:
        scim_id = _take_over(d, found, wanted, resource, password)
    else:
        d.begin(
            "user_create_provision",
            resource,
            [{"field": name, "from": None, "to": wanted[name]} for name in ("userName", "email") if wanted[name]],
        )
        try:
            created = d.client.create_user(
                create_user_body(job.resource_id, wanted, password), operation="user_create_provision", attempt=d.number
            )
            scim_id = created.id
        except ScimRequestError as error:
            if error.kind != CONFLICT:
                raise
            scim_id = _take_over_after_conflict(d, error, wanted, resource, password)
    d.outcome.mapping = Mapping(scim_id, {**wanted, "active": True})
    d.outcome.drop_mapping = False
    if job.connection.group_management:
        d.outcome.follow_up_groups = list(job.user_group_ids)


def _take_over(
    d: _Delivery, found: ScimUser, wanted: dict[str, Any], resource: dict[str, Any], password: str | None
) -> str:
    """Take the application's user ``found`` over: one event, its id recorded, what differs PATCHed."""
    theirs = attributes_of(found)
    names = changed_attributes(theirs, wanted)
    operations = patch_operations(names, wanted)
    changes = [{"field": "id", "from": None, "to": found.id}, *changes_record(names, theirs, wanted)]
    if password:
        operations.append({"op": "replace", "path": "password", "value": password})
        changes.append({"field": "password", "from": None, "to": "(changed)"})
    d.begin("user_update_provision", resource, changes)
    if operations:
        d.client.patch_user(found.id, operations, operation="user_update_provision", attempt=d.number)
    return found.id


def _take_over_after_conflict(
    d: _Delivery, error: ScimRequestError, wanted: dict[str, Any], resource: dict[str, Any], password: str | None
) -> str:
    """A create refused with 409: the user may have been made since the lookup (by a JIT sign-in, say).
    JumpCloud looks once more; a user found by name is taken over, as the first lookup would have done,
    and the refused create stays a failed event of its own. Anything else is the conflict, said plainly."""
    name = wanted["userName"]
    refused = d.current
    d.current = None  # the second lookup belongs to what follows it
    try:
        found = d.client.find_user(name, operation="user_lookup_provision", attempt=d.number)
    except ScimRequestError:
        found = None  # the conflict is what the administrator must see
    if found is None:
        d.current = refused
        if refused is not None:
            refused.exchanges.extend(d.take_unclaimed())
        raise _conflict_named(error, d.job, f"user named {name}") from error
    if refused is not None:
        refused.success = False
        refused.error_message = (
            f"{error} A user named {name} had been made in the application since JumpCloud looked it up; "
            "JumpCloud looked again and took it over."
        )
    return _take_over(d, found, wanted, resource, password)


def _delete_user(d: _Delivery) -> None:
    job = d.job
    if job.mapping is None:
        return
    resource = _resource(job)
    d.begin("user_delete_provision", resource)
    try:
        d.client.delete_user(job.mapping.scim_id, operation="user_delete_provision", attempt=d.number)
    except ScimRequestError as error:
        if error.kind == NOT_SUPPORTED:
            # Where DELETE is not supported the user is deactivated instead.
            d.fail_current(error, "user_delete_provision", resource)
            d.begin("user_deprovision", resource, [{"field": "active", "from": True, "to": False}])
            d.client.patch_user(
                job.mapping.scim_id,
                [{"op": "replace", "path": "active", "value": False}],
                operation="user_deprovision",
                attempt=d.number,
            )
        elif error.kind != NOT_FOUND:
            raise
    d.outcome.drop_mapping = True
    d.outcome.forget_member = job.mapping.scim_id


# -- groups ------------------------------------------------------------------------------------


def _sync_group(d: _Delivery) -> None:
    job = d.job
    if not job.connection.group_management or job.group_name is None:
        return
    if not job.group_associated:
        # Disassociated: syncing stops and the group is left as it is in the application.
        if job.mapping is not None:
            d.outcome.drop_mapping = True
        return
    resource = _resource(job)
    wanted = sorted(set(job.member_scim_ids))
    if job.mapping is None:
        if job.group_member_count and wanted:  # empty groups are not created
            _provision_group(d, wanted, resource)
        return
    sent = job.mapping.attributes
    sent_members = set(sent.get("members", []))
    renamed = sent.get("displayName") != job.group_name
    add = sorted(set(wanted) - sent_members)
    remove = sorted(sent_members - set(wanted))
    if not (renamed or add or remove):
        return
    changes: list[dict[str, Any]] = []
    if renamed:
        changes.append({"field": "displayName", "from": sent.get("displayName"), "to": job.group_name})
    if add:
        changes.append({"field": "members", "from": None, "to": add})
    if remove:
        changes.append({"field": "members", "from": remove, "to": None})
    d.begin("group_update_provision", resource, changes)
    extra = [{"op": "replace", "path": "displayName", "value": job.group_name}] if renamed else []
    try:
        d.client.update_group_members(
            job.mapping.scim_id,
            add=add,
            remove=remove,
            extra=extra,
            operation="group_update_provision",
            attempt=d.number,
        )
    except ScimRequestError as error:
        if error.kind != NOT_FOUND:
            raise
        d.fail_current(error, "group_update_provision", resource)
        d.outcome.drop_mapping = True
        if wanted:
            _provision_group(d, wanted, resource)
        return
    d.outcome.mapping = Mapping(job.mapping.scim_id, {"displayName": job.group_name, "members": wanted})


def _provision_group(d: _Delivery, wanted: list[str], resource: dict[str, Any]) -> None:
    """An application group with the same name is taken over; otherwise the group is created."""
    name = d.job.group_name or ""
    try:
        found = d.client.find_group(name, operation="group_create_provision", attempt=d.number)
    except ScimRequestError:
        d.begin("group_create_provision", resource)
        raise
    if found is not None:
        add = sorted(set(wanted) - set(found.member_ids))
        renamed = found.display_name != name
        changes: list[dict[str, Any]] = [{"field": "id", "from": None, "to": found.id}]
        if add:
            changes.append({"field": "members", "from": None, "to": add})
        d.begin("group_update_provision", resource, changes)
        extra = [{"op": "replace", "path": "displayName", "value": name}] if renamed else []
        d.client.update_group_members(
            found.id, add=add, extra=extra, operation="group_update_provision", attempt=d.number
        )
        scim_id = found.id
    else:
        d.begin(
            "group_create_provision",
            resource,
            [{"field": "displayName", "from": None, "to": name}, {"field": "members", "from": None, "to": wanted}],
        )
        try:
            scim_id = d.client.create_group(
                create_group_body(name, wanted), operation="group_create_provision", attempt=d.number
            ).id
        except ScimRequestError as error:
            raise _conflict_named(error, d.job, f"group named {name}") from error
    d.outcome.drop_mapping = False
    d.outcome.mapping = Mapping(scim_id, {"displayName": name, "members": wanted})


def _delete_group(d: _Delivery) -> None:
    job = d.job
    if not job.connection.group_management or job.mapping is None:
        return
    resource = _resource(job)
    d.begin("group_delete_provision", resource)
    try:
        d.client.delete_group(job.mapping.scim_id, operation="group_delete_provision", attempt=d.number)
    except ScimRequestError as error:
        if error.kind != NOT_FOUND:
            raise
    d.outcome.drop_mapping = True
