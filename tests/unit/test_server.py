"""The loopback server speaks HTTP/1.1 as waitress does: keep-alive and pipelined requests answered in order,
100-continue, HTTP/1.0, malformed requests and failing apps, files from ``wsgi.file_wrapper``, proxy
headers removed, and at most ``threads`` requests running at once."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sandbox.server import ServerThread

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@contextmanager
def served(app: App, threads: int = 8) -> Iterator[int]:
    server = ServerThread(app, system="test", port=0, option="--port", threads=threads)
    server.start()
    try:
        yield server.port
    finally:
        server.stop()


def _echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    body = environ["wsgi.input"].read()
    forwarded = environ.get("HTTP_X_FORWARDED_FOR", "-")
    text = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {len(body)} {forwarded} {environ['REMOTE_ADDR']}"
    payload = text.encode() + b"\n" + body
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(payload)))])
    return [payload]


def _exchange(port: int, raw: bytes, *, wait_for: int = 1) -> bytes:
    """Send ``raw`` and read until ``wait_for`` responses have ended (by Content-Length) or the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(raw)
        received = b""
        while received.count(b"HTTP/1.") < wait_for or not _complete(received, wait_for):
            chunk = client.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def _complete(received: bytes, count: int) -> bool:
    rest, done = received, 0
    while done < count:
        head, found, rest = rest.partition(b"\r\n\r\n")
        if not found:
            return False
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        if len(rest) < length:
            return False
        rest = rest[length:]
        done += 1
    return True


def test_pipelined_keep_alive_requests_are_answered_in_order_on_one_connection() -> None:
    with served(_echo) as port:
        answer = _exchange(
            port,
            b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            b"GET /three HTTP/1.1\r\nHost: x\r\n\r\n",
            wait_for=3,
        )
    assert answer.count(b"HTTP/1.1 200 OK") == 3
    assert answer.index(b"GET /one 0") < answer.index(b"POST /two 5") < answer.index(b"GET /three 0")
    assert b"Server: sso-sandbox" in answer
    assert b"Connection: close" not in answer


def test_expect_100_continue_is_answered_before_the_body_is_sent() -> None:
    with served(_echo) as port, socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        assert client.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.sendall(b"data")
        answer = b""
        while b"POST /upload 4" not in answer:
            chunk = client.recv(1024)
            assert chunk, "the connection closed before the answer"
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK")


def test_http_1_0_without_keep_alive_is_answered_and_closed() -> None:
    with served(_echo) as port:
        answer = _exchange(port, b"GET /old HTTP/1.0\r\n\r\n", wait_for=2)  # reads until the server closes
    assert answer.startswith(b"HTTP/1.0 200 OK")
    assert b"Connection: close" in answer
    assert answer.endswith(b"GET /old 0 - 127.0.0.1\n")


def test_a_malformed_request_gets_400_and_the_connection_is_closed() -> None:
    with served(_echo) as port:
        answer = _exchange(port, b"GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", wait_for=2)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Connection: close" in answer


def test_an_app_that_fails_gets_waitress_500_and_the_server_keeps_serving() -> None:
    def failing(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["PATH_INFO"] == "/fail":
            raise RuntimeError("boom")
        return _echo(environ, start_response)

    with served(failing) as port:
        failed = _exchange(port, b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")
        fine = _exchange(port, b"GET /fine HTTP/1.1\r\nHost: x\r\n\r\n")
    assert failed.startswith(b"HTTP/1.1 500 Internal Server Error")
    assert b"boom" not in failed  # no traceback for the client
    assert fine.startswith(b"HTTP/1.1 200 OK")


def test_a_file_wrapper_response_is_sent_whole() -> None:
    content = bytes(range(256)) * 2000  # larger than one send

    def download(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(content)))])
        wrapped: Iterable[bytes] = environ["wsgi.file_wrapper"](io.BytesIO(content))
        return wrapped

    with served(download) as port:
        answer = _exchange(port, b"GET /file HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.split(b"\r\n\r\n", 1)[1] == content


def test_forwarded_headers_from_the_client_are_removed() -> None:
    with served(_echo) as port:
        answer = _exchange(port, b"GET /x HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n")
    assert b"GET /x 0 - 127.0.0.1" in answer


def test_no_more_than_threads_requests_run_at_once() -> None:
    running = 0
    most = 0
    guard = threading.Lock()

    def slow(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with guard:
            running -= 1
        return _echo(environ, start_response)

    with served(slow, threads=2) as port:
        answers: list[bytes] = []
        clients = [
            threading.Thread(target=lambda: answers.append(_exchange(port, b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n")))
            for _ in range(6)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=10)
    assert len(answers) == 6 and all(answer.startswith(b"HTTP/1.1 200 OK") for answer in answers)
    assert most == 2
