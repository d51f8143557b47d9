"""SCIM filters compiled to SQL where an attribute is a column, so lookups use the indexes.

``compile_filter`` returns a condition and whether it is exact. An inexact condition is a superset
(parts naming attributes kept outside columns become TRUE); the caller then checks each candidate
against the filter in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, Table, and_, exists, false, func, literal_column, not_, or_, select, true

from sandbox.blogin.models import Team, User, team_members
from sandbox.scim.errors import invalid_filter
from sandbox.scim.filter import And, Compare, Filter, Not, Or, Present, ValuePath
from sandbox.scim.schemas import GROUP_SCHEMA, USER_SCHEMA

Condition = ColumnElement[bool]
# The rowids of the users whose userName may contain a (lower-cased) value, or None when they are not
# known: see ``sandbox.blogin.scim.fulltext``.
Narrow = Callable[[str], list[int] | None]

# Table columns, not ORM attributes: the list queries select rows of the tables, and a statement that
# names only Core columns skips the ORM's compile step.
_users = cast(Table, User.__table__).c
_teams = cast(Table, Team.__table__).c
_user_rowid = literal_column("users.rowid", Integer)


@dataclass(frozen=True)
class Column:
    """A column behind an attribute: ``lowered`` columns hold the value lower-cased (an indexed key)."""

    expr: Any
    kind: str = "string"
    case_exact: bool = False
    lowered: bool = False


USER_COLUMNS = {
    "id": Column(_users.id, case_exact=True),
    "externalid": Column(_users.external_id, case_exact=True),
    "username": Column(_users.user_name_key, lowered=True),
    "displayname": Column(_users.display_name),
    "title": Column(_users.title),
    "timezone": Column(_users.timezone),
    "name.givenname": Column(_users.given_name),
    "name.familyname": Column(_users.family_name),
    "name.formatted": Column(_users.formatted_name),
    "active": Column(_users.active, kind="boolean"),
    "meta.created": Column(_users.created, kind="dateTime"),
    "meta.lastmodified": Column(_users.last_modified, kind="dateTime"),
}

GROUP_COLUMNS = {
    "id": Column(_teams.id, case_exact=True),
    "externalid": Column(_teams.external_id, case_exact=True),
    "displayname": Column(_teams.display_name_key, lowered=True),
    "meta.created": Column(_teams.created, kind="dateTime"),
    "meta.lastmodified": Column(_teams.last_modified, kind="dateTime"),
}


@dataclass(frozen=True)
class SortColumn:
    """A column behind a ``sortBy`` attribute. ``folded`` columns hold case-insensitive text as written and
    are ordered by its lower-cased value (RFC 7644 §3.4.2.3); ``empty`` ones hold "" for no value."""

    expr: Any
    folded: bool = False
    empty: bool = False


# Sorting: attribute → column (sortBy is case-insensitive). userName and a Team's name are ordered by their
# lower-cased keys; other case-insensitive text is folded when sorted; id and externalId are case-exact.
USER_SORT = {
    "username": SortColumn(_users.user_name_key),
    "id": SortColumn(_users.id),
    "externalid": SortColumn(_users.external_id),
    "displayname": SortColumn(_users.display_name, folded=True, empty=True),
    "title": SortColumn(_users.title, folded=True, empty=True),
    "timezone": SortColumn(_users.timezone, folded=True, empty=True),
    "name.givenname": SortColumn(_users.given_name, folded=True, empty=True),
    "name.familyname": SortColumn(_users.family_name, folded=True, empty=True),
    "name.formatted": SortColumn(_users.formatted_name, folded=True, empty=True),
    "active": SortColumn(_users.active),
    "meta.created": SortColumn(_users.created),
    "meta.lastmodified": SortColumn(_users.last_modified),
    # BlogIn's Email: the primary email (or, when none is marked primary, the first work one).
    "emails.value": SortColumn(_users.email, folded=True, empty=True),
    "emails": SortColumn(_users.email, folded=True, empty=True),
}
GROUP_SORT = {
    "displayname": SortColumn(_teams.display_name_key),
    "id": SortColumn(_teams.id),
    "externalid": SortColumn(_teams.external_id),
    "meta.created": SortColumn(_teams.created),
    "meta.lastmodified": SortColumn(_teams.last_modified),
}


def _key(path_attr: str, path_sub: str | None, uri: str | None, core: str) -> str | None:
    if uri is not None and uri.lower() != core.lower():
        return None
    return f"{path_attr}.{path_sub}".lower() if path_sub else path_attr.lower()


def compile_filter(node: Filter, resource_type: str, narrow: Narrow | None = None) -> tuple[Condition, bool]:
    """(condition, exact) for a filter on ``"User"`` or ``"Group"`` resources; ``narrow`` gives the
    candidates of ``userName co/sw/ew`` (the rows they compare are then read by rowid)."""
    columns, core = (USER_COLUMNS, USER_SCHEMA) if resource_type == "User" else (GROUP_COLUMNS, GROUP_SCHEMA)
    return _compile(node, columns, core, resource_type, narrow if resource_type == "User" else None)


def _compile(
    node: Filter, columns: dict[str, Column], core: str, resource_type: str, narrow: Narrow | None
) -> tuple[Condition, bool]:
    if isinstance(node, And):
        left, left_exact = _compile(node.left, columns, core, resource_type, narrow)
        right, right_exact = _compile(node.right, columns, core, resource_type, narrow)
        return and_(left, right), left_exact and right_exact
    if isinstance(node, Or):
        left, left_exact = _compile(node.left, columns, core, resource_type, narrow)
        right, right_exact = _compile(node.right, columns, core, resource_type, narrow)
        return or_(left, right), left_exact and right_exact
    if isinstance(node, Not):
        inner, exact = _compile(node.inner, columns, core, resource_type, narrow)
        return (not_(inner), True) if exact else (true(), False)
    if isinstance(node, ValuePath):
        return true(), False
    key = _key(node.path.attr, node.path.sub, node.path.uri, core)
    if resource_type == "Group" and key in ("members", "members.value") and isinstance(node, Compare):
        if node.op == "eq" and isinstance(node.value, str):
            member = exists().where(team_members.c.team_id == _teams.id, team_members.c.user_id == node.value)
            return member, True
        return true(), False
    column = columns.get(key or "")
    if column is None:
        return true(), False
    if isinstance(node, Present):
        return _present(column), True
    condition, exact = _compare(column, node)
    if narrow is not None and key == "username" and node.op in ("co", "sw", "ew") and isinstance(node.value, str):
        candidates = narrow(node.value.lower())
        if candidates is not None:
            # The same exact condition, on the candidates only: each is read by rowid.
            return (and_(_user_rowid.in_(candidates), condition) if candidates else false()), exact
    return condition, exact


def _present(column: Column) -> Condition:
    if column.kind == "string":
        return and_(column.expr.is_not(None), column.expr != "")
    return column.expr.is_not(None)


def _compare(column: Column, node: Compare) -> tuple[Condition, bool]:
    op, value = node.op, node.value
    if value is None or value == "":
        # Absent attributes are empty columns: let Python decide what null and "" mean.
        return true(), False
    if column.kind == "boolean":
        if not isinstance(value, bool) or op not in ("eq", "ne"):
            raise invalid_filter(f"'{node.path.render()}' is true or false; compare it with eq or ne.")
        return (column.expr.is_(value) if op == "eq" else column.expr.is_not(value)), True
    if column.kind == "dateTime":
        return _compare_moment(column, node)
    if not isinstance(value, str):
        return false(), True
    if column.lowered:
        return _compare_text(column.expr, op, value.lower(), like_exact=True), True
    if column.case_exact:
        if op in ("co", "sw", "ew"):
            # LIKE ignores ASCII case: a superset, checked exactly in Python.
            return _compare_text(column.expr, op, value, like_exact=False), False
        return _compare_text(column.expr, op, value, like_exact=True), True
    if not value.isascii():
        return true(), False
    return _compare_text(func.lower(column.expr), op, value.lower(), like_exact=True), True


def like_pattern(op: str, value: str) -> str:
    """The LIKE pattern (escape character ``\\``) of ``co``, ``sw`` or ``ew`` with ``value``."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if op == "co":
        return f"%{escaped}%"
    if op == "sw":
        return f"{escaped}%"
    return f"%{escaped}"


