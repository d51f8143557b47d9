"""A SCIM request and its answer on the lean path: read from the WSGI environ, written straight back.

Provisioning sends thousands of requests in a row, so the SCIM service does without Flask's request
context, werkzeug's Request and Response objects and their context-local lookups. What a request and an
answer look like — the decoded path, the query parameters, the headers as the exchange record lists them,
the URL, the status line and the headers sent — stays as werkzeug produced it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import orjson
import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler parse_qsl uses below)
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.sansio.utils import get_current_url, get_host
from werkzeug.wsgi import get_input_stream

from sandbox.scim.errors import SCIM_CONTENT_TYPE

# Characters werkzeug's URL reconstruction leaves unchanged (no percent-escapes, nothing it would quote).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._~-]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._~=&-]*")

# What a body-less answer carries, as Flask's empty Response did (the exchange record shows it).
_EMPTY_TYPE = "text/html; charset=utf-8"
# Headers a 304 leaves out on the wire (RFC 9110 §15.4.5), as werkzeug does.
_ENTITY_HEADERS = frozenset(
    {
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    }
)
_STATUS_LINES = {code: f"{code} {reason.upper()}" for code, reason in HTTP_STATUS_CODES.items()}


def _decoded(value: str) -> str:
    # WSGI hands text over as latin-1; the bytes are UTF-8 (werkzeug's "decoding dance").
    return value.encode("latin1").decode(errors="replace")


class ScimRequest:
    """One request under ``/sso/scim/V2``: method, decoded path, query, headers and body, read on demand."""

    __slots__ = ("_args", "_body", "_max_body", "environ", "method", "path", "query")

    def __init__(self, environ: dict[str, Any], max_body: int | None) -> None:
        self.environ = environ
        self.method: str = (environ.get("REQUEST_METHOD") or "GET").upper()
        self.path = "/" + _decoded(environ.get("PATH_INFO") or "").lstrip("/")
        self.query: str = environ.get("QUERY_STRING", "").encode("latin1").decode(errors="replace")
        self._args: dict[str, str] | None = None
        self._body: bytes | None = None
        self._max_body = max_body

    @property
    def args(self) -> dict[str, str]:
        """Query parameters, the first value of each name (as ``request.args.items()`` gives them)."""
        if self._args is None:
            args: dict[str, str] = {}
            if self.query:
                for name, value in parse_qsl(self.query, keep_blank_values=True, errors="werkzeug.url_quote"):
                    args.setdefault(name, value)
            self._args = args
        return self._args

    @property
    def mimetype(self) -> str:
        """The Content-Type without its parameters, lower-cased."""
        return (self.environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()

    def headers(self) -> dict[str, str]:
        """Every request header, named and ordered as werkzeug lists them."""
        found: dict[str, str] = {}
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                    found[key[5:].replace("_", "-").title()] = value
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                found[key.replace("_", "-").title()] = value
        return found

    def body(self) -> bytes:
        """The request body (read once); a body over the size limit raises werkzeug's 413."""
        if self._body is None:
            self._body = get_input_stream(self.environ, max_content_length=self._max_body).read()
        return self._body

    def body_for_record(self) -> bytes:
        """The body if it can be read, else nothing (a body over the limit is not kept)."""
        try:
            return self.body()
        except Exception:
            return b""

    @property
    def root_path(self) -> str:
        return _decoded(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @property
    def host(self) -> str:
        environ = self.environ
        name, port = environ.get("SERVER_NAME"), environ.get("SERVER_PORT")
        server = (name, int(port) if port and port.isdigit() else None) if name else None
        return get_host(environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST"), server)

    def url_with_path(self, path: str) -> str:
        """The request's URL with ``path`` in place of its own."""
        scheme = self.environ.get("wsgi.url_scheme", "http")
        return get_current_url(scheme, self.host, self.root_path, path, self.query.encode())

    @property
    def url(self) -> str:
        """``request.url``; a path and query with nothing to decode are joined directly (werkzeug's IRI
        round trip leaves such URLs as they are)."""
        path, query = self.path, self.environ.get("QUERY_STRING", "")
        if _PLAIN_PATH.fullmatch(path) and _PLAIN_QUERY.fullmatch(query) and not self.root_path:
            scheme = self.environ.get("wsgi.url_scheme", "http")
            return f"{scheme}://{self.host}{path}?{query}" if query else f"{scheme}://{self.host}{path}"
        return self.url_with_path(path)


class ScimAnswer:
    """Status, headers (as the exchange record shows them) and body of one answer."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def wire_headers(self) -> list[tuple[str, str]]:
        """The headers sent: none of a 304's entity headers, no length on a 204, else always a length."""
        status = self.status
        if status == 304:
            return [(name, value) for name, value in self.headers if name.lower() not in _ENTITY_HEADERS]
        if status == 204 or 100 <= status < 200:
            return [(name, value) for name, value in self.headers if name.lower() != "content-length"]
        if any(name.lower() == "content-length" for name, _ in self.headers):
            return self.headers
        return [*self.headers, ("Content-Length", str(len(self.body)))]

    def status_line(self) -> str:
        return _STATUS_LINES.get(self.status) or f"{self.status} UNKNOWN"

    def sends_body(self, method: str) -> bool:
        status = self.status
        return method != "HEAD" and not (100 <= status < 200) and status not in (204, 304)


def encode_json(document: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII characters as they are."""
    try:
        return orjson.dumps(document)
    except TypeError:
        # Integers beyond 64 bits, which a client may have stored in an attribute: the standard encoder.
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_json(raw: bytes) -> Any:
    """The parsed body; anything orjson refuses goes through the standard parser, whose leniency (UTF-16
    bodies, NaN) and error messages the SCIM API has always had."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        document = json.loads(raw)
    # The standard parser lets an escaped lone surrogate (\ud800) through as a string no database or page can
    # take; orjson refuses those, so only documents it refused are looked through.
    _refuse_lone_surrogates(document)
    return document


def _refuse_lone_surrogates(value: Any) -> None:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ValueError("a string holds an unpaired UTF-16 surrogate (such as \\ud800), which is not a character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)


def scim_answer(document: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> ScimAnswer:
    """``document`` as ``application/scim+json``; None answers with no body."""
    if document is None:
        return ScimAnswer(status, [*headers, ("Content-Type", _EMPTY_TYPE), ("Content-Length", "0")], b"")
    data = encode_json(document)
    return ScimAnswer(status, [*headers, ("Content-Type", SCIM_CONTENT_TYPE), ("Content-Length", str(len(data)))], data)


def empty_answer(status: int, headers: Iterable[tuple[str, str]] = ()) -> ScimAnswer:
    """A body-less answer without a length of its own (the wire adds ``Content-Length: 0``)."""
    return ScimAnswer(status, [("Content-Type", _EMPTY_TYPE), *headers], b"")
