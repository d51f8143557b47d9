"""SCIM servers the tests provision into: scim2-server (an independent implementation) behind a
small WSGI layer that can inject faults (status codes, Retry-After, latency) on request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from scim2_server.memory import InMemoryStorage
from scim2_server.testserver.application import BearerTokenApplication
from scim2_server.utils import load_default_provider

from sandbox.scim.client import ScimClient, ScimGroup, ScimUser
from sandbox.server import ServerThread

TOKEN = "test-token-0123456789"

StartResponse = Callable[..., Any]


@dataclass
class Fault:
    """Answer ``status`` (with ``headers``) to the next ``times`` requests matching method and path."""

    method: str
    path_contains: str
    status: int = 500
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/scim+json"
    body: bytes = b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"injected"}'


class FaultInjector:
    """WSGI middleware: faults first, then the real server; every request is counted."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.requests: list[tuple[str, str, float]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        with self._lock:
            self.requests.append((method, f"{path}?{query}" if query else path, time.monotonic()))
            fault = next(
                (f for f in self.faults if f.times > 0 and f.method == method and f.path_contains in path), None
            )
            if fault is not None:
                fault.times -= 1
        if self.latency:
            time.sleep(self.latency)
        if fault is None:
            return self.app(environ, start_response)
        if fault.delay:
            time.sleep(fault.delay)
        headers = [("Content-Type", fault.content_type), *fault.headers.items()]
        start_response(f"{fault.status} Injected", headers)
        return [fault.body]

    def count(self, method: str, path_contains: str) -> int:
        return sum(1 for m, p, _ in self.requests if m == method and path_contains in p)


@dataclass
class ScimServer:
    base_url: str
    token: str
    faults: FaultInjector

    def client(self) -> ScimClient:
        return ScimClient(self.base_url, self.token)

    def users(self) -> list[ScimUser]:
        with self.client() as client:
            return client.all_users()

    def user(self, user_name: str) -> ScimUser | None:
        with self.client() as client:
            return client.find_user(user_name)

    def group(self, name: str) -> ScimGroup | None:
        with self.client() as client:
            return client.find_group(name)


@contextmanager
def scim2_server(token: str = TOKEN) -> Iterator[ScimServer]:
    """scim2-server on a free loopback port."""
    app = BearerTokenApplication(InMemoryStorage(), load_default_provider(), bearer_tokens=[token])
    injector = FaultInjector(app)
    # The sandbox's own server thread: it stops without closing sockets under waitress's poll.
    server = ServerThread(injector, system="scim2-server", port=0, option="--port")
    server.start()
    try:
        yield ScimServer(f"http://127.0.0.1:{server.port}/v2", token, injector)
    finally:
        server.stop()
