"""The SCIM service in front of BlogIn's Flask app: requests under ``/sso/scim/V2`` are answered here,
everything else goes on to the console.

A SCIM request is a handful of plain function calls — read the environ, check the gate, run the endpoint,
commit, record the exchange, write the answer — without Flask's request context, its hooks, context-local
lookups or a werkzeug Response, which together cost about as much CPU as a create's own work.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.utils import redirect

from sandbox.blogin.scim import PREFIX
from sandbox.blogin.scim.api import (
    GATE_KEY,
    ScimCall,
    authenticate,
    end_unfinished,
    error_answer,
    finish,
    in_scim,
)
from sandbox.blogin.scim.gate import ScimGate
from sandbox.blogin.scim.routes import allowed_methods, routes_for
from sandbox.blogin.scim.wire import ScimAnswer, ScimRequest, empty_answer
from sandbox.blogin.system import BlogIn
from sandbox.scim.errors import ScimError

log = logging.getLogger("sandbox.blogin.scim")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_SLASHES = re.compile(r"/{2,}")


def _unexpected() -> ScimAnswer:
    return error_answer(ScimError(500, "BlogIn could not complete the request. Details are in the sandbox log."))


class ScimService:
    """A WSGI app: SCIM requests answered directly, the rest passed to ``console``."""

    def __init__(self, system: BlogIn, scim_gate: ScimGate, console: WsgiApp, config: Mapping[str, Any]) -> None:
        self.system = system
        self.gate = scim_gate
        self.console = console
        self.config = config

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = ScimRequest(environ, self.config.get("MAX_CONTENT_LENGTH"))
        if not in_scim(request.path):
            return self.console(environ, start_response)
        call = ScimCall(request, self.system)
        try:
            answer = self._answer(call)
        except BaseException:
            # Interrupted (the server is stopping): no lock or transaction may outlive the request.
            end_unfinished(call)
            raise
        try:
            answer = finish(call, answer)
        except Exception:
            log.exception("could not end SCIM %s %s", request.method, request.path)
            answer = _unexpected()
        start_response(answer.status_line(), answer.wire_headers())
        return [answer.body] if answer.sends_body(request.method) else []

    def _answer(self, call: ScimCall) -> ScimAnswer:
        request = call.request
        try:
            refused = authenticate(call, self.gate)
            if refused is not None:
                return refused
            return self._route(call)
        except ScimError as error:
            return error_answer(error)
        except DataError as error:
            # A value the database cannot take in any statement (PostgreSQL: a NUL character, a string longer
            # than its column) that no check before caught: the client's value, not BlogIn, is at fault.
            log.info("SCIM %s %s: the database refused a value: %s", request.method, request.path, error.orig)
            return error_answer(
                ScimError(
                    400,
                    "A value in the request cannot be stored or looked up by BlogIn "
                    "(it contains a NUL character, or is longer than BlogIn keeps).",
                    "invalidValue",
                )
            )
        except RequestEntityTooLarge:
            return error_answer(ScimError(413, self._too_large(request.environ.get("CONTENT_LENGTH"))))
        except HTTPException as error:
            return error_answer(ScimError(error.code or 500, error.description or error.name))
        except Exception:
            log.exception("unexpected error on SCIM %s %s", request.method, request.path)
            return _unexpected()

    def _too_large(self, sent: str | None) -> str:
        """What a client needs to know of a body over the limit: how large it was, and the limit."""
        limit = int(self.config.get("MAX_CONTENT_LENGTH") or 0)
        size = f" ({int(sent):,} bytes)" if sent and sent.isdecimal() else ""
        return (
            f"The request body{size} is larger than BlogIn accepts: at most {limit:,} bytes "
            f"({limit / 1024 / 1024:g} MB). Send fewer members or attributes per request."
        )

    def _route(self, call: ScimCall) -> ScimAnswer:
        request = call.request
        method = request.method
        scim_path = request.path[len(PREFIX) :]
        if "//" in scim_path:
            merged = _SLASHES.sub("/", scim_path)
            if any(_endpoint(endpoints, method) for endpoints, _ in routes_for(merged)):
                # As werkzeug's routing does: a path with doubled slashes is redirected to its plain form.
                moved = redirect(request.url_with_path(PREFIX + merged), 308)
                return ScimAnswer(308, list(moved.headers.items()), moved.get_data())
        routes = routes_for(scim_path)
        if not routes:
            raise ScimError(404, f"There is no SCIM endpoint at {request.path}.")
        for endpoints, args in routes:
            endpoint = _endpoint(endpoints, method)
            if endpoint is not None:
                return endpoint(call, *args)
        if method == "OPTIONS":
            return empty_answer(200, [("Allow", allowed_methods(routes))])
        raise ScimError(405, f"{method} is not supported on {request.path}.")


def _endpoint(endpoints: Mapping[str, Callable[..., ScimAnswer]], method: str) -> Callable[..., ScimAnswer] | None:
    # HEAD is a GET whose body is not sent.
    return endpoints.get("GET" if method == "HEAD" else method)


def mount(app: Flask) -> None:
    """Put the SCIM service in front of ``app`` (BlogIn's console) and start the exchange writer."""
    system: BlogIn = app.extensions["blogin"]
    scim_gate = ScimGate(system.database.engine)
    app.extensions[GATE_KEY] = scim_gate
    system.traces.write_in_background(system.database.sessions, system.bus.publish)
    app.wsgi_app = ScimService(system, scim_gate, app.wsgi_app, app.config)  # type: ignore[method-assign]
