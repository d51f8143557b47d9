"""SCIM Users ⇄ BlogIn users: create, read, replace, patch, delete, list. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from sandbox.blogin.models import SsoConfiguration, Team, User, team_members
from sandbox.blogin.scim.listing import ListQuery
from sandbox.blogin.scim.query import USER_SORT, compile_filter
from sandbox.blogin.scim.representation import user_columns, user_resource
from sandbox.blogin.scim.search import search
from sandbox.blogin.services.audit import record_audit
from sandbox.events import utc_now
from sandbox.passwords import hash_password
from sandbox.scim.errors import invalid_value, not_found, uniqueness
from sandbox.scim.patch import apply_patch, operations_of
from sandbox.scim.resources import normalize
from sandbox.scim.schemas import USER_TYPE

ACTOR = "SCIM provisioning"


def find_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise not_found(f"No user has the id {user_id!r}.")
    return user


def teams_of(session: Session, user_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """(team id, team name) pairs per user, one query for a whole page."""
    found: dict[str, list[tuple[str, str]]] = {}
    if not user_ids:
        return found
    rows = session.execute(
        select(team_members.c.user_id, Team.id, Team.display_name)
        .join(Team, Team.id == team_members.c.team_id)
        .where(team_members.c.user_id.in_(user_ids))
        .order_by(Team.display_name_key)
    )
    for user_id, team_id, name in rows:
        found.setdefault(user_id, []).append((team_id, name))
    return found


def render_users(session: Session, users: Sequence[User], base: str) -> list[dict[str, Any]]:
    teams = teams_of(session, [u.id for u in users])
    return [user_resource(u, base, teams.get(u.id, [])) for u in users]


def render_user(session: Session, user: User, base: str) -> dict[str, Any]:
    return render_users(session, [user], base)[0]


def _check_unique(session: Session, key: str, except_id: str | None = None) -> None:
    holder = session.scalar(select(User.id).where(User.user_name_key == key))
    if holder is not None and holder != except_id:
        raise uniqueness(f"A user with the userName {key!r} already exists in BlogIn (userName ignores case).")


def _default_role(session: Session) -> str:
    configuration = session.get(SsoConfiguration, 1)
    return configuration.default_role if configuration is not None else "Reader"


def create_user(session: Session, body: Any) -> User:
    """POST /Users: a new BlogIn user; a userName already taken (by SCIM, SSO/JIT or by hand) is 409."""
    data = normalize(USER_TYPE, body)
    columns = user_columns(data)
    _check_unique(session, columns["user_name_key"])
    now = utc_now()
    user = User(**columns, source="SCIM", role=_default_role(session), created=now, last_modified=now, version=1)
    if data.get("password"):
        user.password_hash = hash_password(data["password"])
    session.add(user)
    session.flush()
    record_audit(
        session,
        "scim_user_created",
        f"SCIM created user {user.user_name}" + ("" if user.active else " (inactive)"),
        actor=ACTOR,
        detail={"user_id": user.id, "userName": user.user_name},
    )
    return user


def replace_user(session: Session, user: User, body: Any) -> bool:
    """PUT: the user's attributes become exactly those given; returns whether anything changed."""
    return _write(session, user, normalize(USER_TYPE, body), "replaced")


def patch_user(session: Session, user: User, body: Any, base: str) -> bool:
    """PATCH: apply the operations to the current representation, then store it like a PUT."""
    operations = operations_of(body)
    current = render_user(session, user, base)
    patched = apply_patch(USER_TYPE, current, operations)
    return _write(session, user, normalize(USER_TYPE, patched), "updated")


def _write(session: Session, user: User, data: dict[str, Any], verb: str) -> bool:
    columns = user_columns(data)
    if columns["user_name_key"] != user.user_name_key:
        _check_unique(session, columns["user_name_key"], except_id=user.id)
    changed = sorted(name for name, value in columns.items() if getattr(user, name) != value)
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        raise invalid_value("'password' must be a string.")
    if not changed and not password:
        return False
    was_active = user.active
    for name in changed:
        setattr(user, name, columns[name])
    if password:
        user.password_hash = hash_password(password)
        changed.append("password")
    user.version += 1
    user.last_modified = utc_now()
    if was_active and not user.active:
        event, summary = "scim_user_deactivated", f"SCIM deactivated user {user.user_name}"
    elif not was_active and user.active:
        event, summary = "scim_user_reactivated", f"SCIM reactivated user {user.user_name}"
    else:
        shown = ", ".join(c for c in changed if c not in ("user_name_key", "scim_extra")) or "attributes"
        event, summary = "scim_user_updated", f"SCIM {verb} user {user.user_name}: {shown}"
    record_audit(session, event, summary, actor=ACTOR, detail={"user_id": user.id, "changed": changed})
    return True


def delete_user(session: Session, user: User) -> None:
    name, user_id = user.user_name, user.id
    session.delete(user)
    record_audit(session, "scim_user_deleted", f"SCIM deleted user {name}", actor=ACTOR, detail={"user_id": user_id})


def list_users(session: Session, query: ListQuery, base: str) -> tuple[int, list[dict[str, Any]]]:
    condition, exact = compile_filter(query.filter, "User") if query.filter is not None else (None, True)
    return search(
        session,
        model=User,
        rtype=USER_TYPE,
        condition=condition if condition is not None else true(),
        exact=exact,
        sort_columns=USER_SORT,
        default_order=[User.user_name_key],
        query=query,
        render=lambda rows: render_users(session, rows, base),
    )
