"""The SCIM 2.0 service at ``/sso/scim/V2``: authentication, faults, error bodies, exchange recording.

Everything under the prefix answers ``application/scim+json``, including unknown paths and methods,
and every exchange is kept as a ``"scim"`` trace for the desktop's SCIM traffic view.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any, cast

from flask import Blueprint, Flask, Request, Response, current_app, g, render_template, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from sandbox.blogin.scim.faults import endpoint_of, fault_for_request
from sandbox.blogin.scim.gate import ScimGate
from sandbox.blogin.scim.settings import token_accepted
from sandbox.blogin.services.audit import AUDIT_IDS_KEY
from sandbox.blogin.system import BlogIn
from sandbox.scim.errors import SCIM_CONTENT_TYPE, ScimError
from sandbox.scim.exchange import exchange
from sandbox.webcommon import db

PREFIX = "/sso/scim/V2"
JSON_TYPES = ("application/scim+json", "application/json")

log = logging.getLogger("sandbox.blogin.scim")

GATE_KEY = "blogin.scim_gate"

# Characters werkzeug's URL reconstruction leaves unchanged (no percent-escapes, nothing it would quote).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/._~-]*")
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._~=&-]*")

# Methods that never change a resource (a POST to /.search does not either, but is rare enough to lock).
_READS = frozenset({"GET", "HEAD", "OPTIONS"})

bp = Blueprint("scim", __name__, url_prefix=PREFIX)


def _system() -> BlogIn:
    return current_app.extensions["blogin"]


def gate() -> ScimGate:
    """The cached status, token and fault switches (see ``sandbox.blogin.scim.gate``)."""
    return cast(ScimGate, current_app.extensions[GATE_KEY])


def scim_base() -> str:
    """The Base (Tenant) URL resources' locations start with."""
    return f"{_system().base_url}{PREFIX}"


