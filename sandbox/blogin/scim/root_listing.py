"""A query at the service root, ``GET /`` or ``POST /.search``: Users and Groups together. Never commits.

RFC 7644 §3.4.2 lets a client query the Base URL and §3.4.3 search it with ``POST /.search``; the
answer covers every resource type, with the filters, paging, sorting and ``attributes`` of the resource
endpoints. An attribute one type lacks has no value there (§3.4.2.2: ``userName eq "…"`` matches no Group,
``userName pr`` neither). Each type is read by its own endpoint's listing, so their SQL paths serve it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from sandbox.blogin.scim import groups, user_listing
from sandbox.blogin.scim.listing import ListQuery
from sandbox.blogin.scim.search import sort_key
from sandbox.scim.resources import project
from sandbox.scim.schemas import GROUP_TYPE, USER_TYPE, ResourceType

# A listing of one resource type: how many match, and the page of them.
Lister = Callable[[Session, ListQuery, str], tuple[int, list[dict[str, Any]]]]

# Users first, then Groups, as ResourceTypes lists them.
_LISTINGS: tuple[tuple[ResourceType, Lister], ...] = (
    (USER_TYPE, user_listing.list_users),
    (GROUP_TYPE, groups.list_teams),
)


def list_everything(session: Session, query: ListQuery, base: str) -> tuple[int, list[dict[str, Any]]]:
    """(totalResults, the page) of the Users and Groups matching ``query``."""
    if query.sort_by is None:
        return _one_type_after_another(session, query, base)
    return _sorted_together(session, query, base, query.sort_by)


def _one_type_after_another(session: Session, query: ListQuery, base: str) -> tuple[int, list[dict[str, Any]]]:
    """Without ``sortBy``: the Users in their endpoint's order, then the Groups in theirs (the other way
    round when descending). The page is cut from each listing in SQL; a type the page does not reach is
    only counted (``count`` 0)."""
    listings = reversed(_LISTINGS) if query.descending else iter(_LISTINGS)
    skip = query.start_index - 1
    total = 0
    page: list[dict[str, Any]] = []
    for _rtype, lister in listings:
        part = replace(query, start_index=max(skip - total, 0) + 1, count=query.count - len(page))
        found, resources = lister(session, part, base)
        total += found
        page += resources
    return total, page


def _sorted_together(session: Session, query: ListQuery, base: str, sort_by: str) -> tuple[int, list[dict[str, Any]]]:
    """With ``sortBy``: each type's first ``startIndex - 1 + count`` resources in its endpoint's order (the
    order of :func:`~sandbox.blogin.scim.search.sort_key`), merged on that key, then the page cut and
    projected (the key may name an attribute ``attributes`` leaves out)."""
    reach = query.start_index - 1 + query.count
    whole = replace(query, start_index=1, count=reach, attributes=[], excluded=[])
    total = 0
    ordered: list[list[tuple[Any, dict[str, Any]]]] = []
    for rtype, lister in _LISTINGS:
        found, resources = lister(session, whole, base)
        total += found
        key = sort_key(sort_by, rtype)
        ordered.append([(key(resource), resource) for resource in resources])
    # Equal keys keep the types' order (Users first) and each type's own order.
    merged = heapq.merge(*ordered, key=lambda keyed: keyed[0], reverse=query.descending)
    page = [resource for _key, resource in merged][query.start_index - 1 : reach]
    return total, [project(resource, query.attributes, query.excluded) for resource in page]
