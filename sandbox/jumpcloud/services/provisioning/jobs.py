"""What the worker hands a delivery thread (a ``Job``) and what it gets back (an ``Outcome``).

A job carries a snapshot of the state the operation needs, read when the operation is claimed, so
delivery threads only speak HTTP; the worker's own thread writes every result to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.scim.client import ScimRequestError, ScimUser


@dataclass(frozen=True)
class Connection:
    base_url: str
    token_key: str
    group_management: bool


@dataclass(frozen=True)
class Mapping:
    scim_id: str
    attributes: dict[str, Any]


@dataclass
class Job:
    """One outbox operation (plus the later duplicates folded into it) ready to deliver."""

    seqs: list[int]
    application: dict[str, str]
    connection: Connection
    resource_type: str
    resource_id: str
    operation: str
    payload: dict[str, Any]
    attempt: int
    mapping: Mapping | None
    # user: the attributes the application should hold (None when the user no longer exists)
    user_attributes: dict[str, Any] | None = None
    # group: its name, whether still associated with the application, JumpCloud member count,
    # and the application ids of its members already provisioned
    group_name: str | None = None
    group_associated: bool = False
    group_member_count: int = 0
    member_scim_ids: list[str] = field(default_factory=list)
    # user: the associated groups it belongs to (their membership follows its creation)
    user_group_ids: list[str] = field(default_factory=list)
    # user: what a batched lookup before delivery said (see lookups.py). ``looked_up`` when it
    # settled this user, ``found`` being the application's user with that userName if any;
    # ``lookup_error`` when it failed; ``lookup_exchanges`` the request, kept by one job of the batch.
    looked_up: bool = False
    found: ScimUser | None = None
    lookup_error: ScimRequestError | None = None
    lookup_exchanges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.application["id"], self.resource_type, self.resource_id)


@dataclass
class Attempt:
    """One Directory Insights event and the HTTP exchanges behind it."""

    event_type: str
    resource: dict[str, Any]
    changes: list[dict[str, Any]] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    success: bool = True
    error_message: str | None = None


@dataclass
class Outcome:
    job: Job
    attempts: list[Attempt] = field(default_factory=list)
    # The mapping to store (None leaves it as it is), or drop_mapping to forget it.
    mapping: Mapping | None = None
    drop_mapping: bool = False
    # Application ids no longer members anywhere (a deleted user), for the groups' records.
    forget_member: str | None = None
    # Groups to sync once this user exists in the application.
    follow_up_groups: list[str] = field(default_factory=list)
    error: ScimRequestError | None = None
