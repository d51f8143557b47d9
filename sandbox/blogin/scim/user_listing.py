"""GET /Users and POST /Users/.search: filtered, sorted and paged reads of BlogIn's users. Never commits.

A listing is what a provisioning client runs most after a lookup by userName: ``userName eq`` takes one
indexed query; the default listing (userName order), ``userName co/sw/ew`` (through the userName search,
``sandbox.blogin.scim.fulltext``) and a batched lookup (``userName eq "a" or userName eq "b" …``) a
statement for the page and one for its teams on SQLite's own cursor, whose rows become SCIM Users without
SQLAlchemy's per-column processing; anything else the general search of ``sandbox.blogin.scim.search``.
"""

from __future__ import annotations

import json
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, Integer, String, Table, bindparam, func, literal_column, select, true
from sqlalchemy.orm import Session

from sandbox.blogin.models import Team, User, team_members
from sandbox.blogin.scim.fulltext import user_name_candidates
from sandbox.blogin.scim.listing import ListQuery
from sandbox.blogin.scim.query import USER_SORT, compile_filter
from sandbox.blogin.scim.reads import Reader, Statement, sqlite_reader
from sandbox.blogin.scim.representation import USER_FIELDS, user_resource, user_resource_of
from sandbox.blogin.scim.search import search
from sandbox.blogin.scim.users import render_users, user_with_teams
from sandbox.scim.filter import Compare, Filter, Or
from sandbox.scim.resources import project
from sandbox.scim.schemas import USER_SCHEMA, USER_TYPE

_users = cast(Table, User.__table__)
_teams = cast(Table, Team.__table__)

# One user and their teams by userName (its lower-cased, unique key): the lookup every provisioning
# client makes.
_USER_WITH_TEAMS_BY_NAME = user_with_teams(_users.c.user_name_key == bindparam("key"))
_PAGE_COLUMNS = [_users.c[name] for name in USER_FIELDS]
_FIELDS = len(USER_FIELDS)
_ACTIVE, _EXTRA = USER_FIELDS.index("active"), USER_FIELDS.index("scim_extra")
_user_rowid = literal_column("users.rowid", Integer)

# The default listing (no filter, userName order): the page's users walking the userName index, and the
# number of users (a statement of its own, where SQLite counts an index's pages instead of walking it).
_PAGE = Statement(
    select(*_PAGE_COLUMNS).order_by(_users.c.user_name_key).limit(bindparam("count")).offset(bindparam("skip"))
)
_TOTAL = Statement(select(func.count()).select_from(_users))
# ``userName co/sw/ew`` on the userName search's candidates (rowids as a JSON array), read by rowid and
# checked exactly: the page's users, each with the number of users matching. The check is ``instr`` or
# ``substr`` on the lower-cased key rather than ``LIKE :pattern``: SQLite prepares a statement again at
# every run when a LIKE pattern is a bound parameter (its LIKE optimisation depends on the value), which
# cost about 0.1 ms of each ``co`` listing. Both sides are lower-cased and nothing is a wildcard, so the
# same users match as with the escaped pattern.
_candidate_rowids = select(func.json_each(bindparam("rowids")).table_valued("value").c.value)


def _matching(op: str) -> ColumnElement[bool]:
    key, value = _users.c.user_name_key, bindparam("value", type_=String)
    if op == "co":
        text_matches = func.instr(key, value) > 0
    elif op == "sw":
        text_matches = func.substr(key, 1, func.length(value)) == value
    else:
        text_matches = func.substr(key, -func.length(value)) == value
    return _user_rowid.in_(_candidate_rowids.scalar_subquery()) & text_matches


