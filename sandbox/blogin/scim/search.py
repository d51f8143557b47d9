"""Running a list query: SQL where the filter and sort are columns, Python for the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.blogin.scim.listing import ListQuery
from sandbox.blogin.scim.query import Condition
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
    sort_columns: dict[str, Any],
    default_order: Sequence[Any],
    query: ListQuery,
    render: Render,
) -> tuple[int, list[dict[str, Any]]]:
    """(totalResults, the page of resources) for ``query``; stable order, 1-based ``startIndex``."""
    sort_column = None
    if query.sort_by is not None:
        sort_column = sort_columns.get(query.sort_by.lower())
        if sort_column is None and query.sort_by.lower().startswith("urn:"):
            sort_column = sort_columns.get(query.sort_by.rpartition(":")[2].lower())
    in_sql = exact and (query.sort_by is None or sort_column is not None)
    order = list(default_order)
    if sort_column is not None:
        order = [sort_column.desc() if query.descending else sort_column.asc(), *order]
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
            everything = _sorted(everything, query.sort_by, query.descending)
        total = len(everything)
        start = query.start_index - 1
        resources = everything[start : start + query.count]
    return total, [project(r, query.attributes, query.excluded) for r in resources]


def _sorted(resources: list[dict[str, Any]], sort_by: str, descending: bool) -> list[dict[str, Any]]:
    try:
        path: AttrPath | None = parse_attr_path(sort_by)
    except Exception:
        path = None

    def key(resource: dict[str, Any]) -> tuple[int, str]:
        value = _value(resource, path) if path else None
        # Resources without the attribute sort last either way (RFC 7644 §3.4.2.3).
        return (1, "") if value is None else (0, str(value).lower())

    present = [r for r in resources if key(r)[0] == 0]
    absent = [r for r in resources if key(r)[0] == 1]
    return sorted(present, key=key, reverse=descending) + absent


def _value(resource: dict[str, Any], path: AttrPath) -> Any:
    lowered = path.attr.lower()
    value = next((v for k, v in resource.items() if k.lower() == lowered), None)
    if isinstance(value, list):
        primary = next((v for v in value if isinstance(v, dict) and v.get("primary")), value[0] if value else None)
        value = primary
    if path.sub is not None or isinstance(value, dict):
        sub = (path.sub or "value").lower()
        value = next((v for k, v in value.items() if k.lower() == sub), None) if isinstance(value, dict) else None
    return value
