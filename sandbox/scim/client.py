"""A SCIM 2.0 client (RFC 7644) as an identity provider uses it to provision an application.

:class:`ScimClient` speaks in users, groups and pages; sending, recording and failure kinds are
:mod:`sandbox.scim.transport`'s (re-exported here, so callers import one module). Every HTTP
exchange is handed to ``on_exchange`` in the shape of :func:`sandbox.scim.exchange.exchange` (token
masked), so the caller can keep it for the SCIM traffic view. Failures are raised as
:class:`ScimRequestError` with a ``kind`` a person can act on.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox.scim.transport import (
    CONFLICT,
    FORBIDDEN,
    INVALID_JSON,
    NOT_FOUND,
    NOT_SCIM,
    NOT_SUPPORTED,
    RATE_LIMITED,
    REJECTED,
    RETRYABLE,
    SCIM_JSON,
    SERVER_ERROR,
    TIMEOUT,
    UNAUTHORIZED,
    UNREACHABLE,
    ExchangeRecorder,
    ScimRequestError,
    ScimTransport,
    list_resources,
    quote,
)

__all__ = [
    "CONFLICT",
    "ENTERPRISE_USER_SCHEMA",
    "FORBIDDEN",
    "GROUP_SCHEMA",
    "INVALID_JSON",
    "LIST_SCHEMA",
    "NOT_FOUND",
    "NOT_SCIM",
    "NOT_SUPPORTED",
    "PATCH_SCHEMA",
    "RATE_LIMITED",
    "REJECTED",
    "RETRYABLE",
    "SCIM_JSON",
    "SERVER_ERROR",
    "TIMEOUT",
    "UNAUTHORIZED",
    "UNREACHABLE",
    "USER_SCHEMA",
    "ExchangeRecorder",
    "ScimClient",
    "ScimGroup",
    "ScimRequestError",
    "ScimUser",
    "UserPage",
]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@dataclass(frozen=True)
class ScimUser:
    """The parts of an application's User resource the provisioning engine reads."""

    id: str
    user_name: str
    active: bool
    emails: list[str]
    given_name: str
    family_name: str
    display_name: str
    external_id: str | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def primary_email(self) -> str:
        return self.emails[0] if self.emails else ""

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ScimUser:
        emails = body.get("emails") or []
        ordered = sorted(
            (e for e in emails if isinstance(e, dict) and e.get("value")), key=lambda e: not e.get("primary")
        )
        name = body.get("name") or {}
        return cls(
            id=str(body.get("id", "")),
            user_name=str(body.get("userName", "")),
            active=bool(body.get("active", True)),
            emails=[str(e["value"]) for e in ordered],
            given_name=str(name.get("givenName") or ""),
            family_name=str(name.get("familyName") or ""),
            display_name=str(body.get("displayName") or ""),
            external_id=body.get("externalId"),
            raw=dict(body),
        )


@dataclass(frozen=True)
class ScimGroup:
    id: str
    display_name: str
    member_ids: list[str]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ScimGroup:
        members = body.get("members") or []
        return cls(
            id=str(body.get("id", "")),
            display_name=str(body.get("displayName", "")),
            member_ids=[str(m["value"]) for m in members if isinstance(m, dict) and m.get("value")],
            raw=dict(body),
        )


@dataclass(frozen=True)
class UserPage:
    total_results: int
    start_index: int
    users: list[ScimUser]


