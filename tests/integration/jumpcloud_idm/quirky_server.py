"""A small hand-written SCIM 2.0 server whose quirks are switched on one by one.

Real servers differ in ways RFC 7644 allows (PATCH answered 204, a create answered 200, no ``meta``,
ids that need escaping in a path) and in common mistakes (a filter ignored, ``count`` or
``startIndex`` ignored, ``startIndex`` counted from 0, a ``totalResults`` that does not match, a
create answered without an id). :class:`QuirkyScim` keeps users and groups in memory and answers
with the :class:`Quirks` it is given; tests read its ``users`` and ``groups`` directly, not through
the client under test.

Paths are read from the raw request line: split into segments first, each then percent-decoded the
way form data is (``+`` is a space, as Java's ``URLDecoder`` reads it), so an id holding ``/`` or
``+`` is found only when the client percent-encodes it.
"""

from __future__ import annotations

import itertools
import json
import re
import ssl
import tempfile
import threading
import uuid
import wsgiref.simple_server
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from sandbox.saml.keys import generate_key_pair
from sandbox.server import ServerThread
from tests.integration.jumpcloud_idm.scim_servers import TOKEN, FaultInjector, ScimServer

StartResponse = Callable[..., Any]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
BASE_PATH = "/scim/v2"
# Requests under this path are redirected to BASE_PATH when ``Quirks.moved`` is set.
OLD_BASE_PATH = "/old/v2"
# Ids with characters a URL path must escape, handed out in turn with ``Quirks.ids = "escaped"``.
ESCAPED_IDS = ("u/{n}", "u {n}", "u+{n}", "ü-{n}", "a b/c+{n}é")

_CLAUSE = re.compile(r'\s*([A-Za-z.]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*', re.IGNORECASE)


@dataclass
class Quirks:
    """How the server departs from the usual answers (the defaults are a plain RFC 7644 server)."""

    # Allowed by RFC 7643/7644.
    patch_status: int = 200  # 204: PATCH answered with no content (RFC 7644 §3.5.2)
    delete_status: int = 204  # 200: DELETE answered with a body
    create_status: int = 201  # 200: a create answered 200
    omit_empty_resources: bool = False  # no Resources when totalResults is 0
    omit_items_per_page: bool = False
    content_type: str = "application/scim+json"
    omit_meta: bool = False
    ids: str = "uuid"  # "int": ids as JSON numbers; "escaped": ids from ESCAPED_IDS
    # Mistakes.
    ignore_filter: bool = False  # every user answers every lookup
    page_size: int | None = None  # pages of this size, whatever count asks for
    ignore_start_index: bool = False  # every page is the first
    zero_based_start_index: bool = False  # startIndex read as an offset from 0
    total_offset: int = 0  # added to the real totalResults
    omit_total_results: bool = False  # list answers without totalResults
    create_without_id: bool = False  # the created resource is answered without its id
    unique_emails: bool = False  # a second user with the same email is refused with 409 uniqueness
    lookup_404: bool = False  # a filter matching nobody is answered 404 instead of an empty list
    moved: int | None = None  # requests under OLD_BASE_PATH are redirected with this status
    # A user with a create's userName is made just before the create (as a JIT sign-in between lookup and create).
    made_meanwhile: bool = False


