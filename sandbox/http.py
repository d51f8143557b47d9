"""The project's outbound HTTP client.

``*.localhost`` names resolve to loopback in browsers but not through glibc here, so the
transport sends such requests to 127.0.0.1 while keeping the original ``Host`` header, as
RFC 6761 allows. Every other host is resolved normally, so a real server can be targeted.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

USER_AGENT = "sso-sandbox/0.1"


def _is_localhost_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


class LoopbackTransport(httpx.BaseTransport):
    """Sends ``*.localhost`` to loopback; sets up TLS only once an ``https`` URL is asked for.

    Loading the system's certificate authorities costs about 0.1 s of CPU per client, and the
    sandbox's own systems speak plain HTTP.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._plain = httpx.HTTPTransport(verify=False, **options)  # never used for https URLs
        self._secure: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def _transport_for(self, url: httpx.URL) -> httpx.HTTPTransport:
        if url.scheme != "https":
            return self._plain
        with self._lock:
            if self._secure is None:
                self._secure = httpx.HTTPTransport(**self._options)
            return self._secure

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._transport_for(request.url)
        if not _is_localhost_name(request.url.host):
            return transport.handle_request(request)
        original = request.url
        request.url = original.copy_with(host="127.0.0.1")
        try:
            return transport.handle_request(request)
        finally:
            # Cookies and redirects are resolved against the URL the caller asked for.
            request.url = original

    def close(self) -> None:
        self._plain.close()
        with self._lock:
            if self._secure is not None:
                self._secure.close()


def http_client(*, timeout: float = 10.0, **kwargs: Any) -> httpx.Client:
    """A synchronous client that reaches ``*.localhost`` on loopback (``limits`` applies to its connection pool)."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    transport_options: dict[str, Any] = {"retries": 0}
    if "limits" in kwargs:
        transport_options["limits"] = kwargs.pop("limits")
    return httpx.Client(
        transport=LoopbackTransport(**transport_options),
        timeout=timeout,
        headers=headers,
        trust_env=False,
        **kwargs,
    )
