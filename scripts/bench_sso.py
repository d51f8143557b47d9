#!/usr/bin/env python3
"""Benchmark SP-initiated SAML sign-in between the mock BlogIn and the mock JumpCloud, headless.

A ``Sandbox`` is started on free ports in a temporary data dir and configured only through the
portals' own HTTP forms, as the integration guide has an administrator do it: a user and a user
group in JumpCloud, the BlogIn application added and its group authorized, BlogIn's SP metadata
uploaded to it, and JumpCloud's metadata URL saved on BlogIn's Single Sign-On tab. Then an HTTP
client plays the end user's browser: it follows every redirect and submits every auto-posting form,
so every AuthnRequest and Response is really built, signed and verified by the two servers.

Two round trips are timed, from "Log in with SSO" (``/sso/saml/login``) to BlogIn's home page:

- *session reused*: the browser already has a JumpCloud User Console session (the usual case
  after the first sign-in of the day): 5 HTTP requests;
- *fresh IdP login*: a new browser each time, so the user also types a password at JumpCloud
  (scrypt hashing): 8 HTTP requests.

The SAML work alone (AuthnRequest, reading it, issuing and signing the Response, verifying it) is
also timed in process, without HTTP, Flask or a database, to tell it apart from the web stack's share.

The browser is a lean HTTP/1.1 client on a plain socket (one keep-alive connection per host on
loopback, host-only cookies, redirects followed and forms posted by the round trip itself): httpx with
its ``http.cookiejar`` costs about 1 ms of CPU per request, the client's share rather than the systems'.
The session-reused round trip is also run with the project's httpx client (``sandbox.http.http_client``),
printed as "session reused, httpx", so the two clients can be compared.

Each XML-signature backend runs in its own process (``SANDBOX_SAML_BACKEND`` is read at start-up):
``python-xmlsec`` (libxmlsec1 in process, the default) and ``xmlsec1`` (one program run per sign or
verify). Per request the client-side time is shown, so "IdP issue" (JumpCloud building and signing
the Response) and "SP verify" (BlogIn's ACS verifying it and signing the user in) stand out.
"best" is the fastest round trip: on a busy machine it shows what the code costs when it gets a CPU.
CPU is the whole process's CPU time (client and both servers) plus any ``xmlsec1`` children's, per
round trip: it moves much less than wall time when the machine is busy. Per request the median wall
time, the best wall time and the median CPU (client and answering server; the ``xmlsec1`` program's
own CPU is not in the per-request figure) are shown.

Run: ``.venv/bin/python scripts/bench_sso.py [--runs 200] [--warmup 20] [--backend both]``.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

TARGET_MS = 20.0
BACKENDS = ("python-xmlsec", "xmlsec1")
USER = {"username": "ada", "email": "ada@example.com", "password": "correct horse 1"}
JUMPCLOUD_ADMIN = {"email": "admin@example.com", "password": "sandbox"}
BLOGIN_ADMIN = {"email": "admin@acme.example", "password": "sandbox"}
APPLICATION = "blogin"

# What each request of the round trip is, by method and path.
STEPS = (
    ("GET", "/sso/saml/login", "BlogIn: Log in with SSO (AuthnRequest)"),
    ("GET", "/userconsole/login", "JumpCloud: User Console login page"),
    ("POST", "/userconsole/login", "JumpCloud: password login (scrypt)"),
    ("POST", f"/saml2/{APPLICATION}", "JumpCloud: read AuthnRequest"),
    ("GET", f"/saml2/{APPLICATION}", "JumpCloud: read AuthnRequest"),
    ("GET", f"/saml2/{APPLICATION}/continue", "JumpCloud: IdP issue (sign Response)"),
    ("POST", "/sso/saml/callback", "BlogIn: SP verify (ACS)"),
    ("GET", "/", "BlogIn: home page"),
)


_TAG_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")
_FORM_START = re.compile(r"<form\b", re.IGNORECASE)
_FORM_END = re.compile(r"</form\s*>", re.IGNORECASE)
_INPUT = re.compile(r"<input\b([^>]*)>", re.IGNORECASE)


def _attributes(tag: str) -> dict[str, str]:
    return {
        match[1].lower(): html.unescape(next(value for value in match.groups()[1:] if value is not None))
        for match in _TAG_ATTRIBUTE.finditer(tag)
    }


def read_form(page: str) -> tuple[str, dict[str, str]]:
    """The first form of a page: its action and the values of its named inputs, as a browser posts them.

    Read with regular expressions instead of ``html.parser``, whose pure-Python tokenizer cost about a
    millisecond of the client's CPU per auto-posting page (kilobytes of base64 in one attribute). The form's
    end is found by a search rather than a lazy ``.*?`` across the page, which stepped through every
    character (both pages hold non-Latin-1 characters, so they are two-byte strings for the matcher).
    """
    start = _FORM_START.search(page)
    if start is None:
        raise RuntimeError(f"expected a form on the page: {page[:300]!r}")
    tag_end = page.find(">", start.end())
    tag_end = len(page) if tag_end < 0 else tag_end
    end = _FORM_END.search(page, tag_end)
    body = page[tag_end + 1 : end.start() if end else len(page)]
    fields = {}
    for tag in _INPUT.finditer(body):
        attributes = _attributes(tag[1])
        if attributes.get("name"):
            fields[attributes["name"]] = attributes.get("value", "")
    return _attributes(page[start.end() : tag_end]).get("action", ""), fields


def expect(response: httpx.Response, status: int, what: str) -> httpx.Response:
    if response.status_code != status:
        raise RuntimeError(f"{what}: HTTP {response.status_code}, expected {status}: {response.text[:500]}")
    return response


# -- setting both systems up through their portals ----------------------------------------------------


def configure(jumpcloud: str, blogin: str) -> None:
    """Do what the guide has an administrator do, through the portals' forms."""
    from sandbox.http import http_client

    with http_client() as jc, http_client() as bl:
        expect(jc.post(f"{jumpcloud}/login", data=JUMPCLOUD_ADMIN), 302, "JumpCloud admin login")
        expect(bl.post(f"{blogin}/login", data=BLOGIN_ADMIN), 302, "BlogIn admin login")
        user = expect(
            jc.post(
                f"{jumpcloud}/users/new",
                data={
                    "username": USER["username"],
                    "email": USER["email"],
                    "firstname": "Ada",
                    "lastname": "Lovelace",
                    "jobTitle": "Engineer",
                    "state": "ACTIVATED",
                    "password": USER["password"],
                },
            ),
            302,
            "create user",
        )
        user_id = urlsplit(user.headers["location"]).path.rstrip("/").split("/")[-1]
        group = expect(jc.post(f"{jumpcloud}/groups/new", data={"name": "Staff"}), 302, "create user group")
        group_id = urlsplit(group.headers["location"]).path.rstrip("/").split("/")[-1]
        expect(jc.post(f"{jumpcloud}/groups/{group_id}/members", data={"user_id": user_id}), 302, "add member")
        created = expect(
            jc.post(
                f"{jumpcloud}/applications/new/blogin",
                data={"display_label": "BlogIn", "show_in_portal": "on", "application_name": APPLICATION},
            ),
            302,
            "add the BlogIn application",
        )
        application_id = urlsplit(created.headers["location"]).path.split("/")[2]
        expect(
            jc.post(f"{jumpcloud}/applications/{application_id}/groups", data={"group_id": group_id}),
            302,
            "authorize the user group",
        )
        sp_metadata = expect(bl.get(f"{blogin}/settings/sso/metadata.xml"), 200, "download SP metadata").content
        expect(
            jc.post(
                f"{jumpcloud}/applications/{application_id}/sso/metadata",
                files={"metadata": ("blogin-acme-sp-metadata.xml", sp_metadata, "application/xml")},
            ),
            302,
            "upload SP metadata",
        )
        expect(
            bl.post(
                f"{blogin}/settings/sso",
                data={
                    "enabled": "on",
                    "name": "JumpCloud",
                    "method": "metadata_url",
                    "metadata_url": f"{jumpcloud}/saml2/{APPLICATION}/metadata",
                    "default_role": "Writer",
                    "jit_enabled": "on",
                    "allowed_skew_s": "60",
                    "signatures_required": "assertion",
                    "idp_initiated_allowed": "on",
                },
            ),
            302,
            "save BlogIn's Single Sign-On tab",
        )


