"""Running a list query: SQL where the filter and sort are columns, Python for the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sandbox.blogin.scim.listing import ListQuery
from sandbox.blogin.scim.query import Condition, SortColumn
from sandbox.direct_sql import sqlite_engine, transaction_connection
from sandbox.scim.errors import ScimError
from sandbox.scim.filter import AttrPath, matches, parse_attr_path
from sandbox.scim.resources import project
from sandbox.scim.schemas import ResourceType

Render = Callable[[Sequence[Any]], list[dict[str, Any]]]


def search(
    session: Session,
    *,
    table: Any,
    rtype: ResourceType,
    condition: Condition,
    exact: bool,
    sort_columns: dict[str, SortColumn],
    default_order: Sequence[Any],
    query: ListQuery,
    render: Render,
) -> tuple[int, list[dict[str, Any]]]:
    """(totalResults, the page of resources) for ``query``; stable order, 1-based ``startIndex``.

    ``sort_columns`` are the attributes SQL sorts (in the order :func:`sort_key` gives, RFC 7644 §3.4.2.3);
    any other ``sortBy`` is sorted in Python by :func:`sort_key`.
    """
    sort_column = None
    if query.sort_by is not None:
        sort_column = sort_columns.get(query.sort_by.lower())
        if sort_column is None and query.sort_by.lower().startswith("urn:"):
            sort_column = sort_columns.get(query.sort_by.rpartition(":")[2].lower())
    in_sql = exact and (query.sort_by is None or sort_column is not None)
    order = list(default_order)
    if sort_column is not None:
        keys = _sort_keys(session, sort_column)
        order = [*(key.desc() if query.descending else key.asc() for key in keys), *order]
    elif query.descending and query.sort_by is None:
        order = [column.desc() for column in order]
    # Rows of the table, not ORM objects: a page of 100 is built without an identity map.
    statement = select(table).where(condition).order_by(*order)
    if in_sql:
        rows = session.execute(statement.offset(query.start_index - 1).limit(query.count)).all() if query.count else []
        if rows and len(rows) < query.count:
            # A short page is the last one: the total follows without counting (a userName eq lookup).
            total = query.start_index - 1 + len(rows)
        else:
            total = session.execute(select(func.count()).select_from(table).where(condition)).scalar() or 0
        resources = render(rows)
    else:
        everything = render(session.execute(statement).all())
        if query.filter is not None and not exact:
            everything = [r for r in everything if matches(query.filter, r, rtype.describe)]
        if query.sort_by is not None and sort_column is None:
            key = sort_key(query.sort_by, rtype)
            everything.sort(key=key, reverse=query.descending)
        total = len(everything)
        start = query.start_index - 1
        resources = everything[start : start + query.count]
    return total, [project(r, query.attributes, query.excluded) for r in resources]


def _sort_keys(session: Session, sort: SortColumn) -> list[Any]:
    """ORDER BY terms for ``sort`` ascending (each is reversed for descending): resources without a value
    first compare above every value (last ascending, first descending, §3.4.2.3), then the value, folded
    to lower case where the attribute is case-insensitive."""
    column = sort.expr
    keys: list[Any] = []
    if sort.empty:
        keys.append(or_(column.is_(None), column == ""))
    elif column.nullable:
        keys.append(column.is_(None))
    keys.append(_folded(session, column) if sort.folded else column)
    return keys


def _fold(text: Any) -> Any:
    return text.lower() if isinstance(text, str) else text


def _folded(session: Session, column: Any) -> Any:
    """``column`` lower-cased as Python does it (as the userName key and :func:`sort_key` are): SQLite's own
    lower() folds ASCII letters only, so on SQLite the fold is a function registered on the connection."""
    if sqlite_engine(session) is None:
        return func.lower(column)
    pooled = transaction_connection(session).connection
    if not pooled.info.get(_FOLD):
        driver = pooled.driver_connection
        if driver is None:
            return func.lower(column)
        driver.create_function(_FOLD, 1, _fold, deterministic=True)
        pooled.info[_FOLD] = True
    return getattr(func, _FOLD)(column)


_FOLD = "scim_fold"

SortKey = Callable[[dict[str, Any]], tuple[int, int, Any]]


def sort_key(sort_by: str, rtype: ResourceType) -> SortKey:
    """How ``sortBy`` orders resources of ``rtype`` (RFC 7644 §3.4.2.3): by the attribute's value — a
    multi-valued one's primary value, else its first — case-insensitively unless the attribute is case-exact.
    A resource without a value compares above every value, so it comes last ascending and first descending
    (sort with ``reverse=True`` for descending; equal keys keep their order either way)."""
    try:
        path: AttrPath | None = parse_attr_path(sort_by)
    except ScimError:
        path = None
    if path is None:
        return _no_value
    extension = path.uri if path.uri and path.uri.lower() != rtype.schema.id.lower() else None
    first = f"{extension}:{path.attr}" if extension else path.attr
    kind, case_exact = rtype.describe((first, path.sub) if path.sub else (first,))
    if kind == "complex":
        kind, case_exact = rtype.describe((first, "value"))

    def key(resource: dict[str, Any]) -> tuple[int, int, Any]:
        value = _value(resource, path, extension)
        if value is None or value == "" or isinstance(value, dict | list):
            return _MISSING
        if isinstance(value, bool | int | float):
            return (0, 0, float(value))
        text = str(value)
        return (0, 1, text if case_exact else text.lower())

    return key


_MISSING = (1, 0, 0.0)


def _no_value(resource: dict[str, Any]) -> tuple[int, int, Any]:
    return _MISSING


def _field(container: Any, name: str) -> Any:
    if not isinstance(container, dict):
        return None
    lowered = name.lower()
    return next((v for k, v in container.items() if k.lower() == lowered), None)


def _value(resource: dict[str, Any], path: AttrPath, extension: str | None) -> Any:
    value = _field(_field(resource, extension) if extension else resource, path.attr)
    if isinstance(value, list):
        primary = next((v for v in value if isinstance(v, dict) and v.get("primary") is True), None)
        value = primary if primary is not None else (value[0] if value else None)
    if path.sub is not None or isinstance(value, dict):
        value = _field(value, path.sub or "value")
    return value
