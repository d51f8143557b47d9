"""A WSGI app served by waitress in a daemon thread, on loopback only."""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
from typing import Any

from waitress.server import create_server

from sandbox.errors import PortInUseError

log = logging.getLogger("sandbox.server")

# waitress warns about queue depth for every queued request under load; that costs throughput
# and says nothing a user can act on.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)


class ServerThread:
    """Binds at construction (so a busy port fails before anything starts), serves on ``start()``."""

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
        self._thread = threading.Thread(target=self._serve, name=f"{system}-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def start(self) -> None:
        self._thread.start()
        log.info("%s listening on 127.0.0.1:%d", self.system, self.port)

    def _serve(self) -> None:
        # close() from another thread ends the loop with EBADF; that is a clean stop.
        with contextlib.suppress(OSError):
            self._server.run()

    def stop(self) -> None:
        self._server.close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        log.info("%s stopped", self.system)
