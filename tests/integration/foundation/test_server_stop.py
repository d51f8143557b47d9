"""Stopping a server is quick and complete, even while a browser holds a keep-alive connection."""

from __future__ import annotations

import http.client
import socket
import threading
import time

from sandbox.server import ServerThread


def _hello(environ: dict[str, object], start_response: object) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])  # type: ignore[operator]
    return [b"hello"]


def _port_is_free(port: int) -> bool:
    """Nothing listens on ``port`` and a new server (which sets SO_REUSEADDR, as waitress does) can bind it.

    Plain ``bind`` without it may fail for a minute: connections the server closed linger in TIME_WAIT.
    """
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
        return True


def test_stop_with_an_idle_keep_alive_connection_is_quick_and_frees_everything() -> None:
    threads_before = set(threading.enumerate())
    server = ServerThread(_hello, system="hello", port=0, option="--port")
    server.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.read() == b"hello"
        assert response.getheader("Connection", "").lower() != "close"  # the connection stays open

        started = time.monotonic()
        server.stop()
        took = time.monotonic() - started

        assert took < 1.0, f"stop took {took:.2f} s"
        assert _port_is_free(server.port)
        # The server hung up on the idle connection instead of leaving it open.
        assert connection.sock is not None
        connection.sock.settimeout(2)
        assert connection.sock.recv(1) == b""
    finally:
        connection.close()
    left = [thread for thread in set(threading.enumerate()) - threads_before if thread.is_alive()]
    assert left == []


def test_stop_before_start_leaves_no_thread_or_port() -> None:
    threads_before = set(threading.enumerate())
    server = ServerThread(_hello, system="hello", port=0, option="--port")
    server.stop()
    assert _port_is_free(server.port)
    left = [thread for thread in set(threading.enumerate()) - threads_before if thread.is_alive()]
    assert left == []


def test_stop_during_a_slow_request_returns_and_leaves_no_thread() -> None:
    threads_before = set(threading.enumerate())
    handling = threading.Event()

    def slow(environ: dict[str, object], start_response: object) -> list[bytes]:
        handling.set()
        time.sleep(0.5)
        return _hello(environ, start_response)

    server = ServerThread(slow, system="slow", port=0, option="--port")
    server.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", "/")
        assert handling.wait(5)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 3.0
        assert _port_is_free(server.port)
    finally:
        connection.close()
    left = [thread for thread in set(threading.enumerate()) - threads_before if thread.is_alive()]
    assert left == []
