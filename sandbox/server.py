"""A WSGI app served by waitress in a daemon thread, on loopback only."""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from sandbox.errors import PortInUseError

log = logging.getLogger("sandbox.server")

# waitress warns about queue depth for every queued request under load; that costs throughput
# and says nothing a user can act on.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)

# How long a request already being handled may take to finish once the server stops.
_FINISH_REQUESTS_S = 2.0


class ServerThread:
    """Binds at construction (so a busy port fails before anything starts), serves on ``start()``.

    ``stop()`` closes the listening socket and every open connection (browsers keep idle
    keep-alive connections for minutes), lets requests in progress finish briefly, and ends
    the serving thread and waitress's worker threads.
    """

    def __init__(self, app: Any, *, system: str, port: int, option: str, threads: int = 8) -> None:
        self.system = system
        try:
            self._server = create_server(
                app,
                host="127.0.0.1",
                port=port,
                threads=threads,
                ident="sso-sandbox",
                clear_untrusted_proxy_headers=True,
            )
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(system, port, option) from error
            raise
        self._port = int(self._server.effective_port)
        self._stopping = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, name=f"{system}-http", daemon=True)

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> None:
        self._thread.start()
        log.info("%s listening on 127.0.0.1:%d", self.system, self.port)

    def _serve(self) -> None:
        server = self._server
        try:
            # waitress's own loop runs until its socket map is empty, which an idle keep-alive
            # connection prevents; this one also ends when stop() pulls the trigger.
            while not self._stopping.is_set():
                wasyncore.loop(
                    timeout=server.adj.asyncore_loop_timeout,
                    map=server._map,
                    use_poll=server.adj.asyncore_use_poll,
                    count=1,
                )
        finally:
            # Sockets are closed by the thread that polls them, never under its feet.
            self._close_sockets()

    def _close_sockets(self) -> None:
        wasyncore.close_all(self._server._map, ignore_all=True)

    def stop(self) -> None:
        """Stop serving: no thread, connection or listening socket is left behind."""
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()
        if self._thread.is_alive():
            # An OSError means the trigger is closed already: the loop is ending anyway.
            with contextlib.suppress(OSError):
                self._server.pull_trigger()
            self._thread.join(timeout=5)
        else:
            self._close_sockets()
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=_FINISH_REQUESTS_S)
        log.info("%s stopped", self.system)