# -- the end user's browser ---------------------------------------------------------------------------


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
# What quote_plus leaves alone, plus base64's three symbols, which it escapes as _escape_base64 does.
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~+/=")


def _escape_base64(text: str) -> str:
    return text.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def form_body(fields: dict[str, str]) -> bytes:
    """The urlencoded form a browser posts, byte for byte what ``urlencode`` makes.

    A SAMLRequest/SAMLResponse is kilobytes of base64: escaping its three symbols with ``str.replace``
    instead of ``quote_plus``'s per-character loop (or ``str.translate``, whose per-character table look-up
    cost 1.5 ms for a signed Response) keeps the client's own CPU out of the figures. Anything else goes
    through ``urlencode``.
    """
    parts = []
    for name, value in fields.items():
        if _PLAIN.issuperset(name) and _PLAIN.issuperset(value):
            parts.append(f"{_escape_base64(name)}={_escape_base64(value)}")
        else:
            parts.append(urlencode({name: value}))
    return "&".join(parts).encode("ascii")


def step_name(method: str, path: str) -> str:
    for step_method, step_path, name in STEPS:
        if method == step_method and path == step_path:
            return name
    return f"{method} {path}"


@dataclass
class Page:
    """What the browser got back for one request."""

    status: int
    url: str
    location: str
    text: str