def _compare_text(expr: Any, op: str, value: str, *, like_exact: bool) -> Condition:
    if op == "eq":
        return expr == value
    if op == "ne":
        return or_(expr.is_(None), expr != value)
    if op in ("co", "sw", "ew"):
        return expr.like(like_pattern(op, value), escape="\\")
    return _ordered(expr, op, value)


def _ordered(expr: Any, op: str, value: Any) -> Condition:
    if op == "gt":
        return expr > value
    if op == "ge":
        return expr >= value
    if op == "lt":
        return expr < value
    return expr <= value


def _compare_moment(column: Column, node: Compare) -> tuple[Condition, bool]:
    if not isinstance(node.value, str):
        raise invalid_filter(f"'{node.path.render()}' is a date and time; compare it with a quoted RFC 3339 value.")
    try:
        moment = datetime.fromisoformat(node.value.replace("Z", "+00:00"))
    except ValueError as error:
        raise invalid_filter(f"{node.value!r} is not an RFC 3339 date and time.") from error
    if moment.tzinfo is None:
        raise invalid_filter(f"{node.value!r} has no time zone; add 'Z' or an offset.")
    if node.op in ("co", "sw", "ew"):
        raise invalid_filter(f"The operator {node.op!r} does not apply to dates.")
    if node.op == "eq":
        return column.expr == moment, True
    if node.op == "ne":
        return column.expr != moment, True
    return _ordered(column.expr, node.op, moment), True


def member_rows(team_ids: list[str]) -> Any:
    """(team id, user id, display) for the members of ``team_ids``, in a stable order."""
    display = func.coalesce(func.nullif(_users.display_name, ""), _users.user_name)
    return (
        select(team_members.c.team_id, _users.id, display)
        .join(cast(Table, User.__table__), _users.id == team_members.c.user_id)
        .where(team_members.c.team_id.in_(team_ids))
        .order_by(team_members.c.team_id, _users.user_name_key)
    )
