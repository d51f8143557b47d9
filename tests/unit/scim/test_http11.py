"""The lean HTTP/1.1 client: the same requests, records and failures as httpx, on kept-alive connections."""

from __future__ import annotations

import gzip
import json
import re
import socketserver
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from sandbox.http import LoopbackTransport
from sandbox.scim.client import (
    NOT_FOUND,
    RATE_LIMITED,
    TIMEOUT,
    UNREACHABLE,
    USER_SCHEMA,
    ScimClient,
    ScimRequestError,
)
from sandbox.scim.http11 import KeepAlivePool
from tests.integration.jumpcloud_idm.scim_servers import ScimServer, scim2_server


@pytest.fixture(scope="module")
def scim() -> Iterator[ScimServer]:
    with scim2_server() as server:
        yield server


class Scripted:
    """A raw HTTP server answering each request with the next scripted bytes (the last repeats);
    a script entry of ``None`` closes the connection without answering, a tuple is written in
    parts a moment apart."""

    def __init__(
        self,
        answers: Sequence[bytes | tuple[bytes, ...] | None],
        delay: float = 0.0,
        hang_up_after: set[int] | None = None,
    ) -> None:
        self.answers = answers
        self.hang_up_after = hang_up_after or set()
        self.delay = delay
        self.connections = 0
        self.requests: list[bytes] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                outer.connections += 1
                while True:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        chunk = self.rfile.readline()
                        if not chunk:
                            return
                        head += chunk
                    length = re.search(rb"(?i)content-length: (\d+)", head)
                    body = self.rfile.read(int(length.group(1))) if length else b""
                    outer.requests.append(head + body)
                    time.sleep(outer.delay)
                    answer = outer.answers[min(len(outer.requests), len(outer.answers)) - 1]
                    if answer is None:
                        return
                    for n, part in enumerate(answer if isinstance(answer, tuple) else (answer,)):
                        time.sleep(0.05 if n else 0.0)
                        self.wfile.write(part)
                        self.wfile.flush()
                    if (
                        b"Connection: close" in b"".join(answer if isinstance(answer, tuple) else (answer,))
                        or len(outer.requests) in outer.hang_up_after
                    ):
                        return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/scim/v2"

    def __enter__(self) -> Scripted:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(status: str, body: bytes, *headers: str, length: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/scim+json", *headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


LIST = json.dumps({"schemas": [], "totalResults": 1, "Resources": [{"id": "7", "userName": "kim"}]}).encode()


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without what differs between two runs (timing, ids, dates, ETags)."""
    kept = {k: v for k, v in record.items() if k not in ("latency_ms", "sent_at", "response_body", "response_headers")}
    kept["url"] = re.sub(r"/[0-9a-f-]{32,36}", "/ID", record["url"])
    kept["path"] = re.sub(r"/[0-9a-f-]{32,36}", "/ID", record["path"])
    kept["response_header_names"] = sorted(record["response_headers"])
    return kept


def conversation(client: ScimClient, name: str) -> None:
    user = client.create_user({"schemas": [USER_SCHEMA], "userName": name, "password": "Secr3t!"})
    client.find_users([name, 'o"brien'])
    client.patch_user(user.id, [{"op": "replace", "path": "active", "value": False}])
    assert client.find_user(name) is not None
    client.list_users(1, 5)
    client.delete_user(user.id)
    with pytest.raises(ScimRequestError) as missing:
        client.delete_user(user.id)
    assert missing.value.kind == NOT_FOUND


def test_the_pool_sends_and_records_exactly_what_httpx_does(scim: ScimServer) -> None:
    through_httpx: list[dict[str, Any]] = []
    through_pool: list[dict[str, Any]] = []
    with LoopbackTransport() as transport:
        conversation(
            ScimClient(scim.base_url, scim.token, client=transport, on_exchange=through_httpx.append), "twin.a"
        )
    pool = KeepAlivePool()
    try:
        conversation(ScimClient(scim.base_url, scim.token, client=pool, on_exchange=through_pool.append), "twin.b")
    finally:
        pool.close()
    assert len(through_pool) == len(through_httpx) == 7
    for ours, theirs in zip(through_pool, through_httpx, strict=True):
        assert comparable(ours) == comparable(json.loads(json.dumps(theirs).replace("twin.a", "twin.b")))
    assert through_pool[0]["request_headers"]["authorization"] == "Bearer test••••"
    assert "Secr3t!" not in (through_pool[0]["request_body"] or "")


def test_one_connection_is_kept_alive_and_a_closed_one_is_replaced() -> None:
    ok = answer("200 OK", LIST)
    with Scripted([ok, ok, answer("200 OK", LIST, "Connection: close"), ok]) as server:
        pool = KeepAlivePool()
        client = ScimClient(server.url, "t", client=pool)
        for _ in range(4):
            assert client.find_user("kim") is not None
        pool.close()
    # Three requests on the first connection (the third closed it), the fourth on a new one.
    assert server.connections == 2
    first = server.requests[0].decode()
    assert first.startswith("GET /scim/v2/Users?filter=userName+eq+%22kim%22 HTTP/1.1\r\nHost: 127.0.0.1:")
    assert "Authorization: Bearer t\r\n" in first


def test_chunked_gzip_and_close_delimited_bodies_are_read() -> None:
    zipped = gzip.compress(LIST)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (zipped[:10], zipped[10:])) + b"0\r\n\r\n"
    answers: list[bytes | None] = [
        answer("200 OK", chunked, "Transfer-Encoding: chunked", "Content-Encoding: gzip", length=False),
        answer("200 OK", LIST, "Connection: close", length=False),
    ]
    records: list[dict[str, Any]] = []
    with Scripted(answers) as server:
        pool = KeepAlivePool()
        client = ScimClient(server.url, "t", client=pool, on_exchange=records.append)
        assert client.find_user("kim") is not None
        assert client.find_user("kim") is not None
        pool.close()
    assert json.loads(records[0]["response_body"])["Resources"][0]["userName"] == "kim"
    assert records[0]["response_headers"]["content-encoding"] == "gzip"


def test_failures_are_the_same_kinds_as_through_httpx() -> None:
    pool = KeepAlivePool()
    records: list[dict[str, Any]] = []
    try:
        with pytest.raises(ScimRequestError) as refused:
            ScimClient("http://127.0.0.1:9/v2", "t", client=pool, on_exchange=records.append).find_user("x")
        assert refused.value.kind == UNREACHABLE and "connection refused" in str(refused.value)
        assert records[0]["status"] is None and records[0]["error"].startswith("ConnectError")

        with Scripted([answer("200 OK", LIST)], delay=0.5) as slow, pytest.raises(ScimRequestError) as late:
            ScimClient(slow.url, "t", timeout=0.1, client=pool).find_user("kim")
        assert late.value.kind == TIMEOUT and late.value.retryable

        with Scripted([None]) as hangs_up, pytest.raises(ScimRequestError) as dropped:
            ScimClient(hangs_up.url, "t", client=pool).find_user("kim")
        assert dropped.value.kind == UNREACHABLE and "disconnected" in str(dropped.value)

        with Scripted([b"SSH-2.0-OpenSSH\r\n\r\n"]) as not_http, pytest.raises(ScimRequestError) as garbled:
            ScimClient(not_http.url, "t", client=pool).find_user("kim")
        assert garbled.value.kind == UNREACHABLE

        limited = answer("429 Too Many Requests", b"{}", "Retry-After: 3")
        with Scripted([limited]) as busy, pytest.raises(ScimRequestError) as slowed:
            ScimClient(busy.url, "t", client=pool).find_user("kim")
        assert slowed.value.kind == RATE_LIMITED and slowed.value.retry_after == 3
    finally:
        pool.close()


def test_what_the_pool_does_not_write_itself_goes_through_httpx() -> None:
    ok = answer("200 OK", LIST)
    with Scripted([ok]) as server:
        pool = KeepAlivePool()
        # An id is sent percent-encoded, which the pool writes as httpx would; a token that is not
        # printable ASCII goes through httpx and its header checks.
        records: list[dict[str, Any]] = []
        ScimClient(server.url, "t", client=pool, on_exchange=records.append).delete_user("a b/é")
        assert records[0]["url"].endswith("/Users/a%20b%2F%C3%A9")
        assert server.requests[0].startswith(b"DELETE /scim/v2/Users/a%20b%2F%C3%A9 HTTP/1.1\r\n")
        with pytest.raises(ScimRequestError) as refused:
            ScimClient(server.url, "t\r\nX-Injected: 1", client=pool).find_user("kim")
        assert refused.value.kind == UNREACHABLE and "Illegal header value" in str(refused.value)
        pool.close()
    assert b"X-Injected" not in b"".join(server.requests)


def test_each_thread_keeps_its_own_connection() -> None:
    with Scripted([answer("200 OK", LIST)]) as server:
        pool = KeepAlivePool()

        def work() -> None:
            client = ScimClient(server.url, "t", client=pool)
            for _ in range(5):
                client.find_user("kim")

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pool.close()
    assert len(server.requests) == 15 and server.connections == 3


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    # The server hangs up after its first answer without saying so (an idle timeout, say).
    with Scripted([answer("200 OK", LIST)], hang_up_after={1}) as server:
        pool = KeepAlivePool()
        client = ScimClient(server.url, "t", client=pool)
        assert client.find_user("kim") is not None
        time.sleep(0.1)
        assert client.find_user("kim") is not None
        pool.close()
    assert server.connections == 2


def test_a_head_arriving_in_pieces_or_without_headers_is_read() -> None:
    whole = answer("200 OK", LIST)
    split = whole.index(b"Content-Length")
    answers: list[bytes | tuple[bytes, ...] | None] = [
        (whole[:split], whole[split:]),
        (b"HTTP/1.1 204 No Content\r\n", b"\r\n"),
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]
    with Scripted(answers) as server:
        pool = KeepAlivePool()
        client = ScimClient(server.url, "t", client=pool)
        assert client.find_user("kim") is not None
        client.delete_user("7")
        client.delete_user("7")
        pool.close()
    assert server.connections == 1 and len(server.requests) == 3


def test_a_connection_the_server_sent_more_on_is_not_reused() -> None:
    # After its answer the server writes a stray answer on the idle connection and keeps it open: read
    # as the next request's answer, it would put every later answer one request behind.
    stray = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"
    empty = json.dumps({"schemas": [], "totalResults": 0, "Resources": []}).encode()
    answers: list[bytes | tuple[bytes, ...] | None] = [
        answer("200 OK", LIST) + stray,
        (answer("200 OK", LIST), stray),
        answer("200 OK", empty),
    ]
    with Scripted(answers) as server:
        pool = KeepAlivePool()
        client = ScimClient(server.url, "t", client=pool)
        assert client.find_user("kim") is not None  # the stray bytes came with the answer
        assert client.find_user("kim") is not None  # they come a moment after it
        time.sleep(0.2)
        assert client.find_user("kim") is None  # the third answer, on a third connection
        pool.close()
    assert server.connections == 3
