"""A WSGI app served by waitress in a daemon thread, on loopback only."""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from sandbox.errors import PortInUseError

log = logging.getLogger("sandbox.server")

# waitress warns about queue depth for every queued request under load; that costs throughput
# and says nothing a user can act on.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)

# How long a request already being handled may take to finish once the server stops.
_FINISH_REQUESTS_S = 2.0


class _Channel(HTTPChannel):
    """waitress's channel, minus a busy loop under concurrent load.

    A worker sends its response itself while holding the channel's output lock. Meanwhile the output
    buffer is not empty, so waitress's channel asks to be polled for writing; the socket is writable at
    once, the serving thread's non-blocking attempt to take the lock fails, and it polls again, as
    long as the worker waits for the GIL with the lock held (about 20 turns per request with eight busy
    workers, most of the serving thread's CPU). Here the channel does not ask while a request is in
    service and its worker holds the lock: whatever that worker leaves unsent, it pulls the trigger for
    (waitress's ``write_soon`` and ``service`` do), and a worker waiting for room releases the lock.
    """

    def writable(self) -> bool:
        if not super().writable():
            return False
        if self.requests and not (self.will_close or self.close_when_flushed):
            if not self.outbuf_lock.acquire(False):
                return False
            self.outbuf_lock.release()
        return True


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
        self._server.channel_class = _Channel
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
