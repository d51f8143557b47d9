"""Querying Directory Insights events: filters shared by the portal page and the DI API, keyset paging.

Paging is by keyset on the indexed ``(timestamp, seq)`` so the newest page and the ten-thousandth
cost the same; only the free-text search has to read the records themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, false, or_, select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import DirectoryInsightsEvent
from sandbox.jumpcloud.services.directory_search import like_pattern

Event = DirectoryInsightsEvent


class InsightsQueryError(ValueError):
    """A search the DI API refuses (a bad ``search_term``, for example)."""


@dataclass(frozen=True)
class EventFilter:
    """What to look for. Empty fields do not filter."""

    services: Sequence[str] = ()
    event_type: str = ""
    start: datetime | None = None
    end: datetime | None = None
    text: str = ""
    # ``search_term`` of the DI API: {"and": [{path: value | [values]}], "or": [...]}.
    search_term: Mapping[str, Any] = field(default_factory=dict)

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions this filter stands for."""
        found: list[ColumnElement[bool]] = []
        services = [service for service in self.services if service and service != "all"]
        if services:
            found.append(Event.service.in_(services))
        if self.event_type:
            found.append(Event.event_type == self.event_type)
        if self.start is not None:
            found.append(Event.timestamp >= self.start)
        if self.end is not None:
            found.append(Event.timestamp <= self.end)
        if self.text.strip():
            found.append(cast(Event.record, Text).ilike(like_pattern(self.text.strip()), escape="\\"))
        found.extend(_search_term(self.search_term))
        return found


def _term_condition(path: str, value: Any) -> ColumnElement[bool]:
    if not isinstance(path, str) or not path or len(path) > 200:
        raise InsightsQueryError("search_term field names are dotted paths such as initiated_by.username")
    values = value if isinstance(value, list) else [value]
    if not values:
        return false()
    if path in ("event_type", "service"):
        column = Event.event_type if path == "event_type" else Event.service
        return column.in_([str(item) for item in values])
    element = Event.record[tuple(path.split("."))]
    alternatives: list[ColumnElement[bool]] = []
    for item in values:
        if isinstance(item, bool):
            alternatives.append(element.as_boolean() == item)
        elif isinstance(item, int | float):
            alternatives.append(element.as_float() == float(item))
        elif isinstance(item, str):
            alternatives.append(element.as_string() == item)
        else:
            raise InsightsQueryError(f"search_term value for {path} must be a string, number, boolean or a list")
    return or_(*alternatives)


def _terms(group: Any) -> list[ColumnElement[bool]]:
    items = group if isinstance(group, list) else [group]
    found: list[ColumnElement[bool]] = []
    for item in items:
        if not isinstance(item, dict):
            raise InsightsQueryError("search_term takes objects of field: value")
        found.extend(_term_condition(path, value) for path, value in item.items())
    return found


def _search_term(term: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    if not term:
        return []
    if not isinstance(term, Mapping) or set(term) - {"and", "or"}:
        raise InsightsQueryError('search_term is an object with "and" and/or "or"')
    found: list[ColumnElement[bool]] = []
    if "and" in term:
        found.extend(_terms(term["and"]))
    if "or" in term:
        alternatives = _terms(term["or"])
        if alternatives:
            found.append(or_(*alternatives))
    return found


def events_page(
    session: Session,
    where: EventFilter,
    *,
    limit: int,
    newest_first: bool = True,
    after: tuple[datetime, int] | None = None,
) -> list[DirectoryInsightsEvent]:
    """Up to ``limit`` events past the keyset position ``after`` (exclusive) in the chosen order."""
    query = select(Event).where(*where.conditions())
    if after is not None:
        moment, seq = after
        if newest_first:
            query = query.where(or_(Event.timestamp < moment, and_(Event.timestamp == moment, Event.seq < seq)))
        else:
            query = query.where(or_(Event.timestamp > moment, and_(Event.timestamp == moment, Event.seq > seq)))
    if newest_first:
        query = query.order_by(Event.timestamp.desc(), Event.seq.desc())
    else:
        query = query.order_by(Event.timestamp.asc(), Event.seq.asc())
    return list(session.scalars(query.limit(limit)))


def position_of(session: Session, event_id: str) -> tuple[datetime, int] | None:
    """The keyset position of the event with this id, or None when there is no such event."""
    row = session.execute(select(Event.timestamp, Event.seq).where(Event.id == event_id)).first()
    return None if row is None else (row[0], row[1])


def event_types(session: Session) -> list[str]:
    """The event types present, for the page's filter."""
    return list(session.scalars(select(Event.event_type).distinct().order_by(Event.event_type)))


def services_present(session: Session) -> list[str]:
    """The services present, for the page's filter."""
    return list(session.scalars(select(Event.service).distinct().order_by(Event.service)))
