"""Fetching an identity provider's metadata from its Metadata URL, with every failure named plainly."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import httpx

from sandbox.http import http_client
from sandbox.saml.safe_xml import MAX_XML_BYTES

log = logging.getLogger("sandbox.blogin.sso")

FETCH_TIMEOUT_S = 5.0
MAX_REDIRECTS = 5
ACCEPT = "application/samlmetadata+xml, application/xml;q=0.9, */*;q=0.5"
JUMPCLOUD_HINT = "for JumpCloud: Copy Metadata URL on the application's SSO tab"


class MetadataFetchError(Exception):
    """The Metadata URL did not deliver a document; ``kind`` is ``unreachable``, ``timed_out``, ``http_error``…"""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def fetch_metadata(url: str, *, timeout: float | None = None) -> bytes:
    """The document at ``url`` as sent (HTTP GET, a few redirects followed, at most ``MAX_XML_BYTES``).

    ``timeout`` bounds the whole exchange, not each read: a server sending a byte now and then is cut off.
    The bytes are left for the XML parser, which reads their encoding from the document itself.
    """
    timeout = FETCH_TIMEOUT_S if timeout is None else timeout
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MetadataFetchError("invalid_url", "The Metadata URL must be an http:// or https:// address.")
    deadline = time.monotonic() + timeout
    timed_out = MetadataFetchError(
        "timed_out", f"The Metadata URL did not answer within {timeout:g} seconds ({parts.netloc})."
    )
    try:
        with (
            http_client(timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS) as client,
            client.stream(
                "GET", url, headers={"Accept": "application/samlmetadata+xml, application/xml, */*"}
            ) as answer,
        ):
            _check_status(answer)
            declared = answer.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_XML_BYTES:
                raise _too_large()
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > MAX_XML_BYTES:
                    raise _too_large()
                if time.monotonic() > deadline:
                    raise timed_out
                chunks.append(chunk)
    except httpx.TimeoutException as error:
        log.info("metadata fetch timed out: %s", url)
        raise timed_out from error
    except httpx.TooManyRedirects as error:
        raise MetadataFetchError(
            "redirects", f"The Metadata URL redirects more than {MAX_REDIRECTS} times (a redirect loop?)."
        ) from error
    except httpx.UnsupportedProtocol as error:
        raise MetadataFetchError(
            "invalid_url", "The Metadata URL redirects to an address that is not http:// or https://."
        ) from error
    except httpx.HTTPError as error:
        log.info("metadata fetch failed: %s: %s", url, error)
        if "CERTIFICATE_VERIFY_FAILED" in str(error):
            raise MetadataFetchError(
                "tls", f"{parts.netloc}'s HTTPS certificate is not trusted, so its metadata cannot be trusted either."
            ) from error
        raise MetadataFetchError(
            "unreachable", f"The Metadata URL cannot be reached: {parts.netloc} refused or did not resolve ({error})."
        ) from error
    return b"".join(chunks)


def _check_status(answer: httpx.Response) -> None:
    status = answer.status_code
    if status == 200:
        return
    said = f"The Metadata URL answered HTTP {status} {answer.reason_phrase}".rstrip()
    if status in (401, 403):
        advice = "the metadata must be published without signing in"
    elif status >= 500:
        advice = "the server failed; try again, or download the metadata as a file and upload it"
    else:
        advice = f"check the address ({JUMPCLOUD_HINT})"
    raise MetadataFetchError("http_error", f"{said}; {advice}.")


def _too_large() -> MetadataFetchError:
    return MetadataFetchError(
        "too_large",
        f"The document at the Metadata URL is larger than {MAX_XML_BYTES:,} bytes: that is a federation's "
        "aggregate, not one identity provider's metadata. Use your identity provider's own Metadata URL.",
    )
