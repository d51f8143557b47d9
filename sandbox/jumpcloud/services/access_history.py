"""Which directory change took an application away from a user, read from Directory Insights.

The users' group memberships and the application's groups are replayed from the ``association_change``
and ``group_delete`` events, which every membership and binding change records (read-only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import DirectoryInsightsEvent

# How a user can lose the last group granting an application, as Directory Insights records it.
MEMBERSHIP_REMOVED = "membership removed"
GROUP_DELETED = "group deleted"
GROUP_UNTICKED = "group unticked"
_TICKED = "group ticked"
_MEMBER_ADDED = "membership added"


@dataclass(frozen=True)
class AccessLoss:
    """The directory change that took away the last user group granting a user an application."""

    kind: str  # MEMBERSHIP_REMOVED, GROUP_DELETED or GROUP_UNTICKED
    # The group's name when the change happened (a deleted group has no other).
    group_name: str
    timestamp: datetime
    # The administrator's email (or the user's name) the event names as initiated_by; "" for the system.
    initiated_by: str
    event_id: str


# The users one history query names at most: bound parameters are limited (SQLite: 32,766).
_IDS_PER_QUERY = 2000


def access_losses(session: Session, application_id: str, user_ids: list[str]) -> dict[str, AccessLoss]:
    """For users no group grants the application: the Directory Insights event that removed the last one.

    The users' memberships and the application's groups are replayed from the ``association_change``
    and ``group_delete`` events; a user whose history the events do not explain gets no entry.
    """
    record = DirectoryInsightsEvent.record
    target = record[("association", "connection", "to", "object_id")].as_string()
    found: dict[str, tuple[str, str, datetime, str]] = {}
    for start in range(0, len(user_ids), _IDS_PER_QUERY):
        chunk = user_ids[start : start + _IDS_PER_QUERY]
        # Only the parts the replay reads: parsing whole records took most of the time with many users.
        events = session.execute(
            select(
                DirectoryInsightsEvent.id,
                DirectoryInsightsEvent.timestamp,
                DirectoryInsightsEvent.event_type,
                record["association"],
                record[("resource", "id")].as_string(),
                record[("resource", "name")].as_string(),
            )
            .where(
                or_(
                    (DirectoryInsightsEvent.event_type == "association_change") & target.in_([*chunk, application_id]),
                    DirectoryInsightsEvent.event_type == "group_delete",
                )
            )
            .order_by(DirectoryInsightsEvent.seq)
        )
        replay = _AccessReplay(application_id, set(chunk))
        for event in events:
            replay.apply(event)
        found.update(replay.losses_left())
    event_ids = {event_id for _kind, _name, _moment, event_id in found.values()}
    initiators = {
        event_id: _initiator(initiated_by)
        for event_id, initiated_by in session.execute(
            select(DirectoryInsightsEvent.id, record["initiated_by"]).where(DirectoryInsightsEvent.id.in_(event_ids))
        )
    }
    return {
        user: AccessLoss(kind, name, moment, initiators.get(event_id, ""), event_id)
        for user, (kind, name, moment, event_id) in found.items()
    }


class _AccessReplay:
    """The followed users' groups and the application's groups, as the events replayed so far left them."""

    def __init__(self, application_id: str, users: set[str]) -> None:
        self.application_id = application_id
        self.users = users
        self.groups_of: dict[str, set[str]] = defaultdict(set)  # user id → group ids
        self.members: dict[str, set[str]] = defaultdict(set)  # group id → followed users in it
        self.ticked: set[str] = set()  # groups ticked for the application
        self.losses: dict[str, tuple[str, str, datetime, str]] = {}

    def granted(self, user: str) -> bool:
        return not self.groups_of[user].isdisjoint(self.ticked)

    def apply(self, event: Any) -> None:
        event_id, moment, event_type, association, resource_id, resource_name = event
        if event_type == "group_delete":
            kind, group, name, user = GROUP_DELETED, resource_id or "", resource_name or "", ""
        else:
            kind, group, name, user = self._association(association or {})
        if not kind:
            return
        affected = {user} if user else set(self.members[group])
        before = {each for each in affected if self.granted(each)}
        if kind == GROUP_DELETED:
            self.ticked.discard(group)
            for each in self.members.pop(group, set()):
                self.groups_of[each].discard(group)
        elif kind == GROUP_UNTICKED:
            self.ticked.discard(group)
        elif kind == _TICKED:
            self.ticked.add(group)
        elif kind == MEMBERSHIP_REMOVED:
            self.groups_of[user].discard(group)
            self.members[group].discard(user)
        else:
            self.groups_of[user].add(group)
            self.members[group].add(user)
        for each in affected:
            if self.granted(each):
                self.losses.pop(each, None)
            elif each in before:
                self.losses[each] = (kind, name, moment, str(event_id))

    def _association(self, association: dict[str, Any]) -> tuple[str, str, str, str]:
        """(kind, group id, group name, user id or "") of an ``association_change``; kind "" when not followed."""
        connection = association.get("connection") or {}
        source, target = connection.get("from") or {}, connection.get("to") or {}
        group, name = str(source.get("object_id") or ""), str(source.get("name") or "")
        adding = association.get("op") == "add"
        if target.get("type") == "application" and target.get("object_id") == self.application_id:
            return (_TICKED if adding else GROUP_UNTICKED), group, name, ""
        if target.get("type") == "user" and target.get("object_id") in self.users:
            return (_MEMBER_ADDED if adding else MEMBERSHIP_REMOVED), group, name, str(target["object_id"])
        return "", "", "", ""

    def losses_left(self) -> Iterator[tuple[str, tuple[str, str, datetime, str]]]:
        """Losses of users the replay leaves without a granting group (as the directory has them now)."""
        return ((user, loss) for user, loss in self.losses.items() if not self.granted(user))


def _initiator(initiated_by: dict[str, Any] | None) -> str:
    initiated_by = initiated_by or {}
    if initiated_by.get("type") == "system":
        return ""
    return str(initiated_by.get("email") or initiated_by.get("username") or "")
