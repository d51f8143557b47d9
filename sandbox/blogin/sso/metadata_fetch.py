"""Fetching an identity provider's metadata from its Metadata URL, with every failure named plainly."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import httpx

from sandbox.http import http_client
from sandbox.saml.safe_xml import MAX_XML_BYTES

log = logging.getLogger("sandbox.blogin.sso")

FETCH_TIMEOUT_S = 5.0


class MetadataFetchError(Exception):
    """The Metadata URL did not deliver a document; ``kind`` is ``unreachable``, ``timed_out``, ``http_error``…"""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def fetch_metadata(url: str, *, timeout: float | None = None) -> str:
    """The text at ``url`` (HTTP GET, redirects followed, at most ``MAX_XML_BYTES``)."""
    timeout = FETCH_TIMEOUT_S if timeout is None else timeout
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MetadataFetchError("invalid_url", "The Metadata URL must be an http:// or https:// address.")
    try:
        with http_client(timeout=timeout, follow_redirects=True) as client, client.stream("GET", url) as response:
            if response.status_code != 200:
                raise MetadataFetchError(
                    "http_error",
                    f"The Metadata URL answered HTTP {response.status_code} {response.reason_phrase}; "
                    "check the address (for JumpCloud: Copy Metadata URL on the application's SSO tab).",
                )
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_XML_BYTES:
                    raise MetadataFetchError(
                        "too_large", f"The document at the Metadata URL is larger than {MAX_XML_BYTES:,} bytes."
                    )
    except httpx.TimeoutException as error:
        log.info("metadata fetch timed out: %s", url)
        raise MetadataFetchError(
            "timed_out", f"The Metadata URL did not answer within {timeout:g} seconds ({parts.netloc})."
        ) from error
    except httpx.HTTPError as error:
        log.info("metadata fetch failed: %s: %s", url, error)
        raise MetadataFetchError(
            "unreachable", f"The Metadata URL cannot be reached: {parts.netloc} refused or did not resolve ({error})."
        ) from error
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MetadataFetchError("not_xml", "The document at the Metadata URL is not text (UTF-8).") from error
