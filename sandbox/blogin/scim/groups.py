"""SCIM Groups ⇄ BlogIn Teams: create, read, replace, patch, delete, list. Never commits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, true
from sqlalchemy.orm import Session

from sandbox.blogin.models import Team, User, team_members
from sandbox.blogin.scim.listing import ListQuery
from sandbox.blogin.scim.query import GROUP_SORT, compile_filter, member_rows
from sandbox.blogin.scim.representation import group_resource
from sandbox.blogin.scim.search import search
from sandbox.blogin.scim.storable import check_team_values
from sandbox.blogin.scim.users import ACTOR
from sandbox.blogin.services.audit import record_audit
from sandbox.events import utc_now
from sandbox.scim.errors import invalid_value, not_found, uniqueness
from sandbox.scim.patch import apply_patch, operations_of
from sandbox.scim.resources import normalize, normalize_patched
from sandbox.scim.schemas import GROUP_TYPE

# Statements every group write runs, built once (SQLAlchemy then finds each compiled in its cache
# without coercing and keying a new expression per request).
# Core columns: building them on import sets up no ORM mappers.
_TEAM_NAMED = select(Team.__table__.c.id).where(Team.__table__.c.display_name_key == bindparam("key"))
_USERS_AMONG = select(User.__table__.c.id).where(User.__table__.c.id.in_(bindparam("ids", expanding=True)))
_MEMBERS_OF_TEAM = select(team_members.c.user_id).where(team_members.c.team_id == bindparam("team_id"))


def find_team(session: Session, team_id: str) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise not_found(f"No group has the id {team_id!r}.")
    return team


def members_of(session: Session, team_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {team_id: [] for team_id in team_ids}
    if team_ids:
        for team_id, user_id, display in session.execute(member_rows(list(team_ids))):
            found[team_id].append((user_id, display))
    return found


def render_teams(
    session: Session, teams: Sequence[Team], base: str, *, with_members: bool = True
) -> list[dict[str, Any]]:
    members = members_of(session, [t.id for t in teams]) if with_members else {}
    return [group_resource(t, base, members.get(t.id) if with_members else None) for t in teams]


def render_team(session: Session, team: Team, base: str) -> dict[str, Any]:
    return render_teams(session, [team], base)[0]


def _check_unique(session: Session, key: str, except_id: str | None = None) -> None:
    holder = session.scalar(_TEAM_NAMED, {"key": key})
    if holder is not None and holder != except_id:
        raise uniqueness(
            f"A team named {key!r} already exists in BlogIn (id {holder}); team names ignore case. "
            f"Find it with filter=displayName eq {json.dumps(key, ensure_ascii=False)}."
        )


def _member_ids(session: Session, data: dict[str, Any]) -> list[str]:
    """The member ids of a checked Group, each an existing user."""
    ids: list[str] = []
    # A set beside the list: a group of hundreds of members is checked in one pass, not in n² comparisons.
    seen: set[str] = set()
    for member in data.get("members", []):
        value = member.get("value")
        if not isinstance(value, str) or not value:
            raise invalid_value("Each member needs a 'value': the id of a User.")
        if member.get("type") not in (None, "User"):
            raise invalid_value(
                f"The member {value!r} has the type {member.get('type')!r}; BlogIn Teams hold Users only (a Team "
                'cannot contain another Team). Send members with "type": "User", or without a type.'
            )
        if value not in seen:
            seen.add(value)
            ids.append(value)
    if ids:
        known = set(session.scalars(_USERS_AMONG, {"ids": ids}))
        missing = [i for i in ids if i not in known]
        if missing:
            raise invalid_value(f"No user has the id {missing[0]!r}; members must be existing Users.")
    return ids


def _set_members(session: Session, team: Team, wanted: list[str], *, new: bool = False) -> tuple[list[str], list[str]]:
    """Make ``wanted`` the team's members; a ``new`` team has none to read first."""
    current = set() if new else set(session.scalars(_MEMBERS_OF_TEAM, {"team_id": team.id}))
    added = [i for i in wanted if i not in current]
    removed = sorted(current - set(wanted))
    if added:
        session.execute(insert(team_members), [{"team_id": team.id, "user_id": i} for i in added])
    if removed:
        session.execute(
            delete(team_members).where(team_members.c.team_id == team.id, team_members.c.user_id.in_(removed))
        )
    if added or removed:
        session.expire(team, ["members"])
    return added, removed


