"""The composition root: settings → databases → systems → Flask apps → HTTP servers.

The servers (``sandbox.server``) use waitress's HTTP parser and WSGI tasks, with a thread per connection.

The desktop (``sandbox.desktop``) builds its window on top of a :class:`Sandbox`, which may still be
starting: its addresses (:attr:`Sandbox.addresses`) are known once the ports are bound, before either
system is loaded.

Starting comes in steps, so the desktop can show its first page before the systems serve, or even load:

1. :meth:`Sandbox.bind_ports` binds both ports (a busy port surfaces here) and answers on them at once:
   the End User's first page from what JumpCloud answered in an earlier run (``sandbox.first_page``),
   with ``first_page=True``; every other request waits until its system serves.
2. :meth:`Sandbox.open_systems` loads both systems and opens their databases (database and scenario
   errors surface here).
3. :meth:`Sandbox.serve` builds one system's Flask app and serves it.

:meth:`Sandbox.start` does all of them for both systems, as ``sso-sandbox serve`` and the tests use it.
Nothing here imports SQLAlchemy, Flask or a system until step 2: the desktop's window is built before.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sandbox.errors import SandboxStartupError
from sandbox.events import EventBus
from sandbox.login_links import LoginLinks
from sandbox.server import ServerThread
from sandbox.settings import BLOGIN_ADMIN_EMAIL, BLOGIN_HOST, JUMPCLOUD_ADMIN_EMAIL, JUMPCLOUD_HOST, Settings

if TYPE_CHECKING:
    from sandbox.blogin import BlogIn
    from sandbox.first_page import FirstPage
    from sandbox.jumpcloud import JumpCloud
    from sandbox.system import MockSystem

log = logging.getLogger("sandbox.app")

#: the systems in the order :meth:`Sandbox.start` serves them
SYSTEMS = ("jumpcloud", "blogin")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class SystemAddress:
    """Where a system serves, known once its port is bound, and its single-use sign-in links.

    The system, once loaded, uses the same port and the same links (so a link issued before it
    loaded, for a persona's first page, still signs in).
    """

    label: str
    host: str
    admin_email: str
    port: int = 0
    login_links: LoginLinks = field(default_factory=LoginLinks)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def admin_login_link(self) -> str:
        """A single-use URL that opens the portal signed in as the sandbox administrator."""
        return self.login_links.signed_in_url(self.base_url, self.admin_email)


class _AppSlot:
    """What a bound port answers: its system's WSGI app once served; until then the recorded first page
    (JumpCloud's, when there is one) and, for everything else, a wait for the app.

    A request still waiting when the sandbox stops is answered 503.
    """

    def __init__(self, address: SystemAddress, first_page: FirstPage | None = None) -> None:
        self.app: WsgiApp | None = None
        self.first_page = first_page
        self._address = address
        self._ready = threading.Event()

    def fill(self, app: WsgiApp) -> None:
        self.app = app
        self._ready.set()

    def close(self) -> None:
        self._ready.set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self._ready.is_set() and self.first_page is not None:
            answer = self.first_page.answer(environ, start_response, self._address.port)
            if answer is not None:
                return answer
        self._ready.wait()
        if self.app is None:
            body = f"{self._address.label} is not running.".encode()
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.app(environ, start_response)


class Sandbox:
    """Both systems, started together and stopped together.

    ``first_page``: the End User's first page is answered from what JumpCloud answered in an earlier
    run while the systems load, and kept for the next run once JumpCloud serves (``sandbox.first_page``).
    """

    def __init__(self, settings: Settings, *, first_page: bool = False) -> None:
        self.settings = settings
        self.bus = EventBus()
        self.addresses = {
            "jumpcloud": SystemAddress("JumpCloud", JUMPCLOUD_HOST, JUMPCLOUD_ADMIN_EMAIL),
            "blogin": SystemAddress("BlogIn", BLOGIN_HOST, BLOGIN_ADMIN_EMAIL),
        }
        self.keeps_first_page = first_page
        self._systems: dict[str, MockSystem] = {}
        self._systems_lock = threading.Lock()
        self._servers: dict[str, ServerThread] = {}
        self._slots: dict[str, _AppSlot] = {}
        self._serving: set[str] = set()
        self._opened = False
        self.started = False

    # -- the systems, loaded on first use ------------------------------------------------------

    @property
    def jumpcloud(self) -> JumpCloud:
        """The mock JumpCloud (loaded on first use; its database opens in :meth:`open_systems`)."""
        return self._system("jumpcloud")  # type: ignore[return-value]

    @property
    def blogin(self) -> BlogIn:
        """The mock BlogIn (loaded on first use; its database opens in :meth:`open_systems`)."""
        return self._system("blogin")  # type: ignore[return-value]

    def _system(self, key: str) -> MockSystem:
        system = self._systems.get(key)
        if system is not None:
            return system
        with self._systems_lock:
            if key not in self._systems:
                built: MockSystem
                if key == "jumpcloud":
                    from sandbox.jumpcloud import JumpCloud

                    built = JumpCloud(self.settings.jumpcloud_db_url, self.bus)
                else:
                    from sandbox.blogin import BlogIn

                    built = BlogIn(self.settings.blogin_db_url, self.bus)
                address = self.addresses[key]
                built.login_links = address.login_links
                built.port = address.port
                self._systems[key] = built
            return self._systems[key]

    @property
    def opened(self) -> bool:
        """Whether both systems are loaded and their databases open (after :meth:`open_systems`)."""
        return self._opened

    # -- starting ----------------------------------------------------------------------------

    def start(self) -> None:
        """Bind both ports, open both databases, then serve; on any failure nothing is left running."""
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
        """:meth:`bind_ports`, then :meth:`open_systems`."""
        self.bind_ports()
        self.open_systems()

    def bind_ports(self) -> None:
        """Bind both ports (a port in use surfaces here) and answer on them; nothing is left bound on failure.

        Until a system serves, its port answers only the recorded first page (see :class:`_AppSlot`).
        """
        first_page = None
        if self.keeps_first_page:
            from sandbox.first_page import load

            first_page = load(self.settings.data_dir, JUMPCLOUD_HOST)
        try:
            for key, option, port in (
                ("jumpcloud", "--jumpcloud-port", self.settings.jumpcloud_port),
                ("blogin", "--blogin-port", self.settings.blogin_port),
            ):
                address = self.addresses[key]
                slot = _AppSlot(address, first_page if key == "jumpcloud" else None)
                self._servers[key] = ServerThread(slot, system=address.label, port=port, option=option)
                self._slots[key] = slot
                address.port = self._servers[key].port
                if key in self._systems:
                    self._systems[key].port = address.port
        except BaseException:
            self.stop()
            raise
        for server in self._servers.values():
            server.start()

    @property
    def answers_first_page(self) -> bool:
        """Whether JumpCloud's port answers the End User's first page before JumpCloud serves."""
        slot = self._slots.get("jumpcloud")
        return slot is not None and slot.first_page is not None

    def open_systems(self) -> None:
        """Load both systems and open their databases (database errors surface here); after :meth:`bind_ports`.

        A scenario given at start-up is loaded here too, once the ports are known, before anything serves.
        On any failure nothing is left open or bound.
        """
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.jumpcloud.open(reset=self.settings.reset)
            self.blogin.open(reset=self.settings.reset)
        except BaseException:
            self.stop()
            raise
        if self.settings.scenario is not None:
            # Before serving, once the ports are known: stored URLs move to the ports in use.
            from sandbox.scenarios import ScenarioError, load_scenario

            try:
                load_scenario(self, self.settings.scenario)
            except ScenarioError as error:
                self.stop()
                raise SandboxStartupError(str(error)) from error
        self._opened = True

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

    def serving(self, key: str) -> bool:
        """Whether system ``key`` serves requests yet."""
        return key in self._serving

    def _build_app(self, key: str) -> None:
        # Imported here: a system's web layer (Flask, its blueprints) loads only when it is served.
        if key == "jumpcloud":
            from sandbox.jumpcloud import create_app as create_jumpcloud_app

            self._slots[key].fill(create_jumpcloud_app(self.jumpcloud))
        else:
            from sandbox.blogin import create_app as create_blogin_app

            self._slots[key].fill(create_blogin_app(self.blogin))

    def _serve_bound(self, key: str) -> None:
        self._serving.add(key)
        self.started = True
        address = self.addresses[key]
        log.info("%s serving at %s", address.label, address.base_url)

    def _all_serving(self) -> None:
        self.jumpcloud.start_background()
        log.info("ready: JumpCloud %s, BlogIn %s", self.jumpcloud.base_url, self.blogin.base_url)
        slot = self._slots.get("jumpcloud")
        # Recorded once per version of the code: a page kept by this code is not written again.
        if self.keeps_first_page and slot is not None and slot.app is not None and slot.first_page is None:
            from sandbox.first_page import record

            address = self.addresses["jumpcloud"]
            try:
                record(slot.app, self.settings.data_dir, address.host, address.port)
            except Exception:  # only the next start's speed depends on it
                log.warning("could not keep the End User's first page for the next start", exc_info=True)

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
        """Stop serving and close both databases (a request still waiting for its system is answered 503)."""
        if "jumpcloud" in self._systems:
            self.jumpcloud.stop_background()
        for slot in self._slots.values():
            slot.close()
        for server in reversed(list(self._servers.values())):
            server.stop()
        self._servers.clear()
        self._slots.clear()
        self._serving.clear()
        for system in self._systems.values():
            system.close()
        self._opened = False
        self.started = False

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
