"""The Directory Insights API: ``POST /insights/directory/v1/events`` with ``x-api-key``.

Body ``{"service": ["all"], "start_time": "...", "end_time"?, "limit"?, "sort"?, "search_after"?,
"search_term"?, "fields"?}``; the answer is a JSON array of stored records, with the headers
``X-Result-Count``, ``X-Limit`` and, when more may follow, ``X-Search_after`` to pass back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import DirectoryInsightsEvent
from sandbox.jumpcloud.services.insights_search import EventFilter, InsightsQueryError, events_page
from sandbox.jumpcloud.web.api_common import MAX_INTEGER, ApiError, api_blueprint, api_key_required, json_body, route
from sandbox.webcommon import db

bp = api_blueprint("api_insights")

MAX_LIMIT = 10_000


def _time(body: dict[str, Any], name: str, *, required: bool) -> datetime | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, f"Bad Request: {name} is required (RFC 3339, for example 2024-01-31T00:00:00Z).")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"Bad Request: {name} must be an RFC 3339 string.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        # An offset can move a time at the ends of the calendar past year 1 or 9999.
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ApiError(400, f"Bad Request: {name} {value!r} is not an RFC 3339 time.") from None


def _services(body: dict[str, Any]) -> list[str]:
    services = body.get("service")
    if isinstance(services, str):
        services = [services]
    if not isinstance(services, list) or not services or not all(isinstance(s, str) for s in services):
        raise ApiError(400, 'Bad Request: service is required, a list such as ["all"] or ["directory", "sso"].')
    return [] if "all" in services else services


def _limit(body: dict[str, Any]) -> int:
    limit = body.get("limit", MAX_LIMIT)
    # ASCII digits only, and not more than a limit has: "²".isdigit() is true, yet int() refuses it.
    if isinstance(limit, str) and limit.isascii() and limit.isdigit() and len(limit) <= 9:
        limit = int(limit)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"Bad Request: limit must be an integer from 1 to {MAX_LIMIT}.")
    return limit


def _search_after(body: dict[str, Any]) -> tuple[datetime, int] | None:
    """``search_after`` as returned in ``X-Search_after``: ``[<epoch milliseconds>, <sequence>]``."""
    value = body.get("search_after")
    if value in (None, []):
        return None
    try:
        millis, seq = int(value[0]), int(value[1])
        approximate = datetime.fromtimestamp(millis / 1000, UTC)
        if not 0 <= seq <= MAX_INTEGER:
            raise ValueError(seq)
    except (TypeError, ValueError, IndexError, KeyError, OverflowError, OSError):
        raise ApiError(400, "Bad Request: search_after is the value of the previous X-Search_after header.") from None
    # The stored timestamp is finer than the milliseconds shown: take it from the event itself.
    exact = db().get(DirectoryInsightsEvent, seq)
    return (exact.timestamp, seq) if exact is not None else (approximate, seq)


def _project(record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    if not fields:
        return record
    return {name: record[name] for name in fields if name in record}


@route(bp, "/insights/directory/v1/events", "POST")
@api_key_required
def events() -> Response:
    body = json_body()
    fields = body.get("fields")
    if fields is not None and (not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)):
        raise ApiError(400, "Bad Request: fields is a list of field names.")
    sort = body.get("sort", "ASC")
    if not isinstance(sort, str) or sort.upper() not in ("ASC", "DESC"):
        raise ApiError(400, 'Bad Request: sort is "ASC" or "DESC".')
    search_term = body.get("search_term") or {}
    if not isinstance(search_term, dict):
        raise ApiError(400, 'Bad Request: search_term is an object with "and" and/or "or".')
    where = EventFilter(
        services=_services(body),
        start=_time(body, "start_time", required=True),
        end=_time(body, "end_time", required=False),
        search_term=search_term,
    )
    limit = _limit(body)
    try:
        rows = events_page(db(), where, limit=limit, newest_first=sort.upper() == "DESC", after=_search_after(body))
    except InsightsQueryError as error:
        raise ApiError(400, f"Bad Request: {error}") from None
    response = jsonify([_project(row.record, fields) for row in rows])
    response.headers["X-Result-Count"] = str(len(rows))
    response.headers["X-Limit"] = str(limit)
    if rows:
        last = rows[-1]
        response.headers["X-Search_after"] = json.dumps([int(last.timestamp.timestamp() * 1000), last.seq])
    return response