def create_team(session: Session, body: Any) -> Team:
    """POST /Groups: a new BlogIn Team; a name already taken is 409."""
    data = normalize(GROUP_TYPE, body)
    name = data["displayName"].strip()
    check_team_values(name, data.get("externalId") or None)
    _check_unique(session, name.lower())
    members = _member_ids(session, data)
    now = utc_now()
    team = Team(
        display_name=name,
        display_name_key=name.lower(),
        external_id=data.get("externalId") or None,
        source="SCIM",
        created=now,
        last_modified=now,
        version=1,
    )
    session.add(team)
    session.flush()
    _set_members(session, team, members, new=True)
    record_audit(
        session,
        "scim_group_created",
        f"SCIM created team {name} with {len(members)} member(s)",
        actor=ACTOR,
        detail={"team_id": team.id, "members": members},
    )
    return team


def replace_team(session: Session, team: Team, body: Any) -> bool:
    return _write(session, team, normalize(GROUP_TYPE, body), "replaced")


def patch_team(session: Session, team: Team, body: Any, base: str) -> bool:
    operations = operations_of(body)
    current = render_team(session, team, base)
    patched = _members_patched(current, operations)
    if patched is None:
        patched = apply_patch(GROUP_TYPE, current, operations)
    return _write(session, team, normalize_patched(GROUP_TYPE, patched), "updated")


def _members_patched(current: dict[str, Any], operations: list[Any]) -> dict[str, Any] | None:
    """The PATCH engine's result for operations that only add or remove members by value, the way
    provisioning clients send them (``{"op": "add", "path": "members", "value": [{"value": id}, …]}``);
    None for anything else.

    The engine compares each added value with every member (a team of hundreds took tens of
    milliseconds per request); here members are found by value, with the same outcome: an added value a
    member already has merges into that member, a new one is appended, removed values go.
    """
    for operation in operations:
        if not (isinstance(operation, dict) and operation.keys() == {"op", "path", "value"}):
            return None
        op, path, values = operation["op"], operation["path"], operation["value"]
        if not (isinstance(op, str) and op.lower() in ("add", "remove") and path == "members"):
            return None
        if not isinstance(values, list) or not all(_plain_member(value) for value in values):
            return None
    members = [dict(member) for member in current.get("members", [])]
    for operation in operations:
        wanted = [value["value"] for value in operation["value"]]
        if operation["op"].lower() == "remove":
            doomed = set(wanted)
            members = [member for member in members if member.get("value") not in doomed]
            continue
        position = {member.get("value"): i for i, member in reversed(list(enumerate(members)))}
        for value in wanted:
            if value not in position:
                position[value] = len(members)
                members.append({"value": value})
    return {**current, "members": members}


def _plain_member(value: Any) -> bool:
    return isinstance(value, dict) and value.keys() == {"value"} and isinstance(value["value"], str)


def _write(session: Session, team: Team, data: dict[str, Any], verb: str) -> bool:
    name = data["displayName"].strip()
    check_team_values(name, data.get("externalId") or None)
    changes: list[str] = []
    if name != team.display_name:
        if name.lower() != team.display_name_key:
            _check_unique(session, name.lower(), except_id=team.id)
        changes.append(f"renamed from {team.display_name} to {name}")
        team.display_name, team.display_name_key = name, name.lower()
    external_id = data.get("externalId") or None
    if external_id != team.external_id:
        team.external_id = external_id
        changes.append("externalId")
    added, removed = _set_members(session, team, _member_ids(session, data))
    if added:
        changes.append(f"{len(added)} member(s) added")
    if removed:
        changes.append(f"{len(removed)} member(s) removed")
    if not changes:
        return False
    team.version += 1
    team.last_modified = utc_now()
    record_audit(
        session,
        "scim_group_updated",
        f"SCIM {verb} team {team.display_name}: {', '.join(changes)}",
        actor=ACTOR,
        detail={"team_id": team.id, "added": added, "removed": removed},
    )
    return True


def delete_team(session: Session, team: Team) -> None:
    name, team_id = team.display_name, team.id
    session.execute(delete(team_members).where(team_members.c.team_id == team_id))
    session.delete(team)
    record_audit(session, "scim_group_deleted", f"SCIM deleted team {name}", actor=ACTOR, detail={"team_id": team_id})


def list_teams(session: Session, query: ListQuery, base: str) -> tuple[int, list[dict[str, Any]]]:
    condition, exact = compile_filter(query.filter, "Group") if query.filter is not None else (true(), True)
    excluded = {name.lower() for name in query.excluded}
    wanted = {name.lower().split(".")[0] for name in query.attributes}
    # Clients listing groups often exclude members; then the member query is skipped.
    with_members = not exact or ("members" not in excluded and (not wanted or "members" in wanted))
    return search(
        session,
        table=Team.__table__,
        rtype=GROUP_TYPE,
        condition=condition,
        exact=exact,
        sort_columns=GROUP_SORT,
        default_order=[cast(Table, Team.__table__).c.display_name_key],
        query=query,
        render=lambda rows: render_teams(session, rows, base, with_members=with_members),
    )
