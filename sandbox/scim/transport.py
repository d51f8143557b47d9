"""Sending one SCIM request (RFC 7644) and recording the exchange.

:class:`ScimTransport` adds the Bearer token and the SCIM media types, hands every exchange to
``on_exchange`` in the shape of :func:`sandbox.scim.exchange.exchange` (token and passwords masked),
follows redirects on the Base URL's own server, and turns whatever came back into a JSON body or a
:class:`ScimRequestError` whose ``kind`` a person can act on (see :mod:`sandbox.scim.answers`). What
the requests mean (users, groups, pages) is :mod:`sandbox.scim.client`'s.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote as _quote_url
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from sandbox.http import USER_AGENT, http_client
from sandbox.scim.answers import (
    CONFLICT,
    FORBIDDEN,
    INVALID_JSON,
    MISSING_ID,
    NOT_FOUND,
    NOT_SCIM,
    NOT_SUPPORTED,
    RATE_LIMITED,
    REDIRECTED,
    REDIRECTS,
    REJECTED,
    RETRYABLE,
    SERVER_ERROR,
    TIMEOUT,
    UNAUTHORIZED,
    UNREACHABLE,
    UNTRUSTED_CERTIFICATE,
    Received,
    ScimRequestError,
    interpret,
    list_resources,
    redirect_refused,
    total_results,
    transport_failure,
)
from sandbox.scim.exchange import exchange, mask_passwords
from sandbox.scim.http11 import Answer, KeepAlivePool, is_plain_path

__all__ = [
    "CONFLICT",
    "FORBIDDEN",
    "INVALID_JSON",
    "MISSING_ID",
    "NOT_FOUND",
    "NOT_SCIM",
    "NOT_SUPPORTED",
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
    "ExchangeRecorder",
    "ScimRequestError",
    "ScimTransport",
    "list_resources",
    "path_segment",
    "quote",
    "total_results",
]

SCIM_JSON = "application/scim+json"

ExchangeRecorder = Callable[[dict[str, Any]], None]

# Redirects followed for one request, at most, before it is refused as a loop.
MAX_REDIRECTS = 5


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
            url, received = self._send_lean(self._lean, method, path, params, content, operation, attempt)
        else:
            url, received = self._send_httpx(
                method, f"{self.base_url}{path}", params, content, headers, operation, attempt
            )
        hops = 0
        while received.status in REDIRECTS and "location" in received.headers:
            url = self._redirect_target(url, received, hops)
            hops += 1
            url, received = self._send_httpx(method, url, None, content, headers, operation, attempt)
        return interpret(received, self.where, method)

    def _send_httpx(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None,
        content: bytes | None,
        headers: dict[str, str],
        operation: str | None,
        attempt: int,
    ) -> tuple[str, Received]:
        """The request sent through httpx; the URL it went to and what came back (recorded)."""
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
        received = Received(response.status_code, dict(response.headers.items()), response.content, response.text)
        self._record(sent, received, started, operation, attempt)
        return sent.url, received

    def _send_lean(
        self,
        target: _LeanTarget,
        method: str,
        path: str,
        params: dict[str, str] | None,
        content: bytes | None,
        operation: str | None,
        attempt: int,
    ) -> tuple[str, Received]:
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
        return sent.url, received

    def _redirect_target(self, url: str, received: Received, hops: int) -> str:
        """Where a redirect of the request to ``url`` leads, if the client follows it.

        Followed with the same method and body (a create stays a create), and only on the Base URL's
        own server: the Token Key is never sent to another scheme, host or port.
        """
        location = received.headers["location"].strip()
        try:
            target = urljoin(url, location)
            elsewhere = _origin(target) != _origin(url)
        except ValueError:  # not a URL at all (an unclosed IPv6 bracket, say): nowhere to follow
            target, elsewhere = location, True
        if hops >= MAX_REDIRECTS:
            raise redirect_refused(self.where, received.status, target, loop=True)
        if elsewhere:
            raise redirect_refused(self.where, received.status, target, loop=False)
        return target

    def _failed(
        self, error: httpx.HTTPError, sent: _Sent, started: float, operation: str | None, attempt: int
    ) -> ScimRequestError:
        if isinstance(error, httpx.TimeoutException):
            self._record(sent, None, started, operation, attempt, error=f"timed out: {error}")
        else:
            self._record(sent, None, started, operation, attempt, error=f"{type(error).__name__}: {error}")
        return transport_failure(error, self.where, self.timeout)

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
        received: Received | None,
        started: float,
        operation: str | None,
        attempt: int,
        *,
        error: str | None = None,
    ) -> None:
        if self.on_exchange is None:
            return
        body = mask_passwords(sent.content.decode("utf-8", "replace")) if sent.content else None
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


def _received(answer: Answer) -> Received:
    headers: dict[str, str] = {}
    for name, value in answer.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return Received(answer.status, headers, answer.body, _text(answer.body, headers.get("content-type", "")))


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


def path_segment(resource_id: str) -> str:
    """``resource_id`` as one segment of a request path (RFC 3986 §3.3).

    Application ids are opaque (RFC 7643 §3.1) and may hold ``/``, spaces, ``+`` or non-ASCII
    letters: everything but the unreserved characters is percent-encoded, ``+`` too (some servers
    decode paths as form data, reading ``+`` as a space), and a ``.`` or ``..`` id is kept from
    being read as a dot segment.
    """
    segment = _quote_url(resource_id, safe="")
    return segment.replace(".", "%2E") if segment in (".", "..") else segment


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of ``url`` (the port spelled out when the scheme implies it)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def _scim_path(url: str, base_url: str) -> str:
    """The request's path under the base URL with its query, as the server records it (``/Users?filter=…``)."""
    if url.startswith(base_url):
        return url[len(base_url) :] or "/"
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