@dataclass
class QuirkyScim:
    """The WSGI application: an in-memory SCIM service provider with ``quirks``."""

    quirks: Quirks = field(default_factory=Quirks)
    token: str = TOKEN
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    # -- what tests read ------------------------------------------------------------------------

    def user_named(self, user_name: str) -> dict[str, Any] | None:
        return next((u for u in self.users.values() if u["userName"] == user_name), None)

    def group_named(self, name: str) -> dict[str, Any] | None:
        return next((g for g in self.groups.values() if g["displayName"] == name), None)

    def add_user(self, user_name: str, **attributes: Any) -> str:
        """A user the application already has (as if made in its own console); its id."""
        with self._lock:
            return self._store(self.users, {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}, "User")

    # -- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        parts = urlsplit(target)
        with self._lock:
            self.requests.append((method, target))
        if self.quirks.moved and parts.path.startswith(f"{OLD_BASE_PATH}/"):
            location = f"http://{environ['HTTP_HOST']}{BASE_PATH}{target[len(OLD_BASE_PATH) :]}"
            start_response(f"{self.quirks.moved} Moved", [("Location", location), ("Content-Length", "0")])
            return [b""]
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.token}":
            return self._answer(start_response, 401, _error(401, "The bearer token is not valid."))
        if not parts.path.startswith(f"{BASE_PATH}/"):
            return self._answer(start_response, 404, _error(404, "No such endpoint."))
        segments = [unquote_plus(s) for s in parts.path[len(BASE_PATH) + 1 :].split("/")]
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self._answer(start_response, 400, _error(400, "The body is not JSON.", "invalidSyntax"))
        with self._lock:
            status, answer = self._route(method, segments, query, body)
        return self._answer(start_response, status, answer)

    def _answer(self, start_response: StartResponse, status: int, body: dict[str, Any] | None) -> Iterable[bytes]:
        if body is None:
            start_response(f"{status} No Content", [])
            return [b""]
        content = json.dumps(body).encode()
        start_response(f"{status} Answer", [("Content-Type", self.quirks.content_type)])
        return [content]

    def _route(
        self, method: str, segments: list[str], query: dict[str, str], body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        kind = {"Users": "User", "Groups": "Group"}.get(segments[0])
        if kind is None or len(segments) > 2:
            return 404, _error(404, "No such endpoint.")
        store = self.users if kind == "User" else self.groups
        if len(segments) == 1:
            if method == "GET":
                listed = self._list(store, kind, query)
                if self.quirks.lookup_404 and "filter" in query and not listed.get("Resources"):
                    return 404, _error(404, f"No {kind.lower()} matches the filter.")
                return 200, listed
            if method == "POST":
                return self._create(store, kind, body)
            return 405, _error(405, "Not supported.")
        resource = store.get(segments[1])
        if resource is None:
            return 404, _error(404, f"{kind} {segments[1]} not found.")
        if method == "GET":
            return 200, self._shown(resource)
        if method == "PATCH":
            for operation in body.get("Operations", []):
                _apply(resource, operation)
            return (204, None) if self.quirks.patch_status == 204 else (200, self._shown(resource))
        if method == "DELETE":
            del store[segments[1]]
            for group in self.groups.values() if kind == "User" else ():
                group["members"] = [m for m in group["members"] if m["value"] != segments[1]]
            if self.quirks.delete_status == 200:
                return 200, {"schemas": [ERROR_SCHEMA], "status": "200", "detail": f"{kind} deleted."}
            return 204, None
        return 405, _error(405, "Not supported.")

    def _create(self, store: dict[str, dict[str, Any]], kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        key = "userName" if kind == "User" else "displayName"
        if not isinstance(body.get(key), str) or not body[key]:
            return 400, _error(400, f"{key} is required.", "invalidValue")
        if kind == "User" and self.quirks.made_meanwhile:
            self._store(store, {"schemas": [USER_SCHEMA], "userName": body[key], "active": True}, kind)
        if any(r[key].lower() == body[key].lower() for r in store.values()):
            return 409, _error(409, f"A {kind.lower()} with this {key} already exists.", "uniqueness")
        if kind == "User" and self.quirks.unique_emails:
            emails = {str(e.get("value", "")).lower() for e in body.get("emails", [])}
            if any(str(e.get("value", "")).lower() in emails for u in store.values() for e in u.get("emails", [])):
                return 409, _error(409, "Another user has this email address.", "uniqueness")
        resource_id = self._store(store, body, kind)
        shown = self._shown(store[resource_id])
        if self.quirks.create_without_id:
            del shown["id"]
        return self.quirks.create_status, shown

    def _store(self, store: dict[str, dict[str, Any]], body: dict[str, Any], kind: str) -> str:
        number = next(self._numbers)
        if self.quirks.ids == "int":
            resource_id = str(number)
        elif self.quirks.ids == "escaped":
            resource_id = ESCAPED_IDS[number % len(ESCAPED_IDS)].format(n=number)
        else:
            resource_id = uuid.uuid4().hex
        resource = {k: v for k, v in body.items() if k != "password"}
        resource["id"] = resource_id
        resource.setdefault("schemas", [USER_SCHEMA if kind == "User" else GROUP_SCHEMA])
        if kind == "User":
            resource.setdefault("active", True)
        else:
            resource["members"] = [{"value": str(m["value"])} for m in body.get("members", [])]
        resource["meta"] = {"resourceType": kind, "location": f"{BASE_PATH}/{kind}s/{resource_id}"}
        store[resource_id] = resource
        return resource_id

    def _shown(self, resource: dict[str, Any]) -> dict[str, Any]:
        shown = json.loads(json.dumps(resource))
        if self.quirks.omit_meta:
            shown.pop("meta", None)
        if self.quirks.ids == "int":
            shown["id"] = int(shown["id"])
            for member in shown.get("members", []):
                if str(member["value"]).isdigit():
                    member["value"] = int(member["value"])
        return shown

    def _list(self, store: dict[str, dict[str, Any]], kind: str, query: dict[str, str]) -> dict[str, Any]:
        matches = list(store.values())
        if "filter" in query and not self.quirks.ignore_filter:
            matches = [r for r in matches if _matches(r, query["filter"])]
        count = self.quirks.page_size or int(query.get("count", 100))
        start = int(query.get("startIndex", 1))
        if self.quirks.ignore_start_index:
            offset = 0
        elif self.quirks.zero_based_start_index:
            offset = max(start, 0)
        else:
            offset = max(start, 1) - 1
        page = matches[offset : offset + count]
        answer: dict[str, Any] = {
            "schemas": [LIST_SCHEMA],
            "totalResults": len(matches) + self.quirks.total_offset,
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": [self._shown(r) for r in page],
        }
        if self.quirks.omit_items_per_page:
            del answer["itemsPerPage"]
        if self.quirks.omit_total_results:
            del answer["totalResults"]
        if self.quirks.omit_empty_resources and not page:
            del answer["Resources"]
        return answer


def _matches(resource: dict[str, Any], expression: str) -> bool:
    """``attr eq "value"`` clauses joined by ``or`` (userName and displayName compare case-insensitively)."""
    for clause in re.split(r"\s+or\s+", expression, flags=re.IGNORECASE):
        match = _CLAUSE.fullmatch(clause)
        if match is None:
            continue
        attribute, value = match.group(1), re.sub(r"\\(.)", r"\1", match.group(2))
        if str(resource.get(attribute, "")).lower() == value.lower():
            return True
    return False


def _apply(resource: dict[str, Any], operation: dict[str, Any]) -> None:
    """One PATCH operation, for the paths JumpCloud sends."""
    op, path, value = str(operation.get("op", "")).lower(), operation.get("path"), operation.get("value")
    if path is None and isinstance(value, dict):
        resource.update(value)
    elif path == "members":
        values = {str(m["value"]) for m in value or []}
        kept = [m for m in resource.get("members", []) if m["value"] not in values]
        resource["members"] = kept + [{"value": v} for v in sorted(values)] if op == "add" else kept
    elif isinstance(path, str) and path.startswith("members[value eq "):
        removed = path.split('"')[1]
        resource["members"] = [m for m in resource.get("members", []) if m["value"] != removed]
    elif isinstance(path, str) and path != "password":
        *parents, last = path.split(".")
        node = resource
        for parent in parents:
            node = node.setdefault(parent, {})
        if op == "remove":
            node.pop(last, None)
        else:
            node[last] = value


def _error(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


@dataclass
class QuirkyServer(ScimServer):
    """A running QuirkyScim (behind a FaultInjector) and its base URL."""

    app: QuirkyScim = field(default_factory=QuirkyScim)


@contextmanager
def quirky_server(quirks: Quirks | None = None, *, base_path: str = BASE_PATH) -> Iterator[QuirkyServer]:
    """A QuirkyScim on a free loopback port; ``base_path`` is the Base URL's path (OLD_BASE_PATH for
    a server that moved)."""
    app = QuirkyScim(quirks or Quirks())
    injector = FaultInjector(app)
    server = ServerThread(injector, system="quirky-scim", port=0, option="--port", threads=4)
    server.start()
    try:
        yield QuirkyServer(f"http://127.0.0.1:{server.port}{base_path}", TOKEN, injector, app)
    finally:
        server.stop()


@contextmanager
def redirecting_server(to_base_url: str, status: int = 308) -> Iterator[str]:
    """A server that has moved elsewhere: every request is redirected, path kept, under
    ``to_base_url``; its own base URL is yielded."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        rest = target[len(BASE_PATH) :] if target.startswith(BASE_PATH) else target
        start_response(f"{status} Moved", [("Location", f"{to_base_url}{rest}"), ("Content-Length", "0")])
        return [b""]

    server = ServerThread(app, system="moved-scim", port=0, option="--port", threads=2)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}{BASE_PATH}"
    finally:
        server.stop()


class _QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged to stderr."""


@contextmanager
def self_signed_https(app: Callable[..., Iterable[bytes]]) -> Iterator[str]:
    """``app`` served over https with a self-signed certificate; the base URL is yielded."""
    pair = generate_key_pair("127.0.0.1")
    with tempfile.TemporaryDirectory() as folder:
        certificate, key = f"{folder}/certificate.pem", f"{folder}/key.pem"
        with open(certificate, "w") as file:
            file.write(pair.certificate_pem)
        with open(key, "w") as file:
            file.write(pair.private_key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
    server = wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    # A client that refuses the certificate ends the handshake inside accept(), which the server
    # reads as a failed connection and goes on.
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}{BASE_PATH}"
    finally:
        server.shutdown()
        server.server_close()
