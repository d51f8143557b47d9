"""The composition root: settings → databases → systems → Flask apps → HTTP servers.

The servers (``sandbox.server``) use waitress's HTTP parser and WSGI tasks, with a thread per connection.

The desktop (``sandbox.desktop``) builds its window on top of a running :class:`Sandbox`.

Starting comes in two steps, so the desktop can show its first page before both systems serve:
:meth:`Sandbox.bind` opens both databases and binds both ports (every start-up error surfaces
here, before anything serves), then :meth:`Sandbox.serve` builds one system's Flask app and serves
it. A request that reaches a bound port before its system serves waits in the listen queue.
:meth:`Sandbox.start` does both for both systems, as ``sso-sandbox serve`` and the tests use it.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from sandbox.blogin import BlogIn
from sandbox.errors import SandboxStartupError
from sandbox.events import EventBus
from sandbox.jumpcloud import JumpCloud
from sandbox.scenarios import ScenarioError, load_scenario
from sandbox.server import ServerThread
from sandbox.settings import Settings

log = logging.getLogger("sandbox.app")

#: the systems in the order :meth:`Sandbox.start` serves them
SYSTEMS = ("jumpcloud", "blogin")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _AppSlot:
    """The WSGI app a server was bound with, filled in when its system is served.

    The server thread only runs once the slot holds the app, so no request ever finds it empty.
    """

    def __init__(self) -> None:
        self.app: WsgiApp | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        assert self.app is not None, "served before its app was built"
        return self.app(environ, start_response)


class Sandbox:
    """Both systems, started together and stopped together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bus = EventBus()
        self.jumpcloud = JumpCloud(settings.jumpcloud_db_url, self.bus)
        self.blogin = BlogIn(settings.blogin_db_url, self.bus)
        self._servers: dict[str, ServerThread] = {}
        self._slots: dict[str, _AppSlot] = {}
        self._serving: set[str] = set()
        self.started = False

    def start(self) -> None:
        """Open both databases, bind both ports, then serve; on any failure nothing is left running."""
        self.bind()
        try:
            for key in SYSTEMS:
                self._build_app(key)
        except BaseException:
            self.stop()
            raise
        for key in SYSTEMS:
            self._serve_bound(key)
        self.wait_until_answering()
        self._all_serving()

    def bind(self) -> None:
        """Open both databases and bind both ports (port-in-use and database errors surface here).

        A scenario given at start-up is loaded here too, once the ports are known, before anything serves.
        On any failure nothing is left open.
        """
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.jumpcloud.open(reset=self.settings.reset)
            self.blogin.open(reset=self.settings.reset)
            for key, label, port, option in (
                ("jumpcloud", "JumpCloud", self.settings.jumpcloud_port, "--jumpcloud-port"),
                ("blogin", "BlogIn", self.settings.blogin_port, "--blogin-port"),
            ):
                slot = _AppSlot()
                self._servers[key] = ServerThread(slot, system=label, port=port, option=option)
                self._slots[key] = slot
        except BaseException:
            self.stop()
            raise
        self.jumpcloud.port = self._servers["jumpcloud"].port
        self.blogin.port = self._servers["blogin"].port
        if self.settings.scenario is not None:
            # Before serving, once the ports are known: stored URLs move to the ports in use.
            try:
                load_scenario(self, self.settings.scenario)
            except ScenarioError as error:
                self.stop()
                raise SandboxStartupError(str(error)) from error

    def serve(self, key: str) -> None:
        """Build system ``key``'s Flask app, serve it and return once it answers; after :meth:`bind`.

        Once both systems serve, JumpCloud's provisioning worker starts and the ``ready`` line is logged.
        """
        if key in self._serving:
            return
        self._build_app(key)
        self._serve_bound(key)
        self.wait_until_answering((key,))
        if self._serving == set(SYSTEMS):
            self._all_serving()

    def prepare(self, key: str) -> None:
        """Set up system ``key``'s ORM mappers now, which its first request would otherwise do.

        The desktop calls it while the window is being built and Chromium starts the first page's
        renderer, so that the page's first request finds them ready.
        """
        if key == "jumpcloud":
            from sandbox.jumpcloud.models import Base as JumpCloudBase

            JumpCloudBase.registry.configure()
        else:
            from sandbox.blogin.models import Base as BlogInBase

            BlogInBase.registry.configure()

    def serving(self, key: str) -> bool:
        """Whether system ``key`` serves requests yet."""
        return key in self._serving

    def _build_app(self, key: str) -> None:
        # Imported here: a system's web layer (Flask, its blueprints) loads only when it is served.
        if key == "jumpcloud":
            from sandbox.jumpcloud import create_app as create_jumpcloud_app

            self._slots[key].app = create_jumpcloud_app(self.jumpcloud)
        else:
            from sandbox.blogin import create_app as create_blogin_app

            self._slots[key].app = create_blogin_app(self.blogin)

    def _serve_bound(self, key: str) -> None:
        self._servers[key].start()
        self._serving.add(key)
        self.started = True

    def _all_serving(self) -> None:
        self.jumpcloud.start_background()
        log.info("ready: JumpCloud %s, BlogIn %s", self.jumpcloud.base_url, self.blogin.base_url)

    def wait_until_answering(self, keys: Iterable[str] = SYSTEMS, timeout: float = 10.0) -> None:
        """Return once the systems ``keys`` answer ``GET /health``; raise ``OSError`` after ``timeout`` seconds.

        A bare ``http.client`` request to the bound port: at start-up nothing else has loaded
        httpx yet, and it costs a good part of a second to import.
        """
        deadline = time.monotonic() + timeout
        for key in keys:
            system = self.jumpcloud if key == "jumpcloud" else self.blogin
            while True:
                connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=2.0)
                try:
                    connection.request("GET", "/health", headers={"Host": f"{system.host}:{system.port}"})
                    connection.getresponse().read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.005)
                finally:
                    connection.close()

    def reset(self) -> None:
        """Both systems back to first-run state, servers kept running; JumpCloud's provisioning is paused
        until both are, so nothing is sent to a BlogIn half reset."""
        with self.jumpcloud.background_paused():
            self.jumpcloud.reset()
            self.blogin.reset()
        log.info("sandbox reset")

    def stop(self) -> None:
        self.jumpcloud.stop_background()
        for server in reversed(list(self._servers.values())):
            server.stop()
        self._servers.clear()
        self._slots.clear()
        self._serving.clear()
        self.jumpcloud.close()
        self.blogin.close()
        self.started = False

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
