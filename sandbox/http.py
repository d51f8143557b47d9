"""The project's outbound HTTP client.

``*.localhost`` names resolve to loopback in browsers but not through glibc here, so the
transport sends such requests to 127.0.0.1 while keeping the original ``Host`` header, as
RFC 6761 allows. Every other host is resolved normally, so a real server can be targeted.
"""

from __future__ import annotations

from typing import Any

import httpx

USER_AGENT = "sso-sandbox/0.1"


def _is_localhost_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


class LoopbackTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not _is_localhost_name(request.url.host):
            return super().handle_request(request)
        original = request.url
        request.url = original.copy_with(host="127.0.0.1")
        try:
            return super().handle_request(request)
        finally:
            # Cookies and redirects are resolved against the URL the caller asked for.
            request.url = original


def http_client(*, timeout: float = 10.0, **kwargs: Any) -> httpx.Client:
    """A synchronous client that reaches ``*.localhost`` on loopback."""
    headers = {"User-Agent": USER_AGENT, **kwargs.pop("headers", {})}
    return httpx.Client(
        transport=LoopbackTransport(retries=0),
        timeout=timeout,
        headers=headers,
        trust_env=False,
        **kwargs,
    )
