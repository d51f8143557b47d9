"""The server under concurrent keep-alive clients, as during JumpCloud's sync: every response arrives
whole (large and streamed ones included), and the listening thread stays idle while each connection's
own thread answers its requests."""

from __future__ import annotations

import http.client
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.server import ServerThread

SMALL = b"x" * 900
# Larger than a loopback socket's buffers: part of it must wait for the client to read.
LARGE = bytes(range(256)) * (16 * 1024)
CHUNK = b"s" * 65536
CHUNKS = 48


def _app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes] | list[bytes]:
    path = environ["PATH_INFO"]
    if path == "/large":
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(LARGE)))])
        return [LARGE]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return iter([CHUNK] * CHUNKS)
    start_response("200 OK", [("Content-Type", "application/scim+json"), ("Content-Length", str(len(SMALL)))])
    return [SMALL]


@pytest.fixture
def served() -> Iterator[int]:
    server = ServerThread(_app, system="load", port=0, option="--port")
    server.start()
    try:
        yield server.port
    finally:
        server.stop()


def _fetch(port: int, path: str, times: int, failures: list[str], *, slow: bool = False) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        for _ in range(times):
            connection.request("POST", path, body=b'{"userName":"a"}', headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            body = bytearray()
            while chunk := response.read(32768):
                body += chunk
                if slow:
                    time.sleep(0.002)
            expected = {"/large": LARGE, "/stream": CHUNK * CHUNKS}.get(path, SMALL)
            if response.status != 200 or bytes(body) != expected:
                failures.append(f"{path}: {response.status}, {len(body)} bytes")
    except (OSError, http.client.HTTPException) as error:
        failures.append(f"{path}: {error!r}")
    finally:
        connection.close()


def test_large_and_streamed_responses_arrive_whole_to_slow_readers_among_busy_clients(served: int) -> None:
    failures: list[str] = []
    threads = [threading.Thread(target=_fetch, args=(served, "/scim", 60, failures)) for _ in range(6)]
    threads += [
        threading.Thread(target=_fetch, args=(served, "/large", 3, failures), kwargs={"slow": True}),
        threading.Thread(target=_fetch, args=(served, "/stream", 3, failures), kwargs={"slow": True}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a response never finished"
    assert failures == []


def _thread_cpu_s(thread: threading.Thread) -> float:
    """CPU seconds ``thread`` has used so far (Linux /proc)."""
    with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads thread CPU from /proc")
def test_the_listening_thread_stays_idle_while_connections_are_busy(served: int) -> None:
    # Each connection's own thread reads, runs and answers its requests; the listening thread only
    # accepts. (waitress's single serving thread polled every channel and spun on those whose worker
    # was sending, about twenty turns per request.)
    listening = next(thread for thread in threading.enumerate() if thread.name == "load-http")
    before = _thread_cpu_s(listening)
    failures: list[str] = []
    clients, each = 8, 100
    threads = [threading.Thread(target=_fetch, args=(served, "/scim", each, failures)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert _thread_cpu_s(listening) - before < 0.05
