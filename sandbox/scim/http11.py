"""A lean HTTP/1.1 client for plain-``http`` SCIM requests on kept-alive connections.

A provisioning sync sends thousands of small requests to one server; through httpx each costs
about a millisecond of CPU (URL parsing and re-quoting, header models, h11's state machine, the
connection pool's bookkeeping), several times the cost of the request itself. :class:`KeepAlivePool`
writes the request line and headers itself and reads the answer with a buffered socket file: same
timeouts (connect, each read and each write bounded by ``timeout``), no retries, ``*.localhost``
sent to loopback with its ``Host`` kept (as :class:`sandbox.http.LoopbackTransport` does).

It speaks ``http`` only; :class:`sandbox.scim.transport.ScimTransport` sends ``https`` and anything
unusual through httpx, which this class also is (a ``BaseTransport`` delegating to a per-thread
``LoopbackTransport``), so it can be passed wherever a transport is expected.
"""

from __future__ import annotations

import io
import re
import select
import socket
import struct
import threading
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from sandbox.http import LoopbackTransport

# Bounds on what is read from a server before it is refused as not speaking HTTP.
MAX_LINE = 65_536
MAX_HEADERS = 200


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 as this client reads it (or the connection dropped)."""


@dataclass(frozen=True)
class Answer:
    """A response: status, headers (names lower-cased, in order) and the decoded body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class Origin:
    """Where a base URL's requests go: the server to connect to and what the request head names."""

    host: str
    port: int
    netloc: str  # the Host header, as httpx writes it
    path: str  # the base URL's path, each request's target starts with it


# A path httpx would leave as it is (no quoting, no dot segments to normalise): unreserved characters
# and slashes, and percent-escapes (ids are sent percent-encoded), which httpx keeps as they are.
PLAIN_PATH = re.compile(r"[A-Za-z0-9\-_~/.]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9\-_~/.]*)*")


def is_plain_path(path: str) -> bool:
    return PLAIN_PATH.fullmatch(path) is not None and "/." not in path


def origin_of(base_url: str) -> Origin | None:
    """The origin of a plain ``http`` base URL written as httpx would normalise it; None otherwise."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname or "@" in parts.netloc or parts.query or parts.fragment:
        return None
    if not is_plain_path(parts.path):
        return None
    try:
        if str(httpx.URL(base_url)) != base_url:
            return None
        port = parts.port or 80
    except (httpx.InvalidURL, ValueError):
        return None
    return Origin(parts.hostname, port, parts.netloc, parts.path)


def _is_localhost_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


class _SocketReader(io.RawIOBase):
    """The raw stream under a connection's buffered reader: ``recv_into`` on a blocking socket whose
    reads the kernel bounds (``SO_RCVTIMEO``), a read that ran out of time raised as ``TimeoutError``."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self.received = 0  # bytes taken from the socket so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            count = self._sock.recv_into(buffer)
        except BlockingIOError as error:  # SO_RCVTIMEO ran out (EAGAIN)
            raise TimeoutError("timed out") from error
        self.received += count
        return count


def _kernel_timeouts(sock: socket.socket, timeout: float) -> bool:
    """Bound each read and write of blocking ``sock`` by ``timeout`` in the kernel; False where the
    platform refuses (the socket then keeps Python's own timeout).

    A socket with a Python timeout waits in ``poll()`` before every ``send`` and ``recv``: each wait
    gives up the interpreter lock and takes it back, and while the worker's dispatcher runs, taking
    it back can cost a switch interval (5 ms). A blocking socket waits in the call itself, once.
    """
    if not 0 < timeout < 2**31:
        return False  # zero means "never" to the kernel; Python reads it as "do not wait"
    seconds = int(timeout)
    # At least a microsecond: a zero timeval would never time out.
    value = struct.pack("ll", seconds, max(int((timeout - seconds) * 1_000_000), 0 if seconds else 1))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
    except (OSError, struct.error):
        return False
    sock.settimeout(None)
    return True


# Linux's TCP_INFO, read with getsockopt, which keeps the interpreter lock (poll() gives it up): its
# first byte is the connection's state (ESTABLISHED until the server closes or resets it), and the
# 64-bit count at offset 128 the data bytes received on it (tcpi_bytes_received, Linux 4.1 and later).
_TCP_INFO = getattr(socket, "TCP_INFO", None)
_TCP_ESTABLISHED = 1
_BYTES_RECEIVED_AT = 128
_TCP_INFO_SIZE = _BYTES_RECEIVED_AT + 8


