"""Sending one SCIM request (RFC 7644) and recording the exchange.

:class:`ScimTransport` adds the Bearer token and the SCIM media types, hands every exchange to
``on_exchange`` in the shape of :func:`sandbox.scim.exchange.exchange` (token and passwords masked)
and turns whatever came back into a JSON body or a :class:`ScimRequestError` whose ``kind`` a
person can act on. What the requests mean (users, groups, pages) is :mod:`sandbox.scim.client`'s.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from sandbox.http import USER_AGENT, http_client
from sandbox.scim.exchange import exchange
from sandbox.scim.http11 import Answer, KeepAlivePool, is_plain_path

SCIM_JSON = "application/scim+json"

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


# Header values the lean client writes as they are: no line breaks or other bytes to check.
_PLAIN_VALUE = re.compile(r"[\x20-\x7e]*")


class ScimTransport:
    """Requests to one SCIM service provider at ``base_url`` with a bearer token.

    ``client`` is shared between requests and threads (its connection pool keeps connections
    alive): an ``httpx.Client``, or a bare transport such as ``sandbox.http.LoopbackTransport``,
    which skips what a Client adds to every request and a SCIM client has no use for (a cookie jar
    kept from the answers, defaults merged into each request, redirect and auth machinery) — about
    half of httpx's CPU time per request. A :class:`sandbox.scim.http11.KeepAlivePool` sends plain
    ``http`` requests itself, with the same headers, timeouts and records, at a fraction of httpx's
    cost; ``https`` still goes through httpx. Without a client the transport opens its own Client
    and closes it on :meth:`close`.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        on_exchange: ExchangeRecorder | None = None,
        client: httpx.Client | httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.on_exchange = on_exchange
        self._own_client = client is None
        self._http: httpx.Client | None = None
        self._bare: httpx.BaseTransport | None = None
        if isinstance(client, httpx.BaseTransport):
            self._bare = client
        else:
            self._http = client or http_client(timeout=timeout)
        # Built once: every request carries the same credentials and media types.
        self._headers = {"Authorization": f"Bearer {token}", "Accept": f"{SCIM_JSON}, application/json"}
        if self._bare is not None:
            self._headers["User-Agent"] = USER_AGENT
        self._json_headers = {**self._headers, "Content-Type": SCIM_JSON}
        self._lean = _LeanTarget.of(client, self.base_url, self._headers) if isinstance(client, KeepAlivePool) else None
        self._pool = client if isinstance(client, KeepAlivePool) else None

    def close(self) -> None:
        if self._own_client and self._http is not None:
            self._http.close()

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        operation: str | None = None,
        attempt: int = 1,
    ) -> Any:
        """One request; the answer's JSON body (``{}`` for an empty success) or a ScimRequestError."""
        content: bytes | None = None
        headers = self._headers
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers = self._json_headers
        if self._lean is not None and is_plain_path(path):
            return self._send_lean(self._lean, method, path, params, content, operation, attempt)
        url = f"{self.base_url}{path}"
        if self._http is not None:
            request = self._http.build_request(method, url, params=params, content=content, headers=headers)
        else:
            request = httpx.Request(
                method,
                url,
                params=params,
                content=content,
                headers=headers,
                extensions={"timeout": httpx.Timeout(self.timeout).as_dict()},
            )
        sent = _Sent(method, str(request.url), request.headers.items(), request.content if content else None)
        started = time.perf_counter()
        try:
            response = self._http.send(request) if self._http is not None else self._send_bare(request)
        except httpx.HTTPError as error:
            raise self._failed(error, sent, started, operation, attempt) from error
        received = _Received(response.status_code, dict(response.headers.items()), response.content, response.text)
        self._record(sent, received, started, operation, attempt)
        return _interpret(received, self.where)

    def _send_lean(
        self,
        target: _LeanTarget,
        method: str,
        path: str,
        params: dict[str, str] | None,
        content: bytes | None,
        operation: str | None,
        attempt: int,
    ) -> Any:
        """The request written and read by the KeepAlivePool: same URL, headers and record as httpx's."""
        assert self._pool is not None
        request_target = f"{target.path}{path}" or "/"
        if params:
            request_target = f"{request_target}?{urlencode(params)}"
        head = target.head(method, request_target, content)
        sent = _Sent(method, f"{target.origin}{request_target}", target.recorded(content), content)
        started = time.perf_counter()
        try:
            answer = self._pool.request(target.host, target.port, method, head, content, self.timeout)
        except httpx.HTTPError as error:
            raise self._failed(error, sent, started, operation, attempt) from error
        received = _received(answer)
        self._record(sent, received, started, operation, attempt)
        return _interpret(received, self.where)

    def _failed(
        self, error: httpx.HTTPError, sent: _Sent, started: float, operation: str | None, attempt: int
    ) -> ScimRequestError:
        if isinstance(error, httpx.TimeoutException):
            self._record(sent, None, started, operation, attempt, error=f"timed out: {error}")
            return ScimRequestError(
                TIMEOUT, f"The server at {self.where} did not answer within {self.timeout:g} seconds."
            )
        self._record(sent, None, started, operation, attempt, error=f"{type(error).__name__}: {error}")
        return ScimRequestError(UNREACHABLE, f"Could not reach {self.where}: {_reason(error)}.")

    def _send_bare(self, request: httpx.Request) -> httpx.Response:
        assert self._bare is not None
        response = self._bare.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        return response

    @property
    def where(self) -> str:
        """The server's host and port, as failure messages name it."""
        parts = urlsplit(self.base_url)
        return parts.netloc or self.base_url

    def _record(
        self,
        sent: _Sent,
        received: _Received | None,
        started: float,
        operation: str | None,
        attempt: int,
        *,
        error: str | None = None,
    ) -> None:
        if self.on_exchange is None:
            return
        body = _mask_password(sent.content.decode("utf-8", "replace")) if sent.content else None
        self.on_exchange(
            exchange(
                direction="sent",
                method=sent.method,
                url=sent.url,
                path=_scim_path(sent.url, self.base_url),
                request_headers=sent.headers,
                request_body=body,
                status=received.status if received is not None else None,
                response_headers=received.headers if received is not None else {},
                response_body=received.text if received is not None else None,
                latency_ms=(time.perf_counter() - started) * 1000,
                error=error,
                operation=operation,
                attempt=attempt,
            )
        )