def in_scim(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
    response = Response(text, status=status, headers=headers)
    if body is not None:
        response.headers["Content-Type"] = SCIM_CONTENT_TYPE
    return response


def error_response(error: ScimError) -> Response:
    return scim_response(error.body(), error.status, error.headers)


def json_body() -> Any:
    """The request's JSON; the content type must be SCIM's or plain JSON."""
    mimetype = request.mimetype
    if mimetype and mimetype not in JSON_TYPES:
        raise ScimError(415, f"Send the body as application/scim+json or application/json, not {mimetype}.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ScimError(400, "The request has no body; a JSON object is expected.", "invalidSyntax")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise ScimError(400, f"The body is not valid JSON: {error}", "invalidSyntax") from error


@bp.before_app_request
def authenticate() -> Response | None:
    """Faults first (they simulate the network and the server), then the Bearer token."""
    if not in_scim(request.path):
        return None
    g.scim_started = time.perf_counter()
    g.commit_on_error = False
    session = db()
    state = gate().state(session)
    endpoint = endpoint_of(request.path[len(PREFIX) :])
    if endpoint in state.faulty:
        failure = _suffer_fault(session, endpoint)
        if failure is not None:
            return failure
    challenge = {"WWW-Authenticate": 'Bearer realm="BlogIn SCIM"'}
    if not state.enabled:
        return error_response(
            ScimError(401, "User provisioning is Off in BlogIn (Settings › User Provisioning).", headers=challenge)
        )
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(
            ScimError(401, "Send 'Authorization: Bearer <Secret (Bearer) token>'.", headers=challenge)
        )
    if not token_accepted(state.token, token.strip()):
        return error_response(
            ScimError(401, "The Secret (Bearer) token is not valid (it may have been regenerated).", headers=challenge)
        )
    if request.method not in _READS:
        _take_write_lock()
    return None


def _suffer_fault(session: Session, endpoint: str) -> Response | None:
    """Apply the endpoint's test fault: sleep, then perhaps answer the forced status."""
    outcome = fault_for_request(session, endpoint)
    # Committed here, whatever the request then does: an Nth-request fault counts reads too, and a
    # read's own transaction is never committed.
    session.commit()
    if outcome.latency_ms:
        time.sleep(outcome.latency_ms / 1000)
    if outcome.status is None:
        return None
    headers = {"Retry-After": str(outcome.retry_after_s)} if outcome.status == 429 else {}
    scim_type = "uniqueness" if outcome.status == 409 else None
    detail = f"Test fault: BlogIn's Test faults page forces {outcome.status} on this endpoint."
    return error_response(ScimError(outcome.status, detail, scim_type, headers=headers))


@bp.after_app_request
def finish(response: Response) -> Response:
    """Commit the request's work (roll it back after a failure), then record the exchange.

    The exchange is recorded after the commit and outside the request's transaction: it is published at
    once and stored by the trace writer with the next batch, so a GET writes nothing to the database.
    """
    if not in_scim(request.path):
        return response
    session = g.pop("db", None)
    written: list[str] = []
    try:
        if session is not None:
            written = list(session.info.pop(AUDIT_IDS_KEY, ()))
            response = _commit(session, response)
    finally:
        _release_write_lock()
    try:
        # A change that was kept links its exchange to the first audit event it wrote, for the desktop's
        # "Open related message".
        _record(response, written[0] if written and response.status_code < 400 else None)
    except Exception:
        # The answer matters more than its record: never turn a good response into an error here.
        log.exception("could not record the SCIM exchange for %s %s", request.method, request.path)
    return response


def _commit(session: Session, response: Response) -> Response:
    if not session.in_transaction():
        # The direct lookups of a read open no Session transaction: nothing to commit or release.
        return response
    try:
        if response.status_code >= 400:
            session.rollback()
        elif request.method not in _READS:
            # Reads wrote nothing to commit (an Nth-request fault counter was committed when it was counted).
            session.commit()
    except SQLAlchemyError:
        log.exception("SCIM commit failed for %s %s", request.method, request.path)
        session.rollback()
        response = error_response(ScimError(500, "The change could not be saved. Nothing was changed."))
    finally:
        session.close()
    return response


def _take_write_lock() -> None:
    """Changes wait for each other, and for the trace writer, here rather than in SQLite's busy loop."""
    _system().traces.write_lock.acquire()
    g.scim_write_lock = True
    # Begin the change's transaction now: its lookups and its writes then share one pooled connection.
    connection = db().connection()
    if connection.dialect.name == "sqlite":
        # Take SQLite's write lock before the change reads anything: a sign-in's JIT update (which does
        # not take the lock above) then waits for the change instead of landing between its read and its
        # write, where the UPDATE of every SCIM-mapped column would overwrite it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _release_write_lock() -> None:
    if g.pop("scim_write_lock", False):
        _system().traces.write_lock.release()


@bp.teardown_app_request
def _after_failure(_error: BaseException | None) -> None:
    # after_request does not run when a request dies before it; the lock must not stay held.
    _release_write_lock()


def _request_url() -> str:
    """``request.url``; a path and query with nothing to decode are joined directly (werkzeug's IRI
    round trip is a fair share of a request's own work, and leaves such URLs as they are)."""
    environ = request.environ
    path = request.path
    query = environ.get("QUERY_STRING", "")
    if _PLAIN_PATH.fullmatch(path) and _PLAIN_QUERY.fullmatch(query) and not request.root_path:
        return (
            f"{request.scheme}://{request.host}{path}?{query}" if query else f"{request.scheme}://{request.host}{path}"
        )
    return request.url


def _record(response: Response, related_id: str | None = None) -> None:
    started = g.get("scim_started", time.perf_counter())
    latency_ms = (time.perf_counter() - started) * 1000
    scim_path = request.full_path[len(PREFIX) :].rstrip("?") or "/"
    request_body = request.get_data(cache=True).decode("utf-8", "replace") or None
    response_body = response.get_data().decode("utf-8", "replace") if not response.is_streamed else None
    data = exchange(
        direction="received",
        method=request.method,
        url=_request_url(),
        path=scim_path,
        request_headers=dict(request.headers),
        request_body=request_body,
        status=response.status_code,
        response_headers=dict(response.headers),
        response_body=response_body or None,
        latency_ms=latency_ms,
    )
    summary = f"{request.method} {scim_path.split('?', 1)[0]} → {response.status_code}"
    _system().traces.record_soon("scim", summary, data, success=response.status_code < 400, related_id=related_id)


@bp.errorhandler(ScimError)
def scim_error(error: ScimError) -> Response:
    return error_response(error)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return error_response(ScimError(error.code or 500, error.description or error.name))


@bp.errorhandler(Exception)
def unexpected(error: Exception) -> Response:
    log.exception("unexpected error on SCIM %s %s", request.method, request.path)
    return error_response(ScimError(500, "BlogIn could not complete the request. Details are in the sandbox log."))


def register_scim_errors(app: Flask) -> None:
    """Unknown paths and methods under the prefix answer SCIM bodies; elsewhere the HTML pages stay."""

    def routing_error(error: HTTPException) -> Response | tuple[str, int]:
        code = error.code or 500
        if in_scim(request.path):
            detail = (
                f"{request.method} is not supported on {request.path}."
                if code == 405
                else f"There is no SCIM endpoint at {request.path}."
            )
            return error_response(ScimError(code, detail))
        return render_template("error.html", code=code, title=error.name, message=error.description), code

    for code in (404, 405):
        app.register_error_handler(code, routing_error)
    app.register_error_handler(ScimError, error_response)


class _NoCookieSessionForScim(SessionInterface):
    """SCIM requests carry a Bearer token, never the console's cookie: they get a null session (Flask
    then neither decodes nor sets the cookie) instead of paying for the signed-cookie machinery."""

    def __init__(self, console: SessionInterface) -> None:
        self.console = console

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if in_scim(request.path):
            return self.make_null_session(app)
        return self.console.open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        self.console.save_session(app, session, response)

    def is_null_session(self, obj: object) -> bool:
        return self.console.is_null_session(obj) or super().is_null_session(obj)


@bp.record_once
def _on_register(state: Any) -> None:
    register_scim_errors(state.app)
    state.app.session_interface = _NoCookieSessionForScim(state.app.session_interface)
    system: BlogIn = state.app.extensions["blogin"]
    state.app.extensions[GATE_KEY] = ScimGate(system.database.engine)
    system.traces.write_in_background(system.database.sessions, system.bus.publish)