class _Connection:
    """One kept-alive socket to one origin."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        address = "127.0.0.1" if _is_localhost_name(host) else host
        self.sock = socket.create_connection((address, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.in_kernel = _kernel_timeouts(self.sock, timeout)
        self.reader: _SocketReader | None = None
        if self.in_kernel:
            self.reader = _SocketReader(self.sock)
            self.file: io.BufferedReader = io.BufferedReader(self.reader)
        else:
            self.file = self.sock.makefile("rb")
        # Bytes of the answers read so far: all the socket gave, unless the server sent more.
        self.consumed = 0

    def reusable(self) -> bool:
        """An idle connection the server has not closed, reset or sent anything more on.

        On Linux, TCP_INFO says so without giving up the interpreter lock: the connection is still
        established, and every byte it received was read from the socket and belongs to the answers
        read. Elsewhere (or without the byte count) an idle socket that is readable, by EOF or by such
        bytes, is not reused."""
        if _TCP_INFO is not None and self.reader is not None:
            try:
                info = self.sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, _TCP_INFO_SIZE)
            except OSError:
                return False
            if len(info) >= _TCP_INFO_SIZE:
                received = struct.unpack_from("=Q", info, _BYTES_RECEIVED_AT)[0]
                return info[0] == _TCP_ESTABLISHED and received == self.reader.received == self.consumed
        try:
            poller = select.poll()
            poller.register(self.sock, select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False

    def close(self) -> None:
        try:
            self.file.close()
        finally:
            self.sock.close()

    def exchange(self, head: bytes, body: bytes | None, timeout: float, method: str) -> tuple[Answer, bool]:
        """Send one request and read its answer; also whether the connection may be kept."""
        if timeout != self.timeout:
            if not (self.in_kernel and _kernel_timeouts(self.sock, timeout)):
                self.sock.settimeout(timeout)
            self.timeout = timeout
        try:
            self.sock.sendall(head + body if body else head)
        except BlockingIOError as error:  # SO_SNDTIMEO ran out (EAGAIN)
            raise TimeoutError("timed out") from error
        while True:
            status, version, headers = self._read_head()
            if not 100 <= status < 200:
                break
        answer_body, complete = self._read_body(status, headers, method)
        keep = complete and _keeps_alive(version, headers)
        encoding = _header(headers, "content-encoding")
        if encoding:
            answer_body = _decoded(answer_body, encoding)
        return Answer(status, headers, answer_body), keep

    def _line(self) -> bytes:
        line = self.file.readline(MAX_LINE + 1)
        self.consumed += len(line)
        if not line:
            raise ProtocolError("Server disconnected without sending a response.")
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise ProtocolError("The server sent a line too long or cut short.")
        return line

    def _read_head(self) -> tuple[int, str, list[tuple[str, str]]]:
        parts = self._line().split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError("The server did not answer with an HTTP/1.x status line.")
        headers: list[tuple[str, str]] = []
        for line in self._header_lines():
            if len(headers) >= MAX_HEADERS:
                raise ProtocolError("The server sent too many headers.")
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not name or name != name.strip():
                raise ProtocolError("The server sent a malformed header line.")
            headers.append((name.lower(), value.strip()))
        return int(parts[1]), parts[0].decode("ascii"), headers

    def _header_lines(self) -> list[bytes]:
        """The header lines up to the blank one, without their line ends.

        Usually the whole header block has arrived with the status line: it is then taken from the
        buffer in one read instead of line by line.
        """
        buffered = self.file.peek(MAX_LINE)
        if buffered.startswith(b"\r\n"):
            self.consumed += len(self.file.read(2))
            return []
        end = buffered.find(b"\r\n\r\n")
        if end >= 0 and b"\n" not in buffered[:end].replace(b"\r\n", b""):
            block = self.file.read(end + 4)
            self.consumed += len(block)
            return block[:end].split(b"\r\n")
        lines: list[bytes] = []
        while True:
            line = self._line()
            if line in (b"\r\n", b"\n"):
                return lines
            if len(lines) > MAX_HEADERS:
                raise ProtocolError("The server sent too many headers.")
            lines.append(line.rstrip(b"\r\n"))

    def _read_body(self, status: int, headers: list[tuple[str, str]], method: str) -> tuple[bytes, bool]:
        if method == "HEAD" or status in (204, 304):
            return b"", True
        if "chunked" in (_header(headers, "transfer-encoding") or "").lower():
            return self._read_chunks(), True
        length = _header(headers, "content-length")
        if length is not None:
            if not length.isdigit():
                raise ProtocolError("The server sent an invalid Content-Length.")
            size = int(length)
            data = self.file.read(size) if size else b""
            self.consumed += len(data)
            if len(data) != size:
                raise ProtocolError("Server disconnected before the whole response body arrived.")
            return data, True
        # Neither: the body runs until the server closes the connection.
        return self.file.read(), False

    def _read_chunks(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_text = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError("The server sent an invalid chunk size.") from None
            if size == 0:
                while self._line() not in (b"\r\n", b"\n"):
                    pass  # trailers are not used
                return b"".join(parts)
            data = self.file.read(size)
            self.consumed += len(data)
            if len(data) != size:
                raise ProtocolError("Server disconnected before the whole response body arrived.")
            parts.append(data)
            self._line()


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _keeps_alive(version: str, headers: list[tuple[str, str]]) -> bool:
    connection = (_header(headers, "connection") or "").lower()
    if version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


def _decoded(body: bytes, encoding: str) -> bytes:
    """gzip and deflate bodies decoded, as httpx does; other codings are passed on as they came."""
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompress(body, zlib.MAX_WBITS | 16)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding != "identity":
                return body
        except zlib.error as error:
            raise ProtocolError(f"The server sent a body that does not decode as {coding}.") from error
    return body


class KeepAlivePool(httpx.BaseTransport):
    """Kept-alive connections of each thread, for many threads sending at once.

    Each thread keeps its own idle connections (``per_origin`` per host and port), so no thread
    waits on another's lock; :meth:`request` sends plain ``http``. As an httpx transport (for
    ``https``, and for callers that build httpx requests) each thread gets its own
    ``LoopbackTransport`` with the same room.
    """

    def __init__(self, per_origin: int = 2) -> None:
        self.per_origin = per_origin
        self._local = threading.local()
        self._lock = threading.Lock()
        self._idle_lists: list[dict[tuple[str, int], list[_Connection]]] = []
        self._transports: list[LoopbackTransport] = []
        self._origins: dict[str, Origin | None] = {}
        self._closed = False

    def origin(self, base_url: str) -> Origin | None:
        """:func:`origin_of`, remembered per base URL (a client is made for every delivery)."""
        try:
            return self._origins[base_url]
        except KeyError:
            return self._origins.setdefault(base_url, origin_of(base_url))

    def _idle(self) -> dict[tuple[str, int], list[_Connection]]:
        idle: dict[tuple[str, int], list[_Connection]] | None = getattr(self._local, "idle", None)
        if idle is None:
            idle = self._local.idle = {}
            with self._lock:
                self._idle_lists.append(idle)
        return idle

    def request(self, host: str, port: int, method: str, head: bytes, body: bytes | None, timeout: float) -> Answer:
        """Send ``head`` (request line and headers, ending with the blank line) and ``body``.

        Failures are raised as httpx raises them (``ConnectError``, ``ConnectTimeout``,
        ``ReadTimeout``, ``ReadError``, ``RemoteProtocolError``), so callers handle one family.
        """
        idle = self._idle().setdefault((host, port), [])
        connection: _Connection | None = None
        while idle:
            candidate = idle.pop()
            if candidate.reusable():
                connection = candidate
                break
            candidate.close()
        if connection is None:
            try:
                connection = _Connection(host, port, timeout)
            except TimeoutError as error:
                raise httpx.ConnectTimeout(str(error) or "timed out") from error
            except OSError as error:
                raise httpx.ConnectError(str(error)) from error
        try:
            answer, keep = connection.exchange(head, body, timeout, method)
        except BaseException as error:
            connection.close()
            if isinstance(error, TimeoutError):
                raise httpx.ReadTimeout(str(error) or "timed out") from error
            if isinstance(error, ProtocolError):
                raise httpx.RemoteProtocolError(str(error)) from error
            if isinstance(error, OSError):
                raise httpx.ReadError(str(error)) from error
            raise
        if keep and len(idle) < self.per_origin and not self._closed:
            idle.append(connection)
        else:
            connection.close()
        return answer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport: LoopbackTransport | None = getattr(self._local, "transport", None)
        if transport is None:
            limits = httpx.Limits(max_connections=self.per_origin, max_keepalive_connections=self.per_origin)
            transport = self._local.transport = LoopbackTransport(retries=0, limits=limits)
            with self._lock:
                self._transports.append(transport)
        return transport.handle_request(request)

    def close(self) -> None:
        """Close every thread's idle connections (a request in flight closes its own when done)."""
        with self._lock:
            self._closed = True
            idle_lists, self._idle_lists = self._idle_lists, []
            transports, self._transports = self._transports, []
        for idle in idle_lists:
            for connections in list(idle.values()):
                # The owning thread may be taking one at the same moment.
                while True:
                    try:
                        connection = connections.pop()
                    except IndexError:
                        break
                    connection.close()
        for transport in transports:
            transport.close()
