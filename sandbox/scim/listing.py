"""Listing every user of an application, as the manual import does, from any server.

Servers get paging wrong in many ways (``count`` or ``startIndex`` ignored, ``startIndex`` counted
from 0, a ``totalResults`` that does not match the pages): the listing still ends, and lists each
user once.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.scim.answers import ScimRequestError
from sandbox.scim.app_resources import ScimUser, UserPage

if TYPE_CHECKING:
    from sandbox.scim.client import ScimClient

# Pages a listing reads, at most: a server that keeps inventing users cannot keep an import going.
MAX_LISTING_PAGES = 1000


@dataclass
class ListedUsers:
    """What a listing found: the users, each once, and how many the server said it holds."""

    users: list[ScimUser]
    #: ``totalResults`` of the last page read (None when the server did not say)
    reported_total: int | None

    @property
    def unreached(self) -> int:
        """How many users the server reported that its pages never held (0 when it did not say)."""
        return max(0, (self.reported_total or 0) - len(self.users))


def all_users(client: ScimClient, page_size: int = 100, parallel: int = 1) -> ListedUsers:
    """Every user of the application, each once, page by page.

    The listing ends at a page that comes back empty or brings no user not listed already, or at
    ``totalResults`` once a page comes back short, so a server that ignores ``count`` or
    ``startIndex``, counts from 0 or reports a wrong total still ends (after
    ``MAX_LISTING_PAGES`` at most). A user listed twice is kept once, by id; a user without an id,
    which cannot be asked for again, is left out. When the pages hold fewer users than the server
    reported, ``startIndex=0`` is asked for once: a server counting from 0 answers it with the
    user it skipped, and one that follows RFC 7644 (which reads it as 1) with users already seen.

    With ``parallel`` above 1, once the first page has told the total, the other pages are
    fetched that many at a time (each is an independent ``startIndex``): the listing then waits
    for the server's pages side by side instead of one after another. Users and recorded
    exchanges still come in page order.
    """
    listing = _Listing()
    last = client.list_users(1, page_size)
    fresh = listing.add(last.users)
    start = 1 + len(last.users)
    pages = 1
    # Side by side only when the server gives full pages: the strides must meet end to end.
    if parallel > 1 and fresh == page_size and last.reported_total is not None:
        starts = list(range(start, last.reported_total + 1, page_size))[: MAX_LISTING_PAGES - 1]
        for page in _pages_side_by_side(client, starts, page_size, parallel) if starts else []:
            if page.start_index != start:
                break  # an earlier page came back short: the rest is read in order
            last, fresh = page, listing.add(page.users)
            start += len(page.users)
            pages += 1
            if not fresh or _listed_to_the_end(page, start, page_size):
                break
    while fresh and not _listed_to_the_end(last, start, page_size) and pages < MAX_LISTING_PAGES:
        last = client.list_users(start, page_size)
        fresh = listing.add(last.users)
        start += len(last.users)
        pages += 1
    if last.reported_total is not None and len(listing.users) < last.reported_total:
        # A server refusing startIndex=0 counts from 1: nothing was skipped at the start.
        with contextlib.suppress(ScimRequestError):
            listing.add(client.list_users(0, page_size).users)
    return ListedUsers(listing.users, last.reported_total)


def _pages_side_by_side(client: ScimClient, starts: list[int], page_size: int, parallel: int) -> list[UserPage]:
    """The pages at ``starts``, ``parallel`` at a time; their exchanges recorded in page order."""
    recorder = client.on_exchange
    local = threading.local()
    recorded: dict[int, list[dict[str, Any]]] = {start: [] for start in starts}

    def keep(exchange: dict[str, Any]) -> None:
        recorded[local.start].append(exchange)

    def fetch(start: int) -> UserPage:
        local.start = start
        return client.list_users(start, page_size)

    client.on_exchange = keep if recorder is not None else None
    try:
        with ThreadPoolExecutor(min(parallel, len(starts)), thread_name_prefix="scim-listing") as pool:
            futures = [pool.submit(fetch, start) for start in starts]
            pages: list[UserPage] = []
            failure: BaseException | None = None
            for future in futures:
                try:
                    pages.append(future.result())
                except BaseException as error:  # the first failure, in page order, is raised
                    failure = failure or error
    finally:
        client.on_exchange = recorder
        if recorder is not None:
            for start in starts:
                for exchange in recorded[start]:
                    recorder(exchange)
    if failure is not None:
        raise failure
    return pages


class _Listing:
    """The users of a listing so far, each once by id, in the order they came."""

    def __init__(self) -> None:
        self.users: list[ScimUser] = []
        self._ids: set[str] = set()

    def add(self, users: list[ScimUser]) -> int:
        """Keep the users not listed before; how many those were."""
        before = len(self.users)
        for user in users:
            if user.id and user.id not in self._ids:
                self._ids.add(user.id)
                self.users.append(user)
        return len(self.users) - before


def _listed_to_the_end(page: UserPage, next_start: int, page_size: int) -> bool:
    """Whether ``page`` was the listing's last: empty, or short of ``page_size`` once ``totalResults``
    is reached (a full page there may be followed by more, from a server that under-counts)."""
    if not page.users:
        return True
    reached = page.reported_total is None or next_start > page.reported_total
    return reached and len(page.users) < page_size
