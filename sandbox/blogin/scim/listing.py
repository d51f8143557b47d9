"""Query parameters of a SCIM list or search (RFC 7644 §3.4.2) and the paging rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.scim.errors import ScimError, bad_request, invalid_filter, invalid_value
from sandbox.scim.filter import And, Compare, Filter, Not, Or, Present, ValuePath, parse_filter
from sandbox.scim.schemas import LIST_RESPONSE_SCHEMA, MAX_RESULTS

DEFAULT_COUNT = 100


@dataclass(frozen=True)
class ListQuery:
    filter: Filter | None = None
    start_index: int = 1
    count: int = DEFAULT_COUNT
    sort_by: str | None = None
    descending: bool = False
    attributes: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


def _integer(raw: Any, name: str) -> int:
    if isinstance(raw, bool):
        raise invalid_value(f"'{name}' must be an integer.")
    if isinstance(raw, int):
        return raw
    try:
        return int(str(raw).strip())
    except ValueError as error:
        raise invalid_value(f"'{name}' must be an integer, not {raw!r}.") from error


def _names(raw: Any, name: str) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [item.strip() for item in raw if item.strip()]
    if isinstance(raw, str):
        return [item.strip() for item in raw.split(",") if item.strip()]
    raise invalid_value(f"'{name}' must be a comma-separated list of attribute names.")


def _check_compared(node: Filter, in_uri: bool) -> None:
    """Refuse what a filter cannot compare: a string that is not Unicode text (a ``\\uD800`` escape alone, a lone
    surrogate, decodes to a value no database can store or compare), and ``password``, which is never returned
    (RFC 7643 §7) and so never matched: a client comparing it would only be told that nothing matches, and in a
    URL the password itself travels where logs and proxies keep it (RFC 7644 §7.5.2, scimType ``sensitive``)."""
    # Each part, and whether it sits inside brackets (where names are a multi-valued attribute's sub-attributes).
    pending: list[tuple[Filter, bool]] = [(node, False)]
    while pending:
        part, bracketed = pending.pop()
        if isinstance(part, And | Or):
            pending += ((part.left, bracketed), (part.right, bracketed))
        elif isinstance(part, Not):
            pending.append((part.inner, bracketed))
        elif isinstance(part, ValuePath):
            pending.append((part.filter, True))
        elif isinstance(part, Compare | Present):
            if not bracketed and part.path.attr.lower() == "password" and part.path.sub is None:
                _refuse_password(part.path.render(), in_uri)
            if isinstance(part, Compare) and isinstance(part.value, str):
                try:
                    part.value.encode("utf-8")
                except UnicodeEncodeError as error:
                    raise invalid_filter(
                        f"The value compared with '{part.path.render()}' holds a lone surrogate ({part.value!r}), "
                        "which is not text."
                    ) from error


def _refuse_password(path: str, in_uri: bool) -> None:
    if in_uri:
        raise bad_request(
            f"The filter compares '{path}': a password must not be sent in a URL, where logs and proxies keep it "
            "(RFC 7644 §7.5.2). BlogIn never returns or compares passwords; filter on userName or emails instead.",
            "sensitive",
        )
    raise invalid_filter(
        f"The filter compares '{path}', which BlogIn never returns or compares (RFC 7643 §7: returned \"never\"); "
        "filter on userName or emails instead."
    )


# ``emails[type eq "work"].value eq "x"``: a PATCH path's form (RFC 7644 §3.5.2) used as a filter.
_SUB_AFTER_BRACKETS = re.compile(r"^\s*([\w:.$-]+)\[(.+)\]\.([\w$-]+)\s+(.+?)\s*$", re.DOTALL)


def _parsed_filter(text: str) -> Filter:
    """``text`` parsed; a sub-attribute after a bracketed value filter, which only PATCH paths allow, is
    refused with the filter that says it (RFC 7644 §3.4.2.2: the condition goes inside the brackets)."""
    try:
        return parse_filter(text)
    except ScimError:
        written = _SUB_AFTER_BRACKETS.match(text)
        if written is None:
            raise
        attribute, inner, sub, comparison = written.groups()
        if re.search(r"\sor\s", inner, re.IGNORECASE):
            inner = f"({inner})"
        raise invalid_filter(
            f"A filter cannot name a sub-attribute after [...] (RFC 7644 §3.4.2.2); put the condition inside "
            f"the brackets: {attribute}[{inner} and {sub} {comparison}]"
        ) from None


def list_query(params: Mapping[str, Any], *, in_uri: bool = True) -> ListQuery:
    """From URL query parameters, or (``in_uri`` false) a SearchRequest body; parameter names are
    case-insensitive."""
    if not params:
        # Every create and most reads by id: nothing to read (about 10 µs of CPU saved per request).
        return ListQuery()
    lowered = {str(k).lower(): v for k, v in params.items()}
    raw_filter = lowered.get("filter")
    parsed: Filter | None = None
    if raw_filter is not None:
        if not isinstance(raw_filter, str):
            raise ScimError(400, "'filter' must be a string.", "invalidFilter")
        if raw_filter.strip():
            parsed = _parsed_filter(raw_filter)
            _check_compared(parsed, in_uri)
    # RFC 7644 §3.4.2.4: startIndex below 1 is read as 1; a negative count as 0.
    start = max(1, _integer(lowered.get("startindex", 1), "startIndex"))
    count = max(0, min(_integer(lowered.get("count", DEFAULT_COUNT), "count"), MAX_RESULTS))
    sort_by = lowered.get("sortby")
    if sort_by is not None and not isinstance(sort_by, str):
        raise invalid_value("'sortBy' must be an attribute name.")
    order = lowered.get("sortorder") or "ascending"
    if not isinstance(order, str) or order.lower() not in ("ascending", "descending"):
        raise invalid_value("'sortOrder' must be 'ascending' or 'descending'.")
    attributes = _names(lowered.get("attributes"), "attributes")
    excluded = _names(lowered.get("excludedattributes"), "excludedAttributes")
    return ListQuery(
        filter=parsed,
        start_index=start,
        count=count,
        sort_by=sort_by.strip() if sort_by and sort_by.strip() else None,
        descending=order.lower() == "descending",
        attributes=attributes,
        excluded=excluded,
    )


def list_response(total: int, start_index: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