class _Sent:
    """A request as it is recorded: header names lower-cased, as httpx lists them."""

    __slots__ = ("content", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: Any, content: bytes | None) -> None:
        self.method = method
        self.url = url
        # items(), not dict(headers): the latter looks every name up again, scanning all.
        self.headers: dict[str, str] = dict(headers)
        self.content = content


class _Received:
    """What came back: status, headers (lower-cased names, repeated ones joined), body and its text."""

    __slots__ = ("content", "headers", "status", "text")

    def __init__(self, status: int, headers: dict[str, str], content: bytes, text: str) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self.text = text


def _received(answer: Answer) -> _Received:
    headers: dict[str, str] = {}
    for name, value in answer.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return _Received(answer.status, headers, answer.body, _text(answer.body, headers.get("content-type", "")))


def _text(content: bytes, content_type: str) -> str:
    """The body as text, in the charset the server named (UTF-8 otherwise), as httpx decodes it."""
    charset = "utf-8"
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("'\"")
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


class _LeanTarget:
    """A base URL the KeepAlivePool can reach directly, with the request head's fixed part."""

    def __init__(self, host: str, port: int, netloc: str, path: str, headers: dict[str, str]) -> None:
        self.host = host
        self.port = port
        self.path = path
        self.origin = f"http://{netloc}"
        # The header lines every request repeats, in httpx's order (Host first, Content-Length last).
        self._lines = f"Host: {netloc}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._json_lines = f"{self._lines}Content-Type: {SCIM_JSON}\r\n"
        self._recorded = {"host": netloc, **{name.lower(): value for name, value in headers.items()}}

    @classmethod
    def of(cls, pool: KeepAlivePool, base_url: str, headers: dict[str, str]) -> _LeanTarget | None:
        """None unless ``base_url`` is one the pool can reach directly (see ``origin_of``) and every
        header value is printable ASCII (anything else goes through httpx and its checks)."""
        origin = pool.origin(base_url)
        if origin is None or not all(_PLAIN_VALUE.fullmatch(value) for value in headers.values()):
            return None
        return cls(origin.host, origin.port, origin.netloc, origin.path, headers)

    def head(self, method: str, target: str, content: bytes | None) -> bytes:
        if content is None:
            return f"{method} {target} HTTP/1.1\r\n{self._lines}\r\n".encode("ascii")
        return f"{method} {target} HTTP/1.1\r\n{self._json_lines}Content-Length: {len(content)}\r\n\r\n".encode("ascii")

    def recorded(self, content: bytes | None) -> dict[str, str]:
        if content is None:
            return self._recorded
        return {**self._recorded, "content-type": SCIM_JSON, "content-length": str(len(content))}


def quote(value: str) -> str:
    """``value`` as a string literal inside a SCIM filter (RFC 7644 §3.4.2.2)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def list_resources(body: Any) -> list[dict[str, Any]]:
    """The ``Resources`` of a ListResponse; anything else is INVALID_JSON."""
    if not isinstance(body, dict):
        raise ScimRequestError(INVALID_JSON, "The list answer is not a SCIM ListResponse.")
    resources = body.get("Resources", [])
    if not isinstance(resources, list):
        raise ScimRequestError(INVALID_JSON, "The list answer has no Resources array.")
    return [r for r in resources if isinstance(r, dict)]


def _interpret(response: _Received, where: str) -> Any:
    status = response.status
    body = _json_or_none(response.content)
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
        raise ScimRequestError(SERVER_ERROR, _sentence(f"{where} failed with {status}", detail), status=status)
    if status == 404:
        if body is None or not _looks_like_scim(body):
            raise ScimRequestError(
                NOT_SCIM, f"{where} has no SCIM endpoint there (404): is the Base URL right?", status=404
            )
        raise ScimRequestError(NOT_FOUND, _sentence("Not found in the application (404)", detail), status=404)
    if status in (405, 501):
        raise ScimRequestError(NOT_SUPPORTED, f"{where} does not support this request ({status}).", status=status)
    if status == 409:
        raise ScimRequestError(CONFLICT, _sentence("Conflict (409)", detail), status=status)
    raise ScimRequestError(REJECTED, _sentence(f"{where} rejected the request ({status})", detail), status=status)


def _json_or_none(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def _looks_like_scim(body: Any) -> bool:
    return isinstance(body, dict) and ("schemas" in body or "detail" in body or "status" in body)


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("scimType") or ""
        return str(detail)[:300]
    return ""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass  # not delay-seconds: Retry-After may also be an HTTP-date (RFC 9110 §10.2.3), read below
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


def _scim_path(url: str, base_url: str) -> str:
    """The request's path under the base URL with its query, as the server records it (``/Users?filter=…``)."""
    if url.startswith(base_url):
        return url[len(base_url) :] or "/"
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _sentence(what: str, detail: str | None) -> str:
    """``what``, then the server's own ``detail`` after a colon, ending with one full stop."""
    text = f"{what}: {detail.strip()}" if detail and detail.strip() else what
    return text if text.endswith((".", "!", "?")) else f"{text}."
