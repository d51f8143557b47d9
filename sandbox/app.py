"""The composition root: settings → databases → systems → Flask apps → waitress servers.

The desktop (``sandbox.desktop``) builds its window on top of a running :class:`Sandbox`.
"""

from __future__ import annotations

import http.client
import logging
import time
from types import TracebackType

from sandbox.blogin import BlogIn
from sandbox.blogin import create_app as create_blogin_app
from sandbox.errors import SandboxStartupError
from sandbox.events import EventBus
from sandbox.jumpcloud import JumpCloud
from sandbox.jumpcloud import create_app as create_jumpcloud_app
from sandbox.scenarios import ScenarioError, load_scenario
from sandbox.server import ServerThread
from sandbox.settings import Settings

log = logging.getLogger("sandbox.app")


class Sandbox:
    """Both systems, started together and stopped together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bus = EventBus()
        self.jumpcloud = JumpCloud(settings.jumpcloud_db_url, self.bus)
        self.blogin = BlogIn(settings.blogin_db_url, self.bus)
        self._servers: list[ServerThread] = []
        self.started = False

    def start(self) -> None:
        """Open both databases, bind both ports, then serve; on any failure nothing is left running."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.jumpcloud.open(reset=self.settings.reset)
            self.blogin.open(reset=self.settings.reset)
            jumpcloud_app = create_jumpcloud_app(self.jumpcloud)
            blogin_app = create_blogin_app(self.blogin)
            jumpcloud_server = ServerThread(
                jumpcloud_app, system="JumpCloud", port=self.settings.jumpcloud_port, option="--jumpcloud-port"
            )
            self._servers.append(jumpcloud_server)
            blogin_server = ServerThread(
                blogin_app, system="BlogIn", port=self.settings.blogin_port, option="--blogin-port"
            )
            self._servers.append(blogin_server)
        except BaseException:
            self.stop()
            raise
        self.jumpcloud.port = jumpcloud_server.port
        self.blogin.port = blogin_server.port
        if self.settings.scenario is not None:
            # Before serving, once the ports are known: stored URLs move to the ports in use.
            try:
                load_scenario(self, self.settings.scenario)
            except ScenarioError as error:
                self.stop()
                raise SandboxStartupError(str(error)) from error
        for server in self._servers:
            server.start()
        self.started = True
        self.wait_until_answering()
        self.jumpcloud.start_background()
        log.info("ready: JumpCloud %s, BlogIn %s", self.jumpcloud.base_url, self.blogin.base_url)

    def wait_until_answering(self, timeout: float = 10.0) -> None:
        """Return once both systems answer ``GET /health``; raise ``OSError`` after ``timeout`` seconds.

        A bare ``http.client`` request to the bound port: at start-up nothing else has loaded
        httpx yet, and it costs a good part of a second to import.
        """
        deadline = time.monotonic() + timeout
        for system in (self.jumpcloud, self.blogin):
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
        """Both systems back to first-run state, servers kept running."""
        self.jumpcloud.reset()
        self.blogin.reset()
        log.info("sandbox reset")

    def stop(self) -> None:
        self.jumpcloud.stop_background()
        for server in reversed(self._servers):
            server.stop()
        self._servers.clear()
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
