"""A WSGI app served on loopback only: a thread per connection, waitress's HTTP parsing and responses.

waitress serves from one thread polling every socket and hands each parsed request to a worker thread,
which then wakes the polling thread again when it is done: three threads and two hand-offs per request,
about 0.3 ms of CPU each on the SSO round trip's five requests. Here each connection has its own thread,
blocked in ``recv`` while the connection is idle, which parses the request with waitress's own parser,
runs it with waitress's own task (the same WSGI environ, the same response headers and framing, the same
errors for malformed requests) and sends the answer itself. A browser keeps a handful of keep-alive
connections per host, so a handful of mostly idle threads are all this costs; at most ``threads``
requests run at once, as with waitress's workers.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import struct
import threading
import time
from typing import Any

from waitress.adjustments import Adjustments
from waitress.buffers import ReadOnlyFileBasedBuffer
from waitress.channel import ClientDisconnected
from waitress.parser import HTTPRequestParser
from waitress.proxy_headers import proxy_headers_middleware
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import InternalServerError

from sandbox.errors import PortInUseError

log = logging.getLogger("sandbox.server")

# How long a request already being handled may take to finish once the server stops.
_FINISH_REQUESTS_S = 2.0
# Bytes asked of the socket at once: a posted SAML Response (12-20 KB) arrives in one read.
_RECV_BYTES = 65536
# A response is sent once this much of it has gathered (or when it is complete).
_SEND_AT = 65536
_HUNDRED_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _Server:
    """What waitress's tasks read of their server."""

    def __init__(self, application: Any, adj: Adjustments, port: int) -> None:
        self.application = application
        self.adj = adj
        self.effective_port = port
        self.server_name = adj.server_name


class _Connection:
    """One client connection, as waitress's tasks see their channel: the response is gathered and sent
    with ``sendall`` by the connection's own thread."""

    def __init__(self, server: _Server, sock: socket.socket, addr: Any) -> None:
        self.server = server
        self.adj = server.adj
        self.sock = sock
        self.addr = addr
        self.connected = True
        self._out: list[bytes] = []
        self._gathered = 0

    def check_client_disconnected(self) -> bool:
        """``environ["waitress.client_disconnected"]``: whether the client has gone."""
        return not self.connected

    def write_soon(self, data: Any) -> int:
        """Queue ``data`` (bytes, or a file from ``wsgi.file_wrapper``) for the client."""
        if not self.connected:
            raise ClientDisconnected
        if isinstance(data, ReadOnlyFileBasedBuffer):
            self.flush()
            try:
                while chunk := data.get(_SEND_AT, skip=True):
                    self._send(chunk)
            finally:
                data.close()
            return 0
        if data:
            self._out.append(data)
            self._gathered += len(data)
            if self._gathered >= _SEND_AT:
                self.flush()
        return len(data)

    def flush(self) -> None:
        """Send what has gathered."""
        if self._out:
            data = self._out[0] if len(self._out) == 1 else b"".join(self._out)
            self._out.clear()
            self._gathered = 0
            self._send(data)

    def _send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as error:
            self.connected = False
            raise ClientDisconnected(str(error)) from error


def _bound_socket(port: int, adj: Adjustments) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for level, option, value in adj.socket_options:
            listener.setsockopt(level, option, value)
        listener.bind(("127.0.0.1", port))
        listener.listen(adj.backlog)
    except BaseException:
        listener.close()
        raise
    return listener


def _set_timeouts(sock: socket.socket, seconds: int) -> None:
    """Bound every read and write by ``seconds`` in the kernel (SO_RCVTIMEO/SO_SNDTIMEO) and keep the
    socket blocking: a socket with a Python timeout polls before each read and write."""
    timeval = struct.pack("ll", seconds, 0)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    except (OSError, struct.error):
        sock.settimeout(seconds)


#: Requests each system answers at once: more than the eight JumpCloud's provisioning delivers at once
#: (``ProvisioningWorker.delivery_threads``), so a SCIM endpoint made slow on purpose (BlogIn's Test faults:
#: latency) holds eight of them and leaves some for the admin console, the sign-in pages and the health check.
SERVER_THREADS = 12


