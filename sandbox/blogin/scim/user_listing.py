"""GET /Users and POST /Users/.search: filtered, sorted and paged reads of BlogIn's users. Never commits.

A listing is what a provisioning client runs most after a lookup by userName: ``userName eq`` takes one
indexed query, the default listing (userName order) a page, its total and its teams as constant
statements, anything else the general search of ``sandbox.blogin.scim.search``.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, true
from sqlalchemy.orm import Session

from sandbox.blogin.models import Team, User, team_members
from sandbox.blogin.scim.direct import DirectSelect
from sandbox.blogin.scim.listing import ListQuery
from sandbox.blogin.scim.query import USER_SORT, compile_filter
from sandbox.blogin.scim.representation import user_resource
from sandbox.blogin.scim.search import search
from sandbox.blogin.scim.users import Teams, render_users
from sandbox.scim.filter import Compare, Filter
from sandbox.scim.resources import project
from sandbox.scim.schemas import USER_SCHEMA, USER_TYPE

_users = cast(Table, User.__table__)
_teams = cast(Table, Team.__table__)

# One user and their teams (a row per team, or one row with no team) by userName (its lower-cased,
# unique key): the lookup every provisioning client makes.
_USER_WITH_TEAMS_BY_NAME = DirectSelect(
    select(_users, _teams.c.id.label("team_id"), _teams.c.display_name.label("team_name"))
    .outerjoin(team_members, team_members.c.user_id == _users.c.id)
    .outerjoin(_teams, _teams.c.id == team_members.c.team_id)
    .where(_users.c.user_name_key == bindparam("key"))
    .order_by(_teams.c.display_name_key)
)
# The default listing (no filter, userName order): a page, the total, and the page's teams — each a
# constant statement walking the userName index.
_RENDERED = [
    _users.c[name]
    for name in (
        "id",
        "external_id",
        "user_name",
        "given_name",
        "family_name",
        "formatted_name",
        "display_name",
        "title",
        "timezone",
        "active",
        "email",
        "phone",
        "scim_extra",
        "created",
        "last_modified",
        "version",
    )
]
# Timestamps as stored: the representation formats SQLite's text without parsing it.
_PAGE = DirectSelect(
    select(*_RENDERED).order_by(_users.c.user_name_key).limit(bindparam("count")).offset(bindparam("skip")),
    as_stored=("created", "last_modified"),
)
_TOTAL = DirectSelect(select(func.count().label("total")).select_from(_users))
_PAGE_IDS = select(_users.c.id).order_by(_users.c.user_name_key).limit(bindparam("count")).offset(bindparam("skip"))
_TEAMS_OF_PAGE = DirectSelect(
    select(team_members.c.user_id, _teams.c.id, _teams.c.display_name)
    .join(_teams, _teams.c.id == team_members.c.team_id)
    .where(team_members.c.user_id.in_(_PAGE_IDS.scalar_subquery()))
    .order_by(_teams.c.display_name_key)
)


def _user_name_eq(node: Filter | None) -> str | None:
    """The value of a plain ``userName eq "…"`` filter, else None."""
    if (
        isinstance(node, Compare)
        and node.op == "eq"
        and isinstance(node.value, str)
        and node.value
        and node.path.sub is None
        and node.path.attr.lower() == "username"
        and (node.path.uri is None or node.path.uri.lower() == USER_SCHEMA.lower())
    ):
        return node.value
    return None


def list_users(session: Session, query: ListQuery, base: str) -> tuple[int, list[dict[str, Any]]]:
    """GET /Users: filtered, sorted and paged; ``userName eq`` takes one indexed query."""
    wanted = _user_name_eq(query.filter)
    if wanted is not None:
        rows = _USER_WITH_TEAMS_BY_NAME.all(session, {"key": wanted.lower()})
        if not rows:
            return 0, []
        if query.start_index > 1 or query.count == 0:
            return 1, []
        teams = [(row.team_id, row.team_name) for row in rows if row.team_id is not None]
        return 1, [project(user_resource(rows[0], base, teams), query.attributes, query.excluded)]
    if query.filter is None and query.sort_by is None and not query.descending:
        return _default_page(session, query, base)
    condition, exact = compile_filter(query.filter, "User") if query.filter is not None else (None, True)
    return search(
        session,
        table=_users,
        rtype=USER_TYPE,
        condition=condition if condition is not None else true(),
        exact=exact,
        sort_columns=USER_SORT,
        default_order=[_users.c.user_name_key],
        query=query,
        render=lambda rows: render_users(session, rows, base),
    )


def _default_page(session: Session, query: ListQuery, base: str) -> tuple[int, list[dict[str, Any]]]:
    """A page of every user in userName order: what a client walks to read the whole directory."""
    bounds = {"count": query.count, "skip": query.start_index - 1}
    rows = _PAGE.all(session, bounds) if query.count else []
    # A short page is the last one: the total follows without counting.
    short = bool(rows) and len(rows) < query.count
    total = query.start_index - 1 + len(rows) if short else _TOTAL.all(session, {})[0].total
    teams: dict[str, Teams] = {}
    if rows:
        for user_id, team_id, name in _TEAMS_OF_PAGE.all(session, bounds):
            teams.setdefault(user_id, []).append((team_id, name))
    attributes, excluded = query.attributes, query.excluded
    return total, [project(user_resource(row, base, teams.get(row.id, [])), attributes, excluded) for row in rows]
