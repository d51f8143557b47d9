"""SCIM Users ⇄ BlogIn users: create, read, replace, patch, delete. Never commits.

The SCIM API is the hot path of provisioning, so it reads and writes the ``users`` table through
SQLAlchemy Core statements built once (bound parameters, compiled once per process) instead of loading
ORM objects: a GET is one query, a PATCH one query and one UPDATE. A create, a PUT and a PATCH run only
direct statements (``sandbox.direct_sql``), so on SQLite they need no Session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.blogin.models import SsoConfiguration, Team, User, team_members
from sandbox.blogin.models.base import new_resource_id
from sandbox.blogin.models.people import ADMINISTRATOR, is_user_name_clash
from sandbox.blogin.scim.representation import user_columns, user_resource
from sandbox.blogin.scim.storable import check_user_columns
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.services.user_claims import claim_user_names
from sandbox.direct_sql import DirectSelect, DirectWrite, Work
from sandbox.events import utc_now
from sandbox.passwords import hash_password
from sandbox.scim.errors import mutability, not_found, uniqueness
from sandbox.scim.patch import apply_patch, operations_of
from sandbox.scim.resources import normalize, normalize_patched
from sandbox.scim.schemas import USER_TYPE

ACTOR = "SCIM provisioning"

Teams = list[tuple[str, str]]

_users = cast(Table, User.__table__)
_teams = cast(Table, Team.__table__)


def user_with_teams(where: Any) -> DirectSelect:
    """One user and their teams (a row per team, or one row with no team), the user found by ``where``."""
    return DirectSelect(
        select(_users, _teams.c.id.label("team_id"), _teams.c.display_name.label("team_name"))
        .outerjoin(team_members, team_members.c.user_id == _users.c.id)
        .outerjoin(_teams, _teams.c.id == team_members.c.team_id)
        .where(where)
        .order_by(_teams.c.display_name_key)
    )


# By primary key.
_USER_WITH_TEAMS = user_with_teams(_users.c.id == bindparam("user_id"))
# Accounts SSO/JIT made (named by the NameID, no externalId) with the create's email: one is taken over.
_JIT_SAME_EMAIL = (
    (func.lower(_users.c.email) == func.lower(bindparam("email")))
    & (_users.c.source == "JIT")
    & _users.c.external_id.is_(None)
)
# Before a create: who holds the userName, the role new users get, and the JIT accounts with the
# same email — one round trip.
_CREATE_FACTS = DirectSelect(
    select(
        select(_users.c.id).where(_users.c.user_name_key == bindparam("key")).scalar_subquery().label("holder"),
        select(SsoConfiguration.__table__.c.default_role)
        .where(SsoConfiguration.__table__.c.id == 1)
        .scalar_subquery()
        .label("default_role"),
        select(func.count()).select_from(_users).where(_JIT_SAME_EMAIL).scalar_subquery().label("jit_accounts"),
        select(func.min(_users.c.id)).where(_JIT_SAME_EMAIL).scalar_subquery().label("jit_account"),
    )
)
_OTHER_ACTIVE_ADMINISTRATORS = DirectSelect(
    select(func.count().label("others"))
    .select_from(_users)
    .where((_users.c.role == ADMINISTRATOR) & _users.c.active.is_(True) & (_users.c.id != bindparam("user_id")))
)
_HOLDER = DirectSelect(select(_users.c.id).where(_users.c.user_name_key == bindparam("key")))
# Before a user's email changes: an SSO/JIT account of someone else with that email (the person it names).
_JIT_ACCOUNT_WITH_EMAIL = DirectSelect(
    select(_users.c.id, _users.c.user_name)
    .where(_JIT_SAME_EMAIL & (_users.c.id != bindparam("user_id")))
    .order_by(_users.c.id)
    .limit(1)
)
# A SCIM create writes every column but the console's own (linked_from stays NULL).
_INSERT_USER = DirectWrite(_users, [c.name for c in _users.columns if c.name != "linked_from"])
# What a PUT or PATCH writes: the mapped attributes, the password, the version (one constant UPDATE).
_SCIM_WRITES = (
    "id",
    *user_columns({"userName": "-"}),
    "password_hash",
    "version",
    "last_modified",
)
_UPDATE_USER = DirectWrite(_users, _SCIM_WRITES[1:], key="id")
# Linking an SSO/JIT account: the SCIM columns, and where the account came from.
_LINK_WRITES = (*_SCIM_WRITES, "source", "linked_from")
_LINK_USER = DirectWrite(_users, _LINK_WRITES[1:], key="id")
_TEAMS_OF = (
    select(team_members.c.user_id, _teams.c.id, _teams.c.display_name)
    .join(_teams, _teams.c.id == team_members.c.team_id)
    .where(team_members.c.user_id.in_(bindparam("user_ids", expanding=True)))
    .order_by(_teams.c.display_name_key)
)


def user_view(session: Work, user_id: str) -> tuple[Any, Teams]:
    """The user's row and their (team id, team name) pairs; 404 when there is no such user."""
    rows = _USER_WITH_TEAMS.all(session, {"user_id": user_id})
    if not rows:
        raise not_found(f"No user has the id {user_id!r}.")
    return rows[0], [(row.team_id, row.team_name) for row in rows if row.team_id is not None]