class ServerThread:
    """Binds at construction (so a busy port fails before anything starts), serves on ``start()``.

    ``stop()`` closes the listening socket and every open connection (browsers keep idle
    keep-alive connections for minutes), lets requests in progress finish briefly, and ends
    every thread the server started.
    """

    def __init__(self, app: Any, *, system: str, port: int, option: str, threads: int = SERVER_THREADS) -> None:
        self.system = system
        self._adj = Adjustments(
            host="127.0.0.1", port=port, threads=threads, ident="sso-sandbox", clear_untrusted_proxy_headers=True
        )
        try:
            self._listener = _bound_socket(port, self._adj)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(system, port, option) from error
            raise
        self._port = int(self._listener.getsockname()[1])
        # As waitress does: X-Forwarded-* and Forwarded headers are removed, nothing on loopback is a proxy.
        application = proxy_headers_middleware(app, clear_untrusted=True, log_untrusted=False, logger=log)
        self._server = _Server(application, self._adj, self._port)
        self._running = threading.BoundedSemaphore(threads)
        self._connection_slots = threading.BoundedSemaphore(self._adj.connection_limit)
        self._lock = threading.Lock()
        self._open: dict[socket.socket, threading.Thread] = {}
        self._stopping = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, name=f"{system}-http", daemon=True)

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> None:
        self._thread.start()
        log.info("%s listening on 127.0.0.1:%d", self.system, self.port)

    # -- accepting ---------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            # Past waitress's connection limit, new connections wait in the listen backlog.
            if not self._connection_slots.acquire(timeout=0.5):
                continue
            try:
                sock, addr = self._listener.accept()
            except OSError as error:
                self._connection_slots.release()
                if self._stopping.is_set():
                    return
                # Out of file descriptors and the like: try again shortly rather than spin.
                log.warning("%s could not accept a connection: %s", self.system, error)
                time.sleep(0.1)
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                _set_timeouts(sock, self._adj.channel_timeout)
            except OSError:
                self._connection_slots.release()
                sock.close()
                continue
            thread = threading.Thread(target=self._serve, args=(sock, addr), name=f"{self.system}-http", daemon=True)
            with self._lock:
                if self._stopping.is_set():
                    self._connection_slots.release()
                    sock.close()
                    return
                self._open[sock] = thread
            try:
                thread.start()
            except RuntimeError:
                # No thread to be had (the process is at its limit): turn this connection away.
                log.warning("%s could not start a thread for a connection", self.system)
                with self._lock:
                    self._open.pop(sock, None)
                self._connection_slots.release()
                sock.close()

    # -- one connection ----------------------------------------------------------------------------

    def _serve(self, sock: socket.socket, addr: Any) -> None:
        """Read requests off ``sock`` and answer them in order until either side closes it."""
        connection = _Connection(self._server, sock, addr)
        adj = self._adj
        request: HTTPRequestParser | None = None
        sent_continue = False
        try:
            while not self._stopping.is_set():
                try:
                    data = sock.recv(_RECV_BYTES)
                except OSError:
                    return  # idle past the channel timeout, or reset by the client
                if not data:
                    return
                while data:
                    if request is None:
                        request = HTTPRequestParser(adj)
                    consumed = request.received(data)
                    if request.expect_continue and request.headers_finished and not sent_continue:
                        request.expect_continue = False
                        sent_continue = True
                        sock.sendall(_HUNDRED_CONTINUE)
                    if request.completed:
                        sent_continue = False
                        finished, request = request, None
                        try:
                            if not finished.empty and self._answer(connection, finished):
                                return
                        finally:
                            finished.close()
                    if consumed >= len(data):
                        break
                    data = data[consumed:]
        except OSError:
            return
        finally:
            if request is not None:
                request.close()
            connection.connected = False
            with self._lock:
                self._open.pop(sock, None)
            self._connection_slots.release()
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _answer(self, connection: _Connection, request: HTTPRequestParser) -> bool:
        """Run one request and send its response; whether the connection is to be closed."""
        with self._running:
            task: Any = ErrorTask(connection, request) if request.error else WSGITask(connection, request)
            try:
                task.service()
            except ClientDisconnected:
                return True
            except Exception:
                log.exception("Exception while serving %s", request.path)
                if task.wrote_header:
                    return True
                task = self._internal_error(connection, request)
                if task is None:
                    return True
            try:
                connection.flush()
            except ClientDisconnected:
                return True
            return bool(task.close_on_finish)

    def _internal_error(self, connection: _Connection, request: HTTPRequestParser) -> ErrorTask | None:
        """waitress's own 500 answer for an app that failed before sending anything."""
        error = HTTPRequestParser(self._adj)
        error.error = InternalServerError("The server encountered an unexpected internal server error")
        error.version = request.version
        if "CONNECTION" in request.headers:
            error.headers["CONNECTION"] = request.headers["CONNECTION"]
        task = ErrorTask(connection, error)
        try:
            task.service()
        except ClientDisconnected:
            return None
        return task

    # -- stopping ----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop serving: no thread, connection or listening socket is left behind."""
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()
        with contextlib.suppress(OSError):
            # Wakes the accepting thread on Linux.
            self._listener.shutdown(socket.SHUT_RDWR)
        if self._thread.is_alive():
            self._thread.join(timeout=0.2)
        if self._thread.is_alive():
            # Where shutting a listening socket down does not wake accept(), a connection does.
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self._port), timeout=1).close()
            self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            threads = list(self._open.values())
            # Idle connections read their end at once; a request in progress still sends its answer.
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RD)
        deadline = time.monotonic() + _FINISH_REQUESTS_S
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        still = sum(thread.is_alive() for thread in threads)
        if still:
            log.warning("%s stopped with %d request(s) still running", self.system, still)
        log.info("%s stopped", self.system)
