"""Fetching an identity provider's metadata from its Metadata URL, with every failure named plainly."""

from __future__ import annotations

import errno
import logging
import re
import socket
import ssl
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from sandbox.http import http_client
from sandbox.saml.safe_xml import MAX_XML_BYTES

log = logging.getLogger("sandbox.blogin.sso")

FETCH_TIMEOUT_S = 5.0
MAX_REDIRECTS = 5
ACCEPT = "application/samlmetadata+xml, application/xml;q=0.9, */*;q=0.5"
JUMPCLOUD_HINT = "for JumpCloud: Copy Metadata URL on the application's SSO tab"
SSO_IDP_URL_PASTED = (
    "This looks like JumpCloud's SSO IdP URL; use Copy Metadata URL on JumpCloud's SSO tab instead "
    "(it ends in /metadata)."
)
SIGN_IN_PAGE_ANSWERED = (
    "This address answers with a sign-in page, not metadata: perhaps it is the identity provider's "
    "SSO URL. For JumpCloud, use Copy Metadata URL on the application's SSO tab (it ends in /metadata)."
)
# JumpCloud's SSO IdP URL is https://sso.jumpcloud.com/saml2/<applicationname>; its metadata is that URL + /metadata.
_SSO_IDP_PATH = re.compile(r"/saml2/[^/]+/?")
_PASSWORD_FIELD = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)


class MetadataFetchError(Exception):
    """The Metadata URL did not deliver a document; ``kind`` is ``unreachable``, ``timed_out``, ``http_error``…"""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def looks_like_sso_idp_url(url: str) -> bool:
    """Whether ``url`` is shaped like JumpCloud's SSO IdP URL (``…/saml2/<name>``), where people sign in,
    rather than its Metadata URL (``…/saml2/<name>/metadata``)."""
    try:
        return bool(_SSO_IDP_PATH.fullmatch(urlsplit(url).path))
    except ValueError:
        return False


def is_sign_in_page(document: bytes | str) -> bool:
    """Whether ``document`` (a web page the Metadata URL answered with) asks for a password."""
    raw = document.encode("utf-8", "replace") if isinstance(document, str) else document
    return bool(_PASSWORD_FIELD.search(raw[: 256 * 1024]))


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
    where = _host_and_port(parts.hostname or parts.netloc, parts.port, parts.scheme)
    seconds = f"{timeout:g} second{'' if timeout == 1 else 's'}"
    timed_out = MetadataFetchError("timed_out", f"The server at {where} did not answer within {seconds}.")
    try:
        with (
            http_client(timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS) as client,
            client.stream(
                "GET", url, headers={"Accept": "application/samlmetadata+xml, application/xml, */*"}
            ) as answer,
        ):
            _check_status(answer)
            declared = answer.headers.get("content-length", "")
            if declared.isdecimal() and int(declared) > MAX_XML_BYTES:
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
            "redirects",
            f"The Metadata URL redirects again and again (more than {MAX_REDIRECTS} times, probably in a loop); "
            "use the address the metadata is published at.",
        ) from error
    except httpx.UnsupportedProtocol as error:
        raise MetadataFetchError(
            "invalid_url", "The Metadata URL redirects to an address that is not http:// or https://."
        ) from error
    except httpx.HTTPError as error:
        # The transport's own words ("[Errno 111] …") are for the log; the person reads what they mean.
        log.info("metadata fetch failed: %s: %r", url, error)
        raise _unreached(error, where, parts.hostname or parts.netloc) from error
    return b"".join(chunks)


def _host_and_port(host: str, port: int | None, scheme: str) -> str:
    """``host:port`` as the person would type it (the port always shown: "nothing answers at" names a door)."""
    return f"{host}:{port or (443 if scheme == 'https' else 80)}"


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and what it was raised from, outermost first (httpx wraps httpcore, which wraps the socket's error)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _unreached(error: httpx.HTTPError, where: str, host: str) -> MetadataFetchError:
    """A request that got no answer, said plainly: refused, unknown host, untrusted certificate…"""
    causes = _causes(error)
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = str(cause.verify_message or cause.reason or "it could not be verified")
            return MetadataFetchError(
                "tls",
                f"The HTTPS certificate of {where} is not trusted ({reason}), "
                "so its metadata cannot be trusted either.",
            )
        if isinstance(cause, socket.gaierror):
            return MetadataFetchError("unreachable", f"The host {host} could not be found.")
        if isinstance(cause, ConnectionRefusedError):
            return MetadataFetchError("unreachable", f"Nothing answers at {where} (connection refused).")
        if isinstance(cause, ConnectionResetError):
            return MetadataFetchError(
                "unreachable", f"The server at {where} broke off the connection without answering."
            )
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return MetadataFetchError(
                "unreachable", f"{where} cannot be reached from this computer (no network route to it)."
            )
    text = " ".join(str(cause) for cause in causes)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return MetadataFetchError(
            "tls", f"The HTTPS certificate of {where} is not trusted, so its metadata cannot be trusted either."
        )
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
        return MetadataFetchError(
            "tls", f"The server at {where} does not speak HTTPS; if it serves plain HTTP, use an http:// address."
        )
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return MetadataFetchError("tls", f"A secure connection to {where} could not be set up.")
    if isinstance(error, httpx.RemoteProtocolError):
        return MetadataFetchError(
            "unreachable", f"The server at {where} closed the connection without a proper answer."
        )
    return MetadataFetchError("unreachable", f"The Metadata URL cannot be reached ({where}).")


def _check_status(answer: httpx.Response) -> None:
    status = answer.status_code
    if status == 200:
        return
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = answer.reason_phrase.title()
    said = f"The Metadata URL answered {status} {phrase}".rstrip()
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
        f"The document at the Metadata URL is larger than {MAX_XML_BYTES // (1024 * 1024)} MB: that is a "
        "federation's list of many identity providers, not one identity provider's metadata. "
        "Use your identity provider's own Metadata URL.",
    )
