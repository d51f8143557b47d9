"""Query-string handling shared by the portal's searchable, sortable, paginated lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for

PER_PAGE = 25


@dataclass(frozen=True)
class ListArgs:
    """``q``, ``sort``, ``dir`` and ``page`` of a list page, read leniently (bad values fall back)."""

    search: str
    sort: str
    descending: bool
    page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE

    def url(self, endpoint: str, **changes: object) -> str:
        """This list's URL with some arguments changed."""
        args: dict[str, Any] = {"q": self.search, "sort": self.sort, "dir": "desc" if self.descending else "asc"}
        args["page"] = self.page
        args.update(changes)
        return url_for(endpoint, **{key: value for key, value in args.items() if value not in ("", None)})

    def sort_url(self, endpoint: str, column: str) -> str:
        """Sort by ``column``; a second click on the current column reverses the order."""
        descending = not self.descending if column == self.sort else False
        return self.url(endpoint, sort=column, dir="desc" if descending else "asc", page=1)

    def arrow(self, column: str) -> str:
        if column != self.sort:
            return ""
        return "▼" if self.descending else "▲"


def list_args(sorts: tuple[str, ...] | list[str], default_sort: str) -> ListArgs:
    """Read the list arguments of the current request."""
    sort = request.args.get("sort", default_sort)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    return ListArgs(
        search=request.args.get("q", "").strip()[:200],
        sort=sort if sort in sorts else default_sort,
        descending=request.args.get("dir") == "desc",
        page=min(page, 100_000),
    )