def teams_of(session: Session, user_ids: Sequence[str]) -> dict[str, Teams]:
    """(team id, team name) pairs per user, one query for a whole page."""
    found: dict[str, Teams] = {}
    if not user_ids:
        return found
    for user_id, team_id, name in session.execute(_TEAMS_OF, {"user_ids": list(user_ids)}):
        found.setdefault(user_id, []).append((team_id, name))
    return found


def render_users(session: Session, users: Sequence[Any], base: str) -> list[dict[str, Any]]:
    """SCIM Users for ``users`` (ORM users or rows of the users table)."""
    teams = teams_of(session, [u.id for u in users])
    return [user_resource(u, base, teams.get(u.id, [])) for u in users]


def render_user(session: Session, user: Any, base: str) -> dict[str, Any]:
    return render_users(session, [user], base)[0]


def _check_unique(session: Work, key: str, except_id: str | None = None) -> None:
    found = _HOLDER.first(session, {"key": key})
    if found is not None and found.id != except_id:
        _taken(key, found.id)


def _taken(key: str, holder: str | None = None) -> None:
    """409 uniqueness for the lower-cased userName ``key``, naming the user who has it when known, so a client
    can find and adopt it."""
    held_by = f" (id {holder})" if holder else ""
    raise uniqueness(
        f"A user with the userName {key!r} already exists in BlogIn{held_by}; userName ignores case. "
        f"Find it with filter=userName eq {json.dumps(key, ensure_ascii=False)}."
    )


def _check_email_free_of_jit_accounts(session: Work, email: str, user_id: str) -> None:
    """409 uniqueness when an account single sign-on made (JIT, no externalId) has ``email`` and is not the user
    whose email changes to it: that account is the person the email names, and a second account for them
    would sign in nowhere (SSO finds the person by their email) while the first kept their posts.

    A create in that case links the account; a change of an existing user's email cannot merge two accounts.
    """
    found = _JIT_ACCOUNT_WITH_EMAIL.first(session, {"email": email, "user_id": user_id})
    if found is None:
        return
    raise uniqueness(
        f"The email {email!r} belongs to the BlogIn account {found.user_name!r} (id {found.id}), which single "
        "sign-on created at the person's first sign-in; BlogIn keeps one account per person. Delete that account "
        f"(DELETE /Users/{found.id}) or give this user another email."
    )


def _taken_meanwhile(error: IntegrityError, key: str) -> None:
    """A write the unique index refused: the userName was taken after the look-up found it free (a sign-in's
    JIT creation commits beside SCIM changes on PostgreSQL), which is the same 409 the look-up gives."""
    if not is_user_name_clash(error):
        raise error
    _taken(key)


@dataclass(frozen=True, slots=True)
class NewUser:
    """A POST /Users body, read and checked before the create touches the database."""

    columns: dict[str, Any]
    password_hash: str | None


