"""INSIGHTS › Directory Insights: every event, filtered, newest first, each expandable to its JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template, request, url_for

from sandbox.jumpcloud.services.insights_search import (
    EventFilter,
    event_types,
    events_page,
    position_of,
    services_present,
)
from sandbox.jumpcloud.web.context import admin_required
from sandbox.webcommon import db

bp = Blueprint("insights", __name__, url_prefix="/insights")

PER_PAGE = 50
FILTER_ARGS = ("event_type", "service", "start", "end", "q")


def _moment(text: str) -> datetime | None:
    """A ``datetime-local`` value read as UTC; None when blank or unreadable."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


@bp.get("")
@admin_required
def index() -> str:
    args = {name: request.args.get(name, "").strip()[:200] for name in FILTER_ARGS}
    problems = [
        f"“{args[name]}” is not a date and time; the {label} filter was left out."
        for name, label in (("start", "From"), ("end", "To"))
        if args[name] and _moment(args[name]) is None
    ]
    where = EventFilter(
        services=[args["service"]] if args["service"] else [],
        event_type=args["event_type"],
        start=_moment(args["start"]),
        end=_moment(args["end"]),
        text=args["q"],
    )
    session = db()
    before = position_of(session, request.args.get("before", "")) if request.args.get("before") else None
    after = position_of(session, request.args.get("after", "")) if request.args.get("after") else None
    if after is not None:
        # Newer page: walk forward from the position, then show it newest first like every page.
        rows = list(reversed(events_page(session, where, limit=PER_PAGE + 1, newest_first=False, after=after)))
        has_newer = len(rows) > PER_PAGE
        rows = rows[-PER_PAGE:] if has_newer else rows
        has_older = True
    else:
        rows = events_page(session, where, limit=PER_PAGE + 1, after=before)
        has_older = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        has_newer = before is not None
    filters: dict[str, Any] = {name: value for name, value in args.items() if value}
    return render_template(
        "insights/index.html",
        rows=[(row, json.dumps(row.record, indent=2, sort_keys=True)) for row in rows],
        args=args,
        problems=problems,
        types=event_types(session),
        services=services_present(session),
        older_url=url_for("insights.index", before=rows[-1].id, **filters) if rows and has_older else None,
        newer_url=url_for("insights.index", after=rows[0].id, **filters) if rows and has_newer else None,
        newest_url=url_for("insights.index", **filters) if has_newer else None,
        filtered=bool(filters),
    )
