"""The End User's first page, answered while JumpCloud's web layer is still loading.

The desktop's End User starts at the User Console, whose login page is the same for every browser
without a session: it reads nothing from the database and holds no per-visitor token (a sign-in posted
to it is checked by its origin, not by a token in the form). Loading SQLAlchemy, both systems and Flask
takes most of the second the desktop needs to show a page; this module lets that one page, the
redirect to it and the files it links be answered before, with what JumpCloud's own app answered for
them in an earlier run:

- once JumpCloud serves, :func:`record` asks its app for them, as a browser without a cookie does, and
  keeps the answers in the data folder, marked with the code they came from (:func:`code_mark`);
- at the next start :func:`load` reads them back if that code has not changed, and :class:`FirstPage`
  answers them (to a browser without a cookie, at JumpCloud's own address) until the app serves.
  Every other request waits for the app.

Nothing here imports Flask or SQLAlchemy: that is the point.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import site
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sandbox

log = logging.getLogger("sandbox.first_page")

FILE_NAME = "first-page.json"
#: the User Console (which sends a browser without a session to its login page) and that login page
PAGES = ("/userconsole", "/userconsole/login")
#: what the answers depend on: JumpCloud's web layer (views, templates, style sheets) and what it builds on
_CODE = ("jumpcloud/web", "webcommon.py", "form_parsing.py", "url_rules.py", "server.py")
#: headers of an answer that belong to the moment it was made, not to the page
_MOMENTARY = {"date", "content-length", "set-cookie"}
_LINKED_FILE = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def code_mark(package: Path | None = None) -> str:
    """A mark of the code the answers come from: each file's path, size and modification time, and the
    installed packages' folder (which a package installed or upgraded changes)."""
    root = package or Path(sandbox.__file__).parent
    digest = hashlib.sha256(sandbox.__version__.encode())
    paths: list[Path] = []
    for name in _CODE:
        path = root / name
        if path.is_dir():
            paths.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        else:
            paths.append(path)
    for path in [*sorted(paths), *(Path(p) for p in site.getsitepackages())]:
        try:
            stat = path.stat()
        except OSError:
            continue
        name = str(path.relative_to(root) if path.is_relative_to(root) else path)
        digest.update(f"{name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class FirstPage:
    """The recorded answers, given to a browser without a cookie asking JumpCloud's address for them."""

    def __init__(self, answers: dict[str, Answer], host: str) -> None:
        self.answers = answers
        self.host = host

    def answer(self, environ: dict[str, Any], start_response: Callable[..., Any], port: int) -> list[bytes] | None:
        """The recorded answer to this request, or ``None`` when it is not one of them (the app answers it)."""
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or environ.get("HTTP_COOKIE")
            or environ.get("HTTP_HOST") != f"{self.host}:{port}"
        ):
            return None
        answer = self.answers.get(environ.get("PATH_INFO", ""))
        if answer is None:
            return None
        start_response(answer.status, [*answer.headers, ("Content-Length", str(len(answer.body)))])
        return [answer.body]


def load(data_dir: Path, host: str) -> FirstPage | None:
    """The answers kept in ``data_dir``, if they were made by the code running now; ``None`` otherwise."""
    try:
        kept = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
        if kept.get("code") != code_mark():
            return None
        answers = {
            path: Answer(item["status"], [(str(k), str(v)) for k, v in item["headers"]], base64.b64decode(item["body"]))
            for path, item in kept["answers"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # none kept yet, or unreadable: the app answers the first page itself
    if not all(page in answers for page in PAGES):
        return None
    return FirstPage(answers, host)


def record(app: WsgiApp, data_dir: Path, host: str, port: int) -> bool:
    """Ask JumpCloud's ``app`` for the first page and what it links, and keep the answers in ``data_dir``.

    Nothing is kept when an answer depends on the visit: a cookie set, the port in the page, an error.
    Whether the answers were kept.
    """
    answers: dict[str, Answer] = {}
    todo = list(PAGES)
    while todo:
        path = todo.pop(0)
        if path in answers:
            continue
        answer = _ask(app, path, host, port)
        if answer is None:
            return False
        answers[path] = answer
        if path == PAGES[-1]:
            todo.extend(_LINKED_FILE.findall(answer.body.decode("utf-8", "replace")))
    mark = code_mark()
    kept = {
        "code": mark,
        "answers": {
            path: {
                "status": answer.status,
                "headers": [list(header) for header in answer.headers],
                "body": base64.b64encode(answer.body).decode("ascii"),
            }
            for path, answer in answers.items()
        },
    }
    target = data_dir / FILE_NAME
    partial = target.with_suffix(".partial")
    try:
        partial.write_text(json.dumps(kept), encoding="utf-8")
        os.replace(partial, target)
    except OSError as error:
        log.info("could not keep the first page in %s: %s", target, error)
        return False
    return True


def _ask(app: WsgiApp, path: str, host: str, port: int) -> Answer | None:
    """One GET of ``path`` by a browser without a cookie, straight through the WSGI app."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": f"{host}:{port}",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": _Empty(),
        "wsgi.errors": _Empty(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started[:] = [status, headers]

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    status, headers = started
    kept = [(name, value) for name, value in headers if name.lower() not in _MOMENTARY]
    momentary = any(name.lower() == "set-cookie" for name, _ in headers)
    if not status.startswith(("200", "302")) or momentary or f"{host}:{port}".encode() in body:
        log.info("the first page is not kept: %s answered %s", path, status)
        return None
    if any(name.lower() == "location" and not value.startswith("/") for name, value in kept):
        return None  # a redirect that names the address (and so the port) is the visit's
    return Answer(status, kept, body)


class _Empty:
    """An empty request body, and an error stream that keeps nothing."""

    def read(self, *_args: Any) -> bytes:
        return b""

    def readline(self, *_args: Any) -> bytes:
        return b""

    def write(self, _text: str) -> None:
        return None

    def flush(self) -> None:
        return None