def new_user(body: Any) -> NewUser:
    """Read a POST /Users ``body``: its columns, and its password hashed (scrypt takes tens of
    milliseconds, better spent before the create queues for the write lock)."""
    data = normalize(USER_TYPE, body)
    columns = user_columns(data)
    check_user_columns(columns)
    # normalize() took only a string as the password.
    password = data.get("password")
    return NewUser(columns, hash_password(password) if password else None)


def create_user(session: Work, user: NewUser) -> tuple[Any, Teams, int]:
    """POST /Users: a new BlogIn user, as (its row's values, its teams, version) for
    :func:`~sandbox.blogin.scim.representation.user_resource`; a userName already taken — by SCIM, SSO/JIT
    or by hand — is 409.

    When the userName is free but exactly one account made by SSO/JIT (no externalId) has the body's
    email, that account is linked instead: JIT names people by their NameID (an email) while a provisioning
    client sends its own username, and one person must not end up with two accounts.
    """
    columns = user.columns
    # On PostgreSQL a sign-in's JIT creation of the same person waits for this create, or this for it.
    claim_user_names(session, columns["user_name_key"], columns["email"])
    [facts] = _CREATE_FACTS.all(session, {"key": columns["user_name_key"], "email": columns["email"]})
    if facts.holder is not None:
        _taken(columns["user_name_key"], facts.holder)
    if columns["email"] and facts.jit_accounts == 1:
        return _link_jit_account(session, facts.jit_account, columns, user.password_hash)
    now = utc_now()
    values = {
        **columns,
        "id": new_resource_id(),
        "source": "SCIM",
        "role": facts.default_role or "Reader",
        "created": now,
        "last_modified": now,
        "version": 1,
        "password_hash": user.password_hash,
    }
    try:
        _INSERT_USER.run(session, values)
    except IntegrityError as error:
        _taken_meanwhile(error, columns["user_name_key"])
    record_audit(
        session,
        "scim_user_created",
        f"SCIM created user {values['user_name']}" + ("" if values["active"] else " (inactive)"),
        actor=ACTOR,
        detail={"user_id": values["id"], "userName": values["user_name"]},
    )
    return SimpleNamespace(**values), [], 1


def _link_jit_account(
    session: Work, user_id: str, columns: dict[str, Any], password_hash: str | None
) -> tuple[Any, Teams, int]:
    """The SSO/JIT account ``user_id`` becomes the SCIM user the body describes; it keeps its id and role."""
    row, teams = user_view(session, user_id)
    changes = {
        **columns,
        "source": "SCIM",
        "linked_from": "JIT",
        "version": row.version + 1,
        "last_modified": utc_now(),
    }
    if password_hash:
        changes["password_hash"] = password_hash
    after = SimpleNamespace(**{**row._asdict(), **changes})
    try:
        _LINK_USER.run(session, {name: getattr(after, name) for name in _LINK_WRITES})
    except IntegrityError as error:
        _taken_meanwhile(error, columns["user_name_key"])
    record_audit(
        session,
        "scim_user_linked",
        f"SCIM linked the SSO/JIT account {row.user_name} to userName {columns['user_name']}",
        actor=ACTOR,
        detail={"user_id": row.id, "userName": columns["user_name"], "jit_userName": row.user_name},
    )
    return after, teams, after.version


def replace_user(session: Work, row: Any, body: Any) -> tuple[Any, int]:
    """PUT: the user's attributes become exactly those given; answers (the user's values after the change,
    version) for :func:`~sandbox.blogin.scim.representation.user_resource`.

    A PUT without ``active`` leaves it as it is. RFC 7644 §3.5.1 lets a server give an attribute left out
    its default, but for ``active`` that default would quietly reactivate a deactivated user, giving back
    access nobody asked for; only ``"active": true`` reactivates.
    """
    data = normalize(USER_TYPE, body)
    if data.get("active") is None:
        data["active"] = bool(row.active)
    return _write(session, row, data, "replaced")