class ScimClient:
    """Talks to one SCIM service provider at ``base_url`` with a bearer token (``client``: a shared
    ``httpx.Client`` or bare transport, see :class:`ScimTransport`)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        on_exchange: ExchangeRecorder | None = None,
        client: httpx.Client | httpx.BaseTransport | None = None,
    ) -> None:
        self._transport = ScimTransport(base_url, token, timeout=timeout, on_exchange=on_exchange, client=client)
        self.base_url = self._transport.base_url
        self._send = self._transport.send

    @property
    def on_exchange(self) -> ExchangeRecorder | None:
        """Called with every exchange (token and passwords masked)."""
        return self._transport.on_exchange

    @on_exchange.setter
    def on_exchange(self, recorder: ExchangeRecorder | None) -> None:
        self._transport.on_exchange = recorder

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> ScimClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- Users ---------------------------------------------------------------------------------

    def find_user(self, user_name: str, *, operation: str | None = None, attempt: int = 1) -> ScimUser | None:
        """``GET /Users?filter=userName eq "…"``: the application's user with that userName, if any."""
        body = self._send(
            "GET",
            "/Users",
            params={"filter": f'userName eq "{quote(user_name)}"'},
            operation=operation,
            attempt=attempt,
        )
        for resource in list_resources(body):
            if str(resource.get("userName", "")).lower() == user_name.lower():
                return ScimUser.from_body(resource)
        return None

    def find_users(
        self, user_names: Sequence[str], *, operation: str | None = None, attempt: int = 1
    ) -> dict[str, ScimUser | None]:
        """Several lookups in one ``GET /Users?filter=userName eq "a" or userName eq "b" …``.

        Answers, by lower-cased userName, the users the application has and ``None`` for those it
        provably has not: the latter only when the answer holds every match (``totalResults`` no
        more than the resources returned), since userName is unique in an application. A name the
        answer does not settle is left out, for the caller to look up on its own. A server without
        ``or`` filters refuses the request (400 ``invalidFilter``), raised as ``REJECTED``.
        """
        wanted = {name.lower(): name for name in user_names}
        if not wanted:
            return {}
        expression = " or ".join(f'userName eq "{quote(name)}"' for name in wanted.values())
        body = self._send(
            "GET",
            "/Users",
            params={"filter": expression, "count": str(len(wanted))},
            operation=operation,
            attempt=attempt,
        )
        resources = list_resources(body)
        settled: dict[str, ScimUser | None] = {}
        for resource in resources:
            key = str(resource.get("userName", "")).lower()
            if key in wanted and key not in settled:
                settled[key] = ScimUser.from_body(resource)
        total = body.get("totalResults")
        if isinstance(total, int) and not isinstance(total, bool) and total <= len(resources):
            for key in wanted:
                settled.setdefault(key, None)
        return settled

    def create_user(self, body: dict[str, Any], *, operation: str | None = None, attempt: int = 1) -> ScimUser:
        return ScimUser.from_body(self._send("POST", "/Users", json_body=body, operation=operation, attempt=attempt))

    def patch_user(
        self, user_id: str, operations: list[dict[str, Any]], *, operation: str | None = None, attempt: int = 1
    ) -> None:
        self._send(
            "PATCH",
            f"/Users/{user_id}",
            json_body={"schemas": [PATCH_SCHEMA], "Operations": operations},
            operation=operation,
            attempt=attempt,
        )

    def delete_user(self, user_id: str, *, operation: str | None = None, attempt: int = 1) -> None:
        self._send("DELETE", f"/Users/{user_id}", operation=operation, attempt=attempt)

    def list_users(self, start_index: int = 1, count: int = 100) -> UserPage:
        """One page of ``GET /Users?startIndex=…&count=…``."""
        body = self._send("GET", "/Users", params={"startIndex": str(start_index), "count": str(count)})
        resources = list_resources(body)
        total = body.get("totalResults") if isinstance(body, dict) else None
        return UserPage(
            total_results=int(total) if isinstance(total, int) else len(resources),
            start_index=start_index,
            users=[ScimUser.from_body(r) for r in resources],
        )

    def all_users(self, page_size: int = 100, *, parallel: int = 1) -> list[ScimUser]:
        """Every user of the application, page by page until ``totalResults`` is reached.

        With ``parallel`` above 1, once the first page has told the total, the other pages are
        fetched that many at a time (each is an independent ``startIndex``): the listing then waits
        for the server's pages side by side instead of one after another. Users and recorded
        exchanges still come in page order.
        """
        first = self.list_users(1, page_size)
        users = list(first.users)
        start = 1 + len(first.users)
        if not first.users or len(users) >= first.total_results:
            return users
        # Side by side only when the server gives full pages: the strides must meet end to end.
        if parallel > 1 and len(first.users) == page_size:
            total = first.total_results
            for page in self._pages_side_by_side(list(range(start, total + 1, page_size)), page_size, parallel):
                if page.start_index != start:
                    break  # an earlier page came back short: the rest is read in order
                users.extend(page.users)
                start += len(page.users)
                total = page.total_results
                if not page.users:
                    return users
            if len(users) >= total:
                return users
        while True:
            page = self.list_users(start, page_size)
            users.extend(page.users)
            start += len(page.users)
            if not page.users or len(users) >= page.total_results:
                return users

    def _pages_side_by_side(self, starts: list[int], page_size: int, parallel: int) -> list[UserPage]:
        recorder = self.on_exchange
        local = threading.local()
        recorded: dict[int, list[dict[str, Any]]] = {start: [] for start in starts}

        def keep(exchange: dict[str, Any]) -> None:
            recorded[local.start].append(exchange)

        def fetch(start: int) -> UserPage:
            local.start = start
            return self.list_users(start, page_size)

        self.on_exchange = keep if recorder is not None else None
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
            self.on_exchange = recorder
            if recorder is not None:
                for start in starts:
                    for exchange in recorded[start]:
                        recorder(exchange)
        if failure is not None:
            raise failure
        return pages

    # -- Groups --------------------------------------------------------------------------------

    def find_group(self, display_name: str, *, operation: str | None = None, attempt: int = 1) -> ScimGroup | None:
        body = self._send(
            "GET",
            "/Groups",
            params={"filter": f'displayName eq "{quote(display_name)}"'},
            operation=operation,
            attempt=attempt,
        )
        for resource in list_resources(body):
            if str(resource.get("displayName", "")).lower() == display_name.lower():
                return ScimGroup.from_body(resource)
        return None

    def create_group(self, body: dict[str, Any], *, operation: str | None = None, attempt: int = 1) -> ScimGroup:
        return ScimGroup.from_body(self._send("POST", "/Groups", json_body=body, operation=operation, attempt=attempt))

    def patch_group(
        self, group_id: str, operations: list[dict[str, Any]], *, operation: str | None = None, attempt: int = 1
    ) -> None:
        self._send(
            "PATCH",
            f"/Groups/{group_id}",
            json_body={"schemas": [PATCH_SCHEMA], "Operations": operations},
            operation=operation,
            attempt=attempt,
        )

    def update_group_members(
        self,
        group_id: str,
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        extra: Sequence[dict[str, Any]] = (),
        operation: str | None = None,
        attempt: int = 1,
    ) -> None:
        """One PATCH adding and removing members the way JumpCloud sends it (value lists).

        A server that refuses a ``remove`` carrying a value list (RFC 7644 §3.5.2.2 reads it as a
        filter path) gets the removals again as ``members[value eq "…"]`` paths.
        """
        operations = list(extra)
        if add:
            operations.append({"op": "add", "path": "members", "value": [{"value": i} for i in add]})
        if remove:
            operations.append({"op": "remove", "path": "members", "value": [{"value": i} for i in remove]})
        if not operations:
            return
        try:
            self.patch_group(group_id, operations, operation=operation, attempt=attempt)
        except ScimRequestError as error:
            if error.kind != REJECTED or not remove:
                raise
            operations = [op for op in operations if op["op"] != "remove"]
            operations += [{"op": "remove", "path": f'members[value eq "{quote(i)}"]'} for i in remove]
            self.patch_group(group_id, operations, operation=operation, attempt=attempt)

    def delete_group(self, group_id: str, *, operation: str | None = None, attempt: int = 1) -> None:
        self._send("DELETE", f"/Groups/{group_id}", operation=operation, attempt=attempt)
