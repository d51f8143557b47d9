"""A SCIM 2.0 client (RFC 7644) as an identity provider uses it to provision an application.

Every HTTP exchange is handed to ``on_exchange`` in the shape of :func:`sandbox.scim.exchange.exchange`
(token masked), so the caller can keep it for the SCIM traffic view. Failures are raised as
:class:`ScimRequestError` with a ``kind`` a person can act on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from sandbox.http import http_client
from sandbox.scim.exchange import exchange

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

# ScimRequestError.kind
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
NOT_SCIM = "not_scim"
INVALID_JSON = "invalid_json"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
CONFLICT = "conflict"
REJECTED = "rejected"
NOT_SUPPORTED = "not_supported"

RETRYABLE = frozenset({UNREACHABLE, TIMEOUT, RATE_LIMITED, SERVER_ERROR})

ExchangeRecorder = Callable[[dict[str, Any]], None]


class ScimRequestError(Exception):
    """A SCIM request that did not succeed; ``kind`` says why, ``str()`` says it plainly."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


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
    """Talks to one SCIM service provider at ``base_url`` with a bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        on_exchange: ExchangeRecorder | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._own_client = client is None
        self._http = client or http_client(timeout=timeout)
        self._timeout = timeout
        self.on_exchange = on_exchange

    def close(self) -> None:
        if self._own_client:
            self._http.close()

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
            params={"filter": f'userName eq "{_quote(user_name)}"'},
            operation=operation,
            attempt=attempt,
        )
        for resource in _list_resources(body):
            if str(resource.get("userName", "")).lower() == user_name.lower():
                return ScimUser.from_body(resource)
        return None

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
        resources = _list_resources(body)
        total = body.get("totalResults") if isinstance(body, dict) else None
        return UserPage(
            total_results=int(total) if isinstance(total, int) else len(resources),
            start_index=start_index,
            users=[ScimUser.from_body(r) for r in resources],
        )

    def all_users(self, page_size: int = 100) -> list[ScimUser]:
        """Every user of the application, page by page until ``totalResults`` is reached."""
        users: list[ScimUser] = []
        start = 1
        while True:
            page = self.list_users(start, page_size)
            users.extend(page.users)
            start += len(page.users)
            if not page.users or len(users) >= page.total_results:
                return users

    # -- Groups --------------------------------------------------------------------------------

    def find_group(self, display_name: str, *, operation: str | None = None, attempt: int = 1) -> ScimGroup | None:
        body = self._send(
            "GET",
            "/Groups",
            params={"filter": f'displayName eq "{_quote(display_name)}"'},
            operation=operation,
            attempt=attempt,
        )
        for resource in _list_resources(body):
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
            operations += [{"op": "remove", "path": f'members[value eq "{_quote(i)}"]'} for i in remove]
            self.patch_group(group_id, operations, operation=operation, attempt=attempt)

    def delete_group(self, group_id: str, *, operation: str | None = None, attempt: int = 1) -> None:
        self._send("DELETE", f"/Groups/{group_id}", operation=operation, attempt=attempt)

    # -- the wire ------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        operation: str | None = None,
        attempt: int = 1,
    ) -> Any:
        url = f"{self.base_url}{path}"
        headers = {"Authorization": f"Bearer {self._token}", "Accept": f"{SCIM_JSON}, application/json"}
        content: bytes | None = None
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers["Content-Type"] = SCIM_JSON
        request = self._http.build_request(method, url, params=params, content=content, headers=headers)
        started = time.perf_counter()
        try:
            response = self._http.send(request)
        except httpx.TimeoutException as error:
            self._record(request, None, started, operation, attempt, error=f"timed out: {error}")
            raise ScimRequestError(
                TIMEOUT, f"The server at {self._where()} did not answer within {self._timeout:g} seconds."
            ) from error
        except httpx.HTTPError as error:
            self._record(request, None, started, operation, attempt, error=f"{type(error).__name__}: {error}")
            raise ScimRequestError(UNREACHABLE, f"Could not reach {self._where()}: {_reason(error)}.") from error
        self._record(request, response, started, operation, attempt)
        return _interpret(response, self._where())

    def _record(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        started: float,
        operation: str | None,
        attempt: int,
        *,
        error: str | None = None,
    ) -> None:
        if self.on_exchange is None:
            return
        body = _mask_password(request.content.decode("utf-8", "replace")) if request.content else None
        self.on_exchange(
            exchange(
                direction="sent",
                method=request.method,
                url=str(request.url),
                path=_scim_path(str(request.url), self.base_url),
                request_headers=dict(request.headers),
                request_body=body,
                status=response.status_code if response is not None else None,
                response_headers=dict(response.headers) if response is not None else {},
                response_body=response.text if response is not None else None,
                latency_ms=(time.perf_counter() - started) * 1000,
                error=error,
                operation=operation,
                attempt=attempt,
            )
        )

    def _where(self) -> str:
        parts = urlsplit(self.base_url)
        return parts.netloc or self.base_url


def _interpret(response: httpx.Response, where: str) -> Any:
    status = response.status_code
    body = _json_or_none(response)
    detail = _detail(body)
    if status in (200, 201):
        if body is None:
            if "json" not in response.headers.get("content-type", ""):
                raise ScimRequestError(
                    NOT_SCIM, f"{where} answered with a web page, not SCIM JSON: is the Base URL right?", status=status
                )
            raise ScimRequestError(INVALID_JSON, f"{where} answered with invalid JSON.", status=status)
        return body
    if status in (202, 204) or 200 <= status < 300:
        return body or {}
    if status == 401:
        raise ScimRequestError(UNAUTHORIZED, f"{where} refused the Token Key (401 Unauthorized).", status=status)
    if status == 403:
        raise ScimRequestError(FORBIDDEN, f"{where} refused access with this Token Key (403 Forbidden).", status=status)
    if status == 429:
        retry_after = _retry_after(response.headers.get("retry-after"))
        raise ScimRequestError(
            RATE_LIMITED, f"{where} asked to slow down (429 Too Many Requests).", status=status, retry_after=retry_after
        )
    if status >= 500:
        suffix = f": {detail}" if detail else ""
        raise ScimRequestError(SERVER_ERROR, f"{where} failed with {status}{suffix}.", status=status)
    if status == 404:
        if body is None or not _looks_like_scim(body):
            raise ScimRequestError(
                NOT_SCIM, f"{where} has no SCIM endpoint there (404): is the Base URL right?", status=404
            )
        raise ScimRequestError(
            NOT_FOUND, f"Not found in the application (404){': ' + detail if detail else ''}.", status=404
        )
    if status in (405, 501):
        raise ScimRequestError(NOT_SUPPORTED, f"{where} does not support this request ({status}).", status=status)
    if status == 409:
        raise ScimRequestError(CONFLICT, f"Conflict (409){': ' + detail if detail else ''}.", status=status)
    raise ScimRequestError(
        REJECTED, f"{where} rejected the request ({status}){': ' + detail if detail else ''}.", status=status
    )


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _looks_like_scim(body: Any) -> bool:
    return isinstance(body, dict) and ("schemas" in body or "detail" in body or "status" in body)


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("scimType") or ""
        return str(detail)[:300]
    return ""


def _list_resources(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise ScimRequestError(INVALID_JSON, "The list answer is not a SCIM ListResponse.")
    resources = body.get("Resources", [])
    if not isinstance(resources, list):
        raise ScimRequestError(INVALID_JSON, "The list answer has no Resources array.")
    return [r for r in resources if isinstance(r, dict)]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _reason(error: httpx.HTTPError) -> str:
    text = str(error).lower()
    if "refused" in text:
        return "connection refused"
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return "host name not found"
    return str(error) or type(error).__name__


def _mask_password(body: str) -> str:
    """Passwords travel to the application but never into the traffic record."""
    if '"password"' not in body:
        return body
    try:
        document = json.loads(body)
    except ValueError:
        return body
    _mask_in(document)
    return json.dumps(document)


def _mask_in(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if (key == "password" and isinstance(value, str)) or (key == "value" and node.get("path") == "password"):
                node[key] = "••••"
            else:
                _mask_in(value)
    elif isinstance(node, list):
        for item in node:
            _mask_in(item)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _scim_path(url: str, base_url: str) -> str:
    without_query = url.split("?", 1)[0]
    return without_query[len(base_url) :] if without_query.startswith(base_url) else urlsplit(url).path