def patch_user(session: Work, row: Any, teams: Teams, body: Any, base: str) -> tuple[Any, int]:
    """PATCH: apply the operations to the current representation, then store it like a PUT.

    Removing ``active`` (or replacing it with null) is refused: RFC 7644 §3.5.2.2 makes a removed
    attribute unassigned, and every BlogIn user is either active or deactivated — storing the create's
    default instead would quietly reactivate a deactivated user.
    """
    operations = operations_of(body)
    current = user_resource(row, base, teams)
    patched = apply_patch(USER_TYPE, current, operations)
    data = normalize_patched(USER_TYPE, patched)
    if "active" not in data:
        raise mutability(
            "BlogIn cannot hold a user without 'active': every user is either active or deactivated. "
            "To deactivate the user, replace 'active' with false."
        )
    return _write(session, row, data, "updated")


def _keep_an_administrator(session: Work, row: Any, change: str) -> None:
    """400 mutability when ``row`` is BlogIn's last active Administrator: without one, nobody could open the
    admin console again (single sign-on, user provisioning, the sandbox's own BlogIn Admin)."""
    if row.role != ADMINISTRATOR or not row.active:
        return
    others = _OTHER_ACTIVE_ADMINISTRATORS.first(session, {"user_id": row.id})
    if others is not None and others.others:
        return
    raise mutability(
        f"{row.user_name} is BlogIn's only active Administrator and cannot be {change}: BlogIn keeps at least one, "
        "so that someone can still manage single sign-on and user provisioning. Make another user an "
        "Administrator first."
    )


def _write(session: Work, row: Any, data: dict[str, Any], verb: str) -> tuple[Any, int]:
    """Store ``data`` over ``row`` (one UPDATE and its audit event, nothing when nothing changed)."""
    columns = user_columns(data)
    check_user_columns(columns)
    renamed = columns["user_name_key"] != row.user_name_key
    readdressed = bool(columns["email"]) and columns["email"].lower() != (row.email or "").lower()
    if renamed or readdressed:
        # On PostgreSQL a first sign-in creating the person the new userName or email names waits for this
        # change, or this change for it, as with a create; the look-ups below then see what it decided.
        claim_user_names(session, columns["user_name_key"] if renamed else "", columns["email"] if readdressed else "")
    if renamed:
        _check_unique(session, columns["user_name_key"], except_id=row.id)
    if readdressed:
        _check_email_free_of_jit_accounts(session, columns["email"], row.id)
    changes = {name: value for name, value in columns.items() if getattr(row, name) != value}
    changed = sorted(changes)
    password = data.get("password")
    if not changes and not password:
        return row, row.version
    if row.active and not columns["active"]:
        _keep_an_administrator(session, row, "deactivated")
    if password:
        changes["password_hash"] = hash_password(password)
        changed.append("password")
    changes["version"] = row.version + 1
    changes["last_modified"] = utc_now()
    after = SimpleNamespace(**{**row._asdict(), **changes})
    try:
        _UPDATE_USER.run(session, {name: getattr(after, name) for name in _SCIM_WRITES})
    except IntegrityError as error:
        _taken_meanwhile(error, columns["user_name_key"])
    if row.active and not after.active:
        event, summary = "scim_user_deactivated", f"SCIM deactivated user {after.user_name}"
    elif not row.active and after.active:
        event, summary = "scim_user_reactivated", f"SCIM reactivated user {after.user_name}"
    else:
        shown = ", ".join(c for c in changed if c not in ("user_name_key", "scim_extra")) or "attributes"
        event, summary = "scim_user_updated", f"SCIM {verb} user {after.user_name}: {shown}"
    record_audit(session, event, summary, actor=ACTOR, detail={"user_id": row.id, "changed": changed})
    return after, after.version


def delete_user(session: Session, row: Any) -> None:
    _keep_an_administrator(session, row, "deleted")
    session.execute(delete(team_members).where(team_members.c.user_id == row.id))
    session.execute(delete(_users).where(_users.c.id == row.id))
    record_audit(
        session, "scim_user_deleted", f"SCIM deleted user {row.user_name}", actor=ACTOR, detail={"user_id": row.id}
    )
