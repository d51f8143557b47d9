"""What a SCIM service provider's answer means to the client.

:func:`interpret` turns what came back into the JSON body of a success or a :class:`ScimRequestError`
whose ``kind`` a person can act on; :func:`transport_failure` does the same for a request that got
no answer. Messages name the server (its host and port) and, where the server gave one, its own
``detail`` (RFC 7644 §3.12). Sending and recording are :mod:`sandbox.scim.transport`'s.
"""

from __future__ import annotations

import json
import ssl
import time
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import httpx

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
REDIRECTED = "redirected"
UNTRUSTED_CERTIFICATE = "untrusted_certificate"
MISSING_ID = "missing_id"

RETRYABLE = frozenset({UNREACHABLE, TIMEOUT, RATE_LIMITED, SERVER_ERROR})

# Statuses whose Location the client may follow (same method and body); 303 asks for a GET of
# another resource, which would turn a create into a read.
REDIRECTS = frozenset({301, 302, 307, 308})
# Gateways answer these for a server behind them that is down or too slow.
_GATEWAY_STATUSES = frozenset({502, 503, 504})


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


class Received:
    """What came back: status, headers (lower-cased names, repeated ones joined), body and its text."""

    __slots__ = ("content", "headers", "status", "text")

    def __init__(self, status: int, headers: dict[str, str], content: bytes, text: str) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self.text = text


def interpret(response: Received, where: str, method: str = "GET") -> Any:
    """The answer's JSON body (``{}`` for an empty success other than 200/201), or a ScimRequestError.

    A 200 or 201 must carry JSON: a lookup or a create answered without a body cannot be read as
    "nobody" or as a new resource. A PATCH or DELETE needs nothing back, so its 200 may come empty or
    with plain text (a web page is still refused: it is what a proxy's sign-in page answers).
    Redirects are the caller's to follow; one that reaches here is refused as REJECTED.
    """
    status = response.status
    body = _json_or_none(response.content)
    detail = _detail(body)
    if status in (200, 201):
        if body is None:
            if method in ("PATCH", "DELETE") and (
                not response.content.strip() or "html" not in response.headers.get("content-type", "")
            ):
                return {}
            if not response.content.strip():
                raise ScimRequestError(
                    INVALID_JSON, f"{where} answered {status} with an empty body instead of SCIM JSON.", status=status
                )
            if "json" not in response.headers.get("content-type", ""):
                raise ScimRequestError(
                    NOT_SCIM, f"{where} answered with a web page, not SCIM JSON: is the Base URL right?", status=status
                )
            raise ScimRequestError(INVALID_JSON, f"{where} answered with invalid JSON.", status=status)
        return body
    if 200 <= status < 300:
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
        if body is None and response.content.strip():
            raise ScimRequestError(SERVER_ERROR, _web_page_failure(where, status), status=status)
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
        raise ScimRequestError(CONFLICT, _conflict(body), status=status)
    raise ScimRequestError(REJECTED, _sentence(f"{where} rejected the request ({status})", detail), status=status)


def _conflict(body: Any) -> str:
    """``Conflict (409 uniqueness): <detail>.``: the error's ``scimType`` says which rule was broken."""
    scim_type = body.get("scimType") if isinstance(body, dict) else None
    what = (
        f"Conflict (409 {scim_type.strip()})" if isinstance(scim_type, str) and scim_type.strip() else "Conflict (409)"
    )
    detail = body.get("detail") if isinstance(body, dict) else None
    return _sentence(what, str(detail)[:300] if detail else None)


def _web_page_failure(where: str, status: int) -> str:
    """A 5xx answered with an HTML page (or other non-JSON text), as proxies and gateways answer."""
    try:
        phrase = f" {HTTPStatus(status).phrase}"
    except ValueError:
        phrase = ""
    source = (
        "a web page from a proxy or gateway in front of the application"
        if status in _GATEWAY_STATUSES
        else "a web page"
    )
    return f"{where} failed with {status}{phrase}, answering with {source} rather than a SCIM error."


def redirect_refused(where: str, status: int, location: str, *, loop: bool) -> ScimRequestError:
    """A redirect the client does not follow: to another server, or one too many."""
    if loop:
        message = f"{where} redirected the request again and again (the last time to {location}): check the Base URL."
    else:
        message = (
            f"{where} redirected the request to {location} ({status}). JumpCloud sends the Token Key only to "
            "the Base URL's own scheme, host and port, so it does not follow a redirect elsewhere: set the Base "
            "URL to the address the application now answers at."
        )
    return ScimRequestError(REDIRECTED, message, status=status)


def transport_failure(error: httpx.HTTPError, where: str, timeout: float) -> ScimRequestError:
    """A request that got no answer: refused, timed out, or a TLS handshake that failed."""
    if isinstance(error, httpx.TimeoutException):
        return ScimRequestError(TIMEOUT, f"The server at {where} did not answer within {timeout:g} seconds.")
    refusal = _certificate_refusal(error)
    if refusal is not None:
        return ScimRequestError(
            UNTRUSTED_CERTIFICATE,
            f"The certificate of {where} is not trusted ({refusal}): JumpCloud sends the Token Key over https "
            "only to a server whose certificate a trusted certificate authority issued for its host name.",
        )
    return ScimRequestError(UNREACHABLE, _sentence(f"Could not reach {where}", _reason(error)))


def _certificate_refusal(error: BaseException) -> str | None:
    """Why the server's certificate was refused, when that is what ended the request."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return str(current.verify_message or current.reason or "certificate verify failed")
        current = current.__cause__ or current.__context__
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return text.split("certificate verify failed:", 1)[-1].split("(_ssl", 1)[0].strip() or "verify failed"
    return None


def list_resources(body: Any) -> list[dict[str, Any]]:
    """The ``Resources`` of a ListResponse; anything else is INVALID_JSON.

    ``Resources`` may be left out (or null) when nothing matched (RFC 7644 §3.4.2), but an answer
    with neither ``Resources`` nor ``totalResults`` is not a ListResponse: read as "nobody", it would
    make a lookup create a user the application already has.
    """
    if not isinstance(body, dict):
        raise ScimRequestError(INVALID_JSON, "The list answer is not a SCIM ListResponse.")
    resources = body.get("Resources")
    if resources is None:
        if "Resources" not in body and "totalResults" not in body:
            raise ScimRequestError(
                INVALID_JSON, "The list answer is not a SCIM ListResponse: it has neither Resources nor totalResults."
            )
        return []
    if not isinstance(resources, list):
        raise ScimRequestError(INVALID_JSON, "The list answer has no Resources array.")
    return [r for r in resources if isinstance(r, dict)]


def total_results(body: Any) -> int | None:
    """A ListResponse's ``totalResults`` as a number (some servers send it as a string), if it has one."""
    total = body.get("totalResults") if isinstance(body, dict) else None
    if isinstance(total, bool):
        return None
    if isinstance(total, int):
        return total
    # isdecimal, not isdigit: "²" is a digit that int() refuses; and no number of more digits than a count has.
    if isinstance(total, str) and total.strip().isdecimal() and len(total.strip()) <= 18:
        return int(total)
    return None


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


def _sentence(what: str, detail: str | None) -> str:
    """``what``, then the server's own ``detail`` after a colon, ending with one full stop."""
    text = f"{what}: {detail.strip()}" if detail and detail.strip() else what
    return text if text.endswith((".", "!", "?")) else f"{text}."
