"""A SCIM 2.0 client (RFC 7644) as an identity provider uses it to provision an application.

:class:`ScimClient` speaks in users, groups and pages; sending, recording and failure kinds are
:mod:`sandbox.scim.transport`'s (re-exported here, so callers import one module). Every HTTP
exchange is handed to ``on_exchange`` in the shape of :func:`sandbox.scim.exchange.exchange` (token
masked), so the caller can keep it for the SCIM traffic view. Failures are raised as
:class:`ScimRequestError` with a ``kind`` a person can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from sandbox.scim import listing
from sandbox.scim.app_resources import ScimGroup, ScimUser, UserPage, require_id, resource_id
from sandbox.scim.transport import (
    CONFLICT,
    FORBIDDEN,
    INVALID_JSON,
    MISSING_ID,
    NOT_FOUND,
    NOT_SCIM,
    NOT_SUPPORTED,
    RATE_LIMITED,
    REDIRECTED,
    REJECTED,
    RETRYABLE,
    SCIM_JSON,
    SERVER_ERROR,
    TIMEOUT,
    UNAUTHORIZED,
    UNREACHABLE,
    UNTRUSTED_CERTIFICATE,
    ExchangeRecorder,
    ScimRequestError,
    ScimTransport,
    list_resources,
    path_segment,
    quote,
    total_results,
)

__all__ = [
    "CONFLICT",
    "ENTERPRISE_USER_SCHEMA",
    "FORBIDDEN",
    "GROUP_SCHEMA",
    "INVALID_JSON",
    "LIST_SCHEMA",
    "MISSING_ID",
    "NOT_FOUND",
    "NOT_SCIM",
    "NOT_SUPPORTED",
    "PATCH_SCHEMA",
    "RATE_LIMITED",
    "REDIRECTED",
    "REJECTED",
    "RETRYABLE",
    "SCIM_JSON",
    "SERVER_ERROR",
    "TIMEOUT",
    "UNAUTHORIZED",
    "UNREACHABLE",
    "UNTRUSTED_CERTIFICATE",
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


def _with_schemas(body: dict[str, Any], schema: str) -> dict[str, Any]:
    """``body`` as given when it has ``schemas``; else with ``schemas`` naming ``schema`` first."""
    return body if "schemas" in body else {"schemas": [schema], **body}


# Pages a lookup reads, at most, from a server that ignores its filter and pages through everyone.
MAX_LOOKUP_PAGES = 50


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
        """``GET /Users?filter=userName eq "…"``: the application's user with that userName, if any.

        userName is compared here too, case-insensitively (RFC 7643 §4.1.1): a server that ignores
        the filter answers with other users, and none of them is ever taken for this one.
        """
        found = self._find("Users", "userName", user_name, operation, attempt)
        if found is None:
            return None
        require_id(found, f"its user {user_name}", self._transport.where)
        return ScimUser.from_body(found)

    def find_users(
        self, user_names: Sequence[str], *, operation: str | None = None, attempt: int = 1
    ) -> dict[str, ScimUser | None]:
        """Several lookups in one ``GET /Users?filter=userName eq "a" or userName eq "b" …``.

        Answers, by lower-cased userName, the users the application has and ``None`` for those it
        provably has not: the latter only when the answer holds every match (``totalResults`` no
        more than the resources returned), since userName is unique in an application. A name the
        answer does not settle (nor one whose user came without an id) is left out, for the caller
        to look up on its own. A server without ``or`` filters refuses the request (400
        ``invalidFilter``), raised as ``REJECTED``.
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
        unsettled: set[str] = set()
        for resource in resources:
            key = str(resource.get("userName", "")).lower()
            if key in wanted and key not in settled:
                if resource_id(resource):
                    settled[key] = ScimUser.from_body(resource)
                else:
                    unsettled.add(key)
        total = total_results(body)
        if total is not None and total <= len(resources):
            for key in wanted.keys() - unsettled:
                settled.setdefault(key, None)
        return settled

    def create_user(self, body: dict[str, Any], *, operation: str | None = None, attempt: int = 1) -> ScimUser:
        """``POST /Users``; the created user as the application answered it (an id is required). A body without
        ``schemas`` is sent naming the User schema, which RFC 7643 §3 requires."""
        answer = self._send(
            "POST", "/Users", json_body=_with_schemas(body, USER_SCHEMA), operation=operation, attempt=attempt
        )
        require_id(answer, f"the user it created ({body.get('userName', '')})", self._transport.where)
        return ScimUser.from_body(answer)

    def patch_user(
        self, user_id: str, operations: list[dict[str, Any]], *, operation: str | None = None, attempt: int = 1
    ) -> None:
        self._send(
            "PATCH",
            f"/Users/{path_segment(user_id)}",
            json_body={"schemas": [PATCH_SCHEMA], "Operations": operations},
            operation=operation,
            attempt=attempt,
        )

    def delete_user(self, user_id: str, *, operation: str | None = None, attempt: int = 1) -> None:
        self._send("DELETE", f"/Users/{path_segment(user_id)}", operation=operation, attempt=attempt)

    def list_users(self, start_index: int = 1, count: int = 100) -> UserPage:
        """One page of ``GET /Users?startIndex=…&count=…``."""
        body = self._send("GET", "/Users", params={"startIndex": str(start_index), "count": str(count)})
        resources = list_resources(body)
        total = total_results(body)
        return UserPage(
            total_results=total if total is not None else len(resources),
            start_index=start_index,
            users=[ScimUser.from_body(r) for r in resources],
            reported_total=total,
        )

    def all_users(self, page_size: int = 100, *, parallel: int = 1) -> list[ScimUser]:
        """Every user of the application, each once, page by page (see :func:`listing.all_users`);
        ``parallel`` pages at a time once the first has told the total."""
        return listing.all_users(self, page_size, parallel).users

    def list_all_users(self, page_size: int = 100, *, parallel: int = 1) -> listing.ListedUsers:
        """As :meth:`all_users`, with how many users the server said it holds."""
        return listing.all_users(self, page_size, parallel)

    # -- Groups --------------------------------------------------------------------------------

    def find_group(self, display_name: str, *, operation: str | None = None, attempt: int = 1) -> ScimGroup | None:
        """``GET /Groups?filter=displayName eq "…"``: the application's group of that name, if any."""
        found = self._find("Groups", "displayName", display_name, operation, attempt)
        if found is None:
            return None
        require_id(found, f"its group {display_name}", self._transport.where)
        return ScimGroup.from_body(found)

    def create_group(self, body: dict[str, Any], *, operation: str | None = None, attempt: int = 1) -> ScimGroup:
        """``POST /Groups``; the created group as the application answered it (an id is required). A body without
        ``schemas`` is sent naming the Group schema, which RFC 7643 §3 requires."""
        answer = self._send(
            "POST", "/Groups", json_body=_with_schemas(body, GROUP_SCHEMA), operation=operation, attempt=attempt
        )
        require_id(answer, f"the group it created ({body.get('displayName', '')})", self._transport.where)
        return ScimGroup.from_body(answer)

    def patch_group(
        self, group_id: str, operations: list[dict[str, Any]], *, operation: str | None = None, attempt: int = 1
    ) -> None:
        self._send(
            "PATCH",
            f"/Groups/{path_segment(group_id)}",
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
        self._send("DELETE", f"/Groups/{path_segment(group_id)}", operation=operation, attempt=attempt)

    # -- lookups ---------------------------------------------------------------------------------

    def _find(
        self, collection: str, attribute: str, value: str, operation: str | None, attempt: int
    ) -> dict[str, Any] | None:
        """The resource of ``collection`` whose ``attribute`` equals ``value`` case-insensitively.

        A filtered answer holds one match at most (a SCIM 404 error: none). A server that ignores the
        filter answers with every resource, perhaps a page of them: the match is picked out here, and
        the next pages are read while the answer says it holds more, so absence is concluded only
        from all of them.
        """
        wanted = value.lower()
        expression = f'{attribute} eq "{quote(value)}"'
        params = {"filter": expression}
        start, seen = 1, 0
        keys: set[str] = set()
        for _page in range(MAX_LOOKUP_PAGES):
            try:
                body = self._send("GET", f"/{collection}", params=params, operation=operation, attempt=attempt)
            except ScimRequestError as error:
                # Some servers answer a filter that matches nobody with a SCIM 404 error instead of an
                # empty list (a 404 that is not a SCIM error is NOT_SCIM, a wrong Base URL).
                if error.kind == NOT_FOUND:
                    return None
                raise
            resources = list_resources(body)
            for resource in resources:
                if str(resource.get(attribute, "")).lower() == wanted:
                    return resource
            total = total_results(body)
            seen += len(resources)
            start += len(resources)
            fresh = {f"{resource_id(r)}\n{r.get(attribute, '')}" for r in resources} - keys
            keys |= fresh
            # Without a totalResults, other resources in the answer say the filter was ignored: the
            # next page is asked for until one comes back empty.
            if not resources or (total is not None and seen >= total):
                return None
            if not fresh:
                raise ScimRequestError(
                    REJECTED,
                    f"{self._transport.where} answered the lookup of {value} with the same other {collection.lower()} "
                    "page after page: it ignores the filter and startIndex, so JumpCloud cannot tell whether "
                    f"{value} exists.",
                )
            params = {"filter": expression, "startIndex": str(start), "count": str(len(resources))}
        raise ScimRequestError(
            REJECTED,
            f"{self._transport.where} answered the lookup of {value} with {MAX_LOOKUP_PAGES} pages of other "
            f"{collection.lower()}: it ignores the filter, so JumpCloud cannot tell whether {value} exists.",
        )