class Browser(ABC):
    """The end user's browser as the round trip needs it: requests, redirects, cookies, forms."""

    @abstractmethod
    def request(self, method: str, url: str, body: bytes | None = None) -> Page:
        """One request, its answer as a :class:`Page` (redirects are followed by the caller)."""

    @abstractmethod
    def close(self) -> None:
        """Close the browser's connections."""


class HttpxBrowser(Browser):
    """The project's httpx client (``sandbox.http.http_client``) with its cookie jar."""

    name = "httpx"

    def __init__(self) -> None:
        from sandbox.http import http_client

        self._client = http_client()

    def request(self, method: str, url: str, body: bytes | None = None) -> Page:
        if body is None:
            response = self._client.request(method, url)
        else:
            response = self._client.request(method, url, content=body, headers=FORM_HEADERS)
        return Page(response.status_code, str(response.url), response.headers.get("location", ""), response.text)

    def close(self) -> None:
        self._client.close()


class _Connection:
    """One keep-alive HTTP/1.1 connection: a request written whole, a response read by its framing."""

    def __init__(self, address: str, port: int) -> None:
        self._address = (address, port)
        self._socket: socket.socket | None = None
        self._buffer = b""

    def exchange(self, request: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send ``request``; the status, the headers (lower-cased names) and the body of the response."""
        fresh = self._socket is None
        if self._socket is None:
            self._socket = socket.create_connection(self._address, timeout=10)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._buffer = b""
        try:
            self._socket.sendall(request)
            return self._read_response()
        except (ConnectionError, EOFError):
            self.close()
            if fresh:
                raise
            # The server closed an idle keep-alive connection: a browser opens a new one.
            return self.exchange(request)

    def _receive(self) -> None:
        assert self._socket is not None
        data = self._socket.recv(262144)
        if not data:
            raise EOFError("the server closed the connection")
        self._buffer += data

    def _read_response(self) -> tuple[int, list[tuple[str, str]], bytes]:
        while b"\r\n\r\n" not in self._buffer:
            self._receive()
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = [(name.strip().lower(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
        fields = dict(headers)
        if fields.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        elif "content-length" in fields:
            length = int(fields["content-length"])
            while len(self._buffer) < length:
                self._receive()
            body, self._buffer = self._buffer[:length], self._buffer[length:]
        else:  # delimited by the end of the connection
            with suppress(EOFError):
                while True:
                    self._receive()
            body, self._buffer = self._buffer, b""
            self.close()
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            while b"\r\n" not in self._buffer:
                self._receive()
            size_line, _, self._buffer = self._buffer.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(self._buffer) < size + 2:
                self._receive()
            chunks.append(self._buffer[:size])
            self._buffer = self._buffer[size + 2 :]
            if size == 0:
                return b"".join(chunks)  # no trailers: the servers here send none

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class LoopbackBrowser(Browser):
    """A lean HTTP/1.1 client on a plain socket.

    One keep-alive connection per host and port, reached on 127.0.0.1 (``*.localhost``, RFC 6761) with
    the original ``Host`` header; responses framed by Content-Length, chunked encoding or the end of the
    connection; cookies kept per host as a browser keeps host-only cookies (name and value; ``Max-Age=0``
    or an ``Expires`` in the past removes one) and sent back with every request to that host. httpx
    spends about 1 ms of CPU per request on its models and its ``http.cookiejar``, and ``http.client``
    about 0.5 ms parsing headers with the ``email`` package: the client's cost, not the systems'.
    """

    name = "socket"

    def __init__(self) -> None:
        self._connections: dict[tuple[str, int], _Connection] = {}
        self._cookies: dict[str, dict[str, str]] = defaultdict(dict)

    def request(self, method: str, url: str, body: bytes | None = None) -> Page:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 80
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {target or '/'} HTTP/1.1", f"Host: {parts.netloc}", "User-Agent: sso-sandbox-bench"]
        jar = self._cookies[host]
        if jar:
            lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in jar.items()))
        if body is not None:
            lines += [f"Content-Type: {FORM_HEADERS['Content-Type']}", f"Content-Length: {len(body)}"]
        connection = self._connections.get((host, port))
        if connection is None:
            address = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
            connection = self._connections[(host, port)] = _Connection(address, port)
        status, headers, content = connection.exchange(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        location = ""
        charset = "utf-8"
        for name, value in headers:
            if name == "set-cookie":
                self._keep_cookie(jar, value)
            elif name == "location":
                location = value
            elif name == "content-type" and "charset=" in value:
                charset = value.split("charset=", 1)[1].split(";")[0].strip().strip('"')
        return Page(status, url, location, content.decode(charset, "replace"))

    @staticmethod
    def _keep_cookie(jar: dict[str, str], header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        removed = False
        for attribute in attributes.split(";"):
            key, _, setting = attribute.strip().partition("=")
            key = key.lower()
            if key == "max-age" and setting.strip().lstrip("-").isdigit() and int(setting) <= 0:
                removed = True
            elif key == "expires":
                with suppress(TypeError, ValueError):
                    removed = parsedate_to_datetime(setting) <= datetime.now(UTC)
        if removed:
            jar.pop(name, None)
        else:
            jar[name] = value

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


CLIENTS: dict[str, type[Browser]] = {"socket": LoopbackBrowser, "httpx": HttpxBrowser}


@dataclass
class RoundTrip:
    seconds: float
    cpu_seconds: float
    steps: list[tuple[str, float, float]] = field(default_factory=list)  # (name, wall s, CPU s)


def _cpu() -> float:
    # process_time is fine-grained; os.times adds the xmlsec1 children (in clock ticks).
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def round_trip(browser: Browser, blogin: str) -> RoundTrip:
    """Log in with SSO at BlogIn and follow everything back to BlogIn's home page, signed in."""
    steps: list[tuple[str, float, float]] = []

    def send(method: str, url: str, data: dict[str, str] | None = None) -> Page:
        started, cpu_started = time.perf_counter(), time.process_time()
        page = browser.request(method, url, None if data is None else form_body(data))
        # One request at a time: the process's CPU meanwhile is the client's and the answering server's.
        cpu_used = time.process_time() - cpu_started
        steps.append((step_name(method, urlsplit(url).path), time.perf_counter() - started, cpu_used))
        return page

    started, cpu = time.perf_counter(), _cpu()
    page = send("GET", f"{blogin}/sso/saml/login")
    for _hop in range(12):
        path = urlsplit(page.url).path
        if page.status in (301, 302, 303):
            page = send("GET", urljoin(page.url, page.location))
        elif page.status == 200 and path == "/userconsole/login":
            action, fields = read_form(page.text)
            fields.update(login=USER["email"], password=USER["password"])
            page = send("POST", urljoin(page.url, action), fields)
        elif page.status == 200 and ('name="SAMLResponse"' in page.text or 'name="SAMLRequest"' in page.text):
            action, fields = read_form(page.text)
            page = send("POST", urljoin(page.url, action), fields)
        else:
            break
    elapsed, cpu_used = time.perf_counter() - started, _cpu() - cpu
    if page.status != 200 or not page.url.startswith(blogin) or USER["email"] not in page.text:
        raise RuntimeError(f"the round trip did not end signed in at BlogIn: {page.url} {page.text[:800]}")
    return RoundTrip(elapsed, cpu_used, steps)


def measure(blogin: str, runs: int, warmup: int, fresh_login: bool, client: str) -> list[RoundTrip]:
    """``runs`` timed round trips after ``warmup`` untimed ones, with one browser or a new one each time."""
    make = CLIENTS[client]
    results: list[RoundTrip] = []
    shared = make()
    try:
        for n in range(warmup + runs):
            if fresh_login:
                browser = make()
                try:
                    result = round_trip(browser, blogin)
                finally:
                    browser.close()
            else:
                result = round_trip(shared, blogin)
            if n >= warmup:
                results.append(result)
    finally:
        shared.close()
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarise(results: list[RoundTrip]) -> dict[str, Any]:
    wall = [r.seconds * 1000 for r in results]
    by_step: dict[str, list[float]] = defaultdict(list)
    cpu_by_step: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    for result in results:
        for name, seconds, cpu_seconds in result.steps:
            if name not in by_step:
                order.append(name)
            by_step[name].append(seconds * 1000)
            cpu_by_step[name].append(cpu_seconds * 1000)
    return {
        "runs": len(results),
        "requests": len(results[0].steps) if results else 0,
        "median_ms": statistics.median(wall),
        "p90_ms": percentile(wall, 0.9),
        "best_ms": min(wall),
        "cpu_median_ms": statistics.median(r.cpu_seconds * 1000 for r in results),
        "steps": [
            (name, statistics.median(by_step[name]), min(by_step[name]), statistics.median(cpu_by_step[name]))
            for name in order
        ],
    }


def measure_in_process(backend: str, runs: int) -> list[tuple[str, float, float]]:
    """The SAML work alone, no HTTP, Flask or database: (step, fastest ms, median ms) per step."""
    from sandbox.saml.backend import crypto_settings
    from sandbox.saml.idp import NAMEID_FORMATS, IdentityProviders, IdpSettings, ResponseOptions
    from sandbox.saml.idp import ServiceProviderSettings as ServedSp
    from sandbox.saml.keys import generate_key_pair
    from sandbox.saml.sp import ServiceProvider, ServiceProviderSettings

    idp_keys, sp_keys = generate_key_pair("JumpCloud bench"), generate_key_pair("acme.blogin bench")
    entity_id, acs = "http://acme.blogin.localhost:1/", "http://acme.blogin.localhost:1/sso/saml/callback"
    idp_settings = IdpSettings(
        "JumpCloud",
        "http://console.jumpcloud.localhost:2/saml2/blogin",
        idp_keys.certificate_pem,
        idp_keys.private_key_pem,
        backend=backend,
    )
    providers = IdentityProviders()
    idp = providers.get(idp_settings, ServedSp(entity_id, (acs,), sp_keys.certificate_pem))
    sp = ServiceProvider(
        ServiceProviderSettings(
            entity_id,
            acs,
            providers.metadata_xml(idp_settings),
            sp_keys.private_key_pem,
            sp_keys.certificate_pem,
            crypto_settings(backend),
        )
    )
    attributes = [("email", [USER["email"]]), ("firstname", ["Ada"]), ("lastname", ["Lovelace"])]
    timings: dict[str, list[float]] = defaultdict(list)

    @contextmanager
    def timed(step: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        timings[step].append((time.perf_counter() - started) * 1000)

    try:
        for _ in range(runs + 3):
            with timed("SP: build AuthnRequest"):
                request = sp.authn_request(relay_state="/")
            with timed("IdP: read AuthnRequest"):
                read = idp.read_authn_request(request.form["SAMLRequest"], request.binding, request.relay_state)
            with timed("IdP: issue and sign Response"):
                issued = idp.issue_response(
                    name_id=USER["email"],
                    name_id_format=NAMEID_FORMATS["emailAddress"],
                    attributes=attributes,
                    options=ResponseOptions(),
                    request=read,
                )
            with timed("SP: verify Response"):
                sp.verify_response(issued.encoded, known_request_ids={read.id})
    finally:
        sp.close()
        providers.close()
    return [(step, min(values[3:]), statistics.median(values[3:])) for step, values in timings.items()]


def run_one_backend(backend: str, runs: int, warmup: int) -> dict[str, Any]:
    """Start a sandbox (with ``SANDBOX_SAML_BACKEND`` already set), configure it, measure both round trips."""
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    from sandbox.app import Sandbox
    from sandbox.collector import paused_while_starting, settle_after_start_up
    from sandbox.saml.backend import DEFAULT_BACKEND
    from sandbox.settings import Settings

    if backend != DEFAULT_BACKEND:
        raise RuntimeError(f"the sandbox would use {DEFAULT_BACKEND}, not {backend}")
    with tempfile.TemporaryDirectory(prefix="bench-sso-") as directory:
        settings = Settings(data_dir=Path(directory) / "data", jumpcloud_port=0, blogin_port=0)
        # Started as ``sso-sandbox serve`` starts them: the cyclic collector paused meanwhile, then settled.
        with paused_while_starting():
            sandbox = Sandbox(settings)
            sandbox.start()
        settle_after_start_up()
        try:
            configure(sandbox.jumpcloud.base_url, sandbox.blogin.base_url)
            blogin = sandbox.blogin.base_url
            reused = measure(blogin, runs, warmup, fresh_login=False, client="socket")
            reused_httpx = measure(blogin, runs, warmup, fresh_login=False, client="httpx")
            fresh = measure(blogin, max(10, runs // 4), 3, fresh_login=True, client="socket")
        finally:
            sandbox.stop()
    return {
        "backend": backend,
        "session reused": summarise(reused),
        "session reused, httpx": summarise(reused_httpx),
        "fresh IdP login": summarise(fresh),
        "in process": measure_in_process(backend, max(20, runs // 4)),
    }


def report(results: list[dict[str, Any]]) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"SP-initiated SAML round trip, BlogIn → JumpCloud → BlogIn, headless ({os.cpu_count()} CPUs, load {load:.1f})"
    )
    for result in results:
        print(f"\nbackend {result['backend']}")
        for mode in ("session reused", "session reused, httpx", "fresh IdP login"):
            figures = result[mode]
            verdict = ""
            if mode == "session reused":
                verdict = "  target met" if figures["median_ms"] <= TARGET_MS else "  TARGET MISSED"
            print(
                f"  {mode:<21} median {figures['median_ms']:7.1f} ms   p90 {figures['p90_ms']:7.1f} ms   "
                f"best {figures['best_ms']:6.1f} ms   "
                f"CPU {figures['cpu_median_ms']:6.1f} ms   "
                f"({figures['requests']} requests, {figures['runs']} runs){verdict}"
            )
            print(f"      {'request (wall median / best, CPU median)':<42} {'wall':>6}    {'best':>6}    {'CPU':>6}")
            for name, median, best, cpu in figures["steps"]:
                print(f"      {name:<42} {median:6.1f} ms {best:6.1f} ms {cpu:6.1f} ms")
        print("  SAML work alone, in process (no HTTP, Flask or database): fastest / median")
        for name, fastest, median in result["in process"]:
            print(f"      {name:<42} {fastest:6.2f} / {median:6.2f} ms")
    print(f"\ntarget: median ≤ {TARGET_MS:.0f} ms for the round trip with the JumpCloud session reused")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200, help="timed round trips per backend (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed round trips first (default 20)")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one_backend(args.backend, args.runs, args.warmup)))
        return 0
    results = []
    for backend in BACKENDS if args.backend == "both" else (args.backend,):
        # A process per backend: both systems read the backend once, at start-up.
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--backend",
                backend,
                "--runs",
                str(args.runs),
                "--warmup",
                str(args.warmup),
            ],
            env={**os.environ, "SANDBOX_SAML_BACKEND": backend, "PYTHONWARNINGS": "ignore"},
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            return child.returncode
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