_MATCHING_PAGE = {
    op: Statement(
        select(*_PAGE_COLUMNS, func.count().over())
        .where(_matching(op))
        .order_by(_users.c.user_name_key)
        .limit(bindparam("count"))
        .offset(bindparam("skip"))
    )
    for op in ("co", "sw", "ew")
}
_MATCHING_TOTAL = {
    op: Statement(select(func.count()).select_from(_users).where(_matching(op))) for op in ("co", "sw", "ew")
}
# ``userName eq "a" or userName eq "b" …`` (a provisioning client's batched lookup): each lower-cased
# userName (a JSON array) looked up in the userName index.
_named = _users.c.user_name_key.in_(
    select(func.json_each(bindparam("keys")).table_valued("value").c.value).scalar_subquery()
)
_NAMED_PAGE = Statement(
    select(*_PAGE_COLUMNS, func.count().over())
    .where(_named)
    .order_by(_users.c.user_name_key)
    .limit(bindparam("count"))
    .offset(bindparam("skip"))
)
_NAMED_TOTAL = Statement(select(func.count()).select_from(_users).where(_named))
# The teams of a page's users (their ids as a JSON array), in team name order.
_TEAMS_OF_USERS = Statement(
    select(team_members.c.user_id, _teams.c.id, _teams.c.display_name)
    .join(_teams, _teams.c.id == team_members.c.team_id)
    .where(
        team_members.c.user_id.in_(
            select(func.json_each(bindparam("user_ids")).table_valued("value").c.value).scalar_subquery()
        )
    )
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
    """GET /Users: filtered, sorted and paged; ``userName eq`` (one name or several joined by ``or``) takes
    the userName index, ``co``, ``sw`` and ``ew`` the userName search."""
    wanted = _user_name_eq(query.filter)
    if wanted is not None:
        rows = _USER_WITH_TEAMS_BY_NAME.all(session, {"key": wanted.lower()})
        if not rows:
            return 0, []
        if query.start_index > 1 or query.count == 0:
            return 1, []
        teams = [(row.team_id, row.team_name) for row in rows if row.team_id is not None]
        return 1, [project(user_resource(rows[0], base, teams), query.attributes, query.excluded)]
    with sqlite_reader(session) as reader:
        if query.sort_by is None and not query.descending:
            if query.filter is None and reader is not None:
                return _default_page(reader, query, base)
            substring = _user_name_substring(query.filter)
            if substring is not None and reader is not None:
                found = _matching_page(reader, query, base, *substring)
                if found is not None:
                    return found
            names = _user_names_eq(query.filter)
            if names is not None and reader is not None:
                return _named_page(reader, query, base, names)

        def narrow(value: str) -> list[int] | None:
            return user_name_candidates(reader, value)

        condition, exact = compile_filter(query.filter, "User", narrow) if query.filter is not None else (true(), True)
    return search(
        session,
        table=_users,
        rtype=USER_TYPE,
        condition=condition,
        exact=exact,
        sort_columns=USER_SORT,
        default_order=[_users.c.user_name_key],
        query=query,
        render=lambda rows: render_users(session, rows, base),
    )


def _user_names_eq(node: Filter | None) -> list[str] | None:
    """The lower-cased values of ``userName eq "a" or userName eq "b" …`` (two or more), else None."""
    if not isinstance(node, Or):
        return None
    names: list[str] = []
    pending: list[Filter] = [node]
    while pending:
        part = pending.pop()
        if isinstance(part, Or):
            pending += (part.right, part.left)
            continue
        wanted = _user_name_eq(part)
        if wanted is None:
            return None
        names.append(wanted.lower())
    return names


def _named_page(reader: Reader, query: ListQuery, base: str, names: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """A page of the users whose userName is one of ``names`` (lower-cased), in userName order."""
    params = {"keys": json.dumps(names), "count": query.count, "skip": query.start_index - 1}
    rows = reader.rows(_NAMED_PAGE, params) if query.count else []
    # Without a row to carry the number (none matches, or the page lies past the last one) it is counted.
    total = rows[0][-1] if rows else reader.rows(_NAMED_TOTAL, params)[0][0]
    return total, _resources(reader, rows, query, base)


def _user_name_substring(node: Filter | None) -> tuple[str, str] | None:
    """(operator, lower-cased value) of a plain ``userName co|sw|ew "…"`` filter, else None."""
    if (
        isinstance(node, Compare)
        and node.op in ("co", "sw", "ew")
        and isinstance(node.value, str)
        and node.value
        and node.path.sub is None
        and node.path.attr.lower() == "username"
        and (node.path.uri is None or node.path.uri.lower() == USER_SCHEMA.lower())
    ):
        return node.op, node.value.lower()
    return None


def _matching_page(
    reader: Reader, query: ListQuery, base: str, op: str, value: str
) -> tuple[int, list[dict[str, Any]]] | None:
    """A page of the users whose userName matches ``co``/``sw``/``ew``, through the userName search;
    None when it cannot narrow the search."""
    candidates = user_name_candidates(reader, value)
    if candidates is None:
        return None
    params = {"rowids": json.dumps(candidates), "value": value, "count": query.count, "skip": query.start_index - 1}
    rows = reader.rows(_MATCHING_PAGE[op], params) if candidates and query.count else []
    # Without a row to carry the number (none matches, or the page lies past the last one) it is counted.
    counted = reader.rows(_MATCHING_TOTAL[op], params)[0][0] if candidates and not rows else 0
    total = rows[0][-1] if rows else counted
    return total, _resources(reader, rows, query, base)


def _default_page(reader: Reader, query: ListQuery, base: str) -> tuple[int, list[dict[str, Any]]]:
    """A page of every user in userName order: what a client walks to read the whole directory."""
    rows = reader.rows(_PAGE, {"count": query.count, "skip": query.start_index - 1}) if query.count else []
    total = reader.rows(_TOTAL, {})[0][0]
    return total, _resources(reader, rows, query, base)


def _resources(reader: Reader, rows: list[tuple[Any, ...]], query: ListQuery, base: str) -> list[dict[str, Any]]:
    """SCIM Users from rows of ``_PAGE_COLUMNS`` as SQLite returns them, with their teams."""
    if not rows:
        return []
    teams: dict[str, list[tuple[str, str]]] = {}
    for user_id, team_id, team_name in reader.rows(_TEAMS_OF_USERS, {"user_ids": json.dumps([r[0] for r in rows])}):
        teams.setdefault(user_id, []).append((team_id, team_name))
    attributes, excluded = query.attributes, query.excluded
    projected = bool(attributes or excluded)
    resources = []
    for row in rows:
        fields = list(row[:_FIELDS])
        # What SQLAlchemy's Boolean and JSON types would hand back.
        active, extra = row[_ACTIVE], row[_EXTRA]
        if active is not None:
            fields[_ACTIVE] = bool(active)
        if extra is not None:
            fields[_EXTRA] = _json_value(extra)
        resource = user_resource_of(fields, base, teams.get(row[0], []))
        resources.append(project(resource, attributes, excluded) if projected else resource)
    return resources


def _json_value(stored: str) -> Any:
    """``scim_extra`` as SQLAlchemy's JSON type reads it; orjson first, ``json`` for what orjson refuses
    (integers past 64 bits, NaN) so that every stored value reads back as before."""
    try:
        return orjson.loads(stored)
    except orjson.JSONDecodeError:
        return json.loads(stored)
