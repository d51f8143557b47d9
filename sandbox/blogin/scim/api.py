"""The SCIM 2.0 service at ``/sso/scim/V2``: authentication, faults, error bodies, exchange recording.

Everything under the prefix answers ``application/scim+json``, including unknown paths and methods,
and every exchange is kept as a ``"scim"`` trace for the desktop's SCIM traffic view. Requests reach it
through :mod:`sandbox.blogin.scim.service`, in front of the console's Flask app.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any, cast

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sandbox.blogin.scim import PREFIX
from sandbox.blogin.scim.faults import endpoint_of, fault_for_request
from sandbox.blogin.scim.gate import ScimGate
from sandbox.blogin.scim.settings import token_accepted
from sandbox.blogin.scim.wire import ScimAnswer, ScimRequest, decode_json, scim_answer
from sandbox.blogin.services.audit import AUDIT_IDS_KEY, NUL_SHOWN
from sandbox.blogin.system import BlogIn
from sandbox.direct_sql import DirectWork, Work, begin_immediate
from sandbox.scim.errors import ScimError
from sandbox.scim.exchange import exchange

JSON_TYPES = ("application/scim+json", "application/json")

log = logging.getLogger("sandbox.blogin.scim")

GATE_KEY = "blogin.scim_gate"

_USERS = PREFIX + "/Users"
# A create: it reads its body before it takes the write lock.
_CREATE_USER = ("POST", _USERS)
# Methods that never change a resource (a POST to /.search does not either, but is rare enough to lock).
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = ("WWW-Authenticate", 'Bearer realm="BlogIn SCIM"')


def gate() -> ScimGate:
    """The cached status, token and fault switches (see ``sandbox.blogin.scim.gate``), for console pages."""
    return cast(ScimGate, current_app.extensions[GATE_KEY])


def in_scim(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class ScimCall:
    """One SCIM request being answered: the request, the system, and its Session (opened on first use) or
    its :class:`DirectWork`."""

    __slots__ = (
        "_session",
        "_work",
        "base",
        "lock_pending",
        "request",
        "started",
        "system",
        "write_locked",
        "written",
    )

    def __init__(self, request: ScimRequest, system: BlogIn) -> None:
        self.request = request
        self.system = system
        # The Base (Tenant) URL resources' locations start with.
        self.base = f"{system.base_url}{PREFIX}"
        self.started = time.perf_counter()
        self.write_locked = False
        # A create takes the write lock when it first needs its transaction, after reading its body.
        self.lock_pending = False
        self._session: Session | None = None
        self._work: DirectWork | None = None
        # Ids of the audit events a change committed by :func:`end_change` wrote, oldest first.
        self.written: list[str] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            if self._work is not None:
                # A second connection would wait for the first one's write lock until SQLite gives up.
                raise RuntimeError("this SCIM change runs without a Session")
            self._session = self.system.database.sessions()
        return self._session

    @property
    def transaction(self) -> Work:
        """Where the endpoint's statements run: the change's :class:`DirectWork`, else the Session.

        A create's write lock and transaction begin here, at its first statement.
        """
        if self.lock_pending:
            self.lock_pending = False
            take_write_lock(self)
        return self._work if self._work is not None else self.session

    def take_work(self) -> DirectWork | None:
        """The :class:`DirectWork` if one was begun, handed over to whoever ends it."""
        work, self._work = self._work, None
        return work

    def take_session(self) -> Session | None:
        """The Session if one was opened, handed over to whoever ends it."""
        session, self._session = self._session, None
        return session


def error_answer(error: ScimError) -> ScimAnswer:
    return scim_answer(error.body(), error.status, error.headers.items())


def json_body(request: ScimRequest) -> Any:
    """The request's JSON; the content type must be SCIM's or plain JSON."""
    mimetype = request.mimetype
    if mimetype and mimetype not in JSON_TYPES:
        raise ScimError(415, f"Send the body as application/scim+json or application/json, not {mimetype}.")
    raw = request.body()
    if not raw.strip():
        raise ScimError(400, "The request has no body; a JSON object is expected.", "invalidSyntax")
    try:
        return decode_json(raw)
    except (ValueError, RecursionError) as error:
        raise ScimError(400, f"The body is not valid JSON: {error}", "invalidSyntax") from error


def authenticate(call: ScimCall, scim_gate: ScimGate) -> ScimAnswer | None:
    """Faults first (they simulate the network and the server), then the Bearer token; a change then
    takes the write lock. None lets the request through."""
    request = call.request
    state = scim_gate.cached() or scim_gate.state(call.session)
    if state.faulty:
        endpoint = endpoint_of(request.path[len(PREFIX) :])
        if endpoint in state.faulty:
            failure = _suffer_fault(call.session, endpoint)
            if failure is not None:
                return failure
    if not state.enabled:
        return error_answer(
            ScimError(
                401, "User provisioning is Off in BlogIn (Settings › User Provisioning).", headers=dict([_CHALLENGE])
            )
        )
    scheme, _, token = (request.environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_answer(
            ScimError(401, "Send 'Authorization: Bearer <Secret (Bearer) token>'.", headers=dict([_CHALLENGE]))
        )
    if not token_accepted(state.token, token.strip()):
        return error_answer(
            ScimError(
                401,
                "The Secret (Bearer) token is not valid (it may have been regenerated).",
                headers=dict([_CHALLENGE]),
            )
        )
    if request.method not in _READS:
        if call.system.database.is_sqlite and (request.method, request.path) == _CREATE_USER:
            # Changes run one at a time under the lock: a create reads and checks its body (and hashes a
            # password) before it queues for the lock, at its first statement (``ScimCall.transaction``).
            call.lock_pending = True
        else:
            take_write_lock(call)
    return None


def _suffer_fault(session: Session, endpoint: str) -> ScimAnswer | None:
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
    return error_answer(ScimError(outcome.status, detail, scim_type, headers=headers))


def take_write_lock(call: ScimCall) -> None:
    """Changes wait for each other, and for the trace writer, here rather than in SQLite's busy loop."""
    call.system.traces.write_lock.acquire()
    call.write_locked = True
    # Begin the change's transaction now: its lookups and its writes then share one pooled connection.
    database = call.system.database
    if database.is_sqlite:
        # Take SQLite's write lock before the change reads anything: a sign-in's JIT update (which does
        # not take the lock above) then waits for the change instead of landing between its read and its
        # write, where the UPDATE of every SCIM-mapped column would overwrite it.
        if call._session is None and _runs_without_session(call.request):
            call._work = DirectWork(database.engine)
        else:
            begin_immediate(call.session)
    else:
        call.session.connection()


def _runs_without_session(request: ScimRequest) -> bool:
    """Whether every statement of the change is a direct one (``sandbox.direct_sql``): a create, a PUT or a
    PATCH of a user. Those run on a :class:`DirectWork` on SQLite, unless the request has already opened a
    Session (a gate read afresh, a test fault), which it then keeps."""
    method, path = request.method, request.path
    if method == "POST":
        return path == _USERS
    if method != "PATCH" and method != "PUT":
        return False
    user_id = path[len(_USERS) + 1 :]
    return path.startswith(_USERS + "/") and "/" not in user_id


def end_unfinished(call: ScimCall) -> None:
    """After an interruption: roll back and give back whatever the request had begun, and its lock."""
    try:
        work = call.take_work()
        if work is not None:
            work.close()
        session = call.take_session()
        if session is not None:
            session.close()
    finally:
        release_write_lock(call)


def release_write_lock(call: ScimCall) -> None:
    if call.write_locked:
        call.write_locked = False
        call.system.traces.write_lock.release()
        flusher = call.system.wal_flusher
        if flusher is not None:
            # A change was made (or rolled back): the log is synced shortly, off the lock.
            flusher.kick()


def end_change(call: ScimCall) -> None:
    """Commit a change run without a Session now and give its write lock back, before its answer is built;
    a failed commit saves nothing and is a 500. A change in a Session is left to :func:`finish`.

    Changes wait for each other on the write lock, so it is held only for the statements and the commit:
    the answer's representation and JSON are made once the next change can run.
    """
    work = call.take_work()
    if work is None:
        return
    try:
        written = list(work.info.pop(AUDIT_IDS_KEY, ()))
        try:
            work.commit()
        except sqlite3.Error as error:
            log.exception("SCIM commit failed for %s %s", call.request.method, call.request.path)
            raise ScimError(500, "The change could not be saved. Nothing was changed.") from error
        call.written = written
        call.system.database.publish_committed(work.info)
    finally:
        try:
            work.close()
        finally:
            release_write_lock(call)


def finish(call: ScimCall, answer: ScimAnswer) -> ScimAnswer:
    """Commit the request's work (roll it back after a failure), then record the exchange.

    The exchange is recorded after the commit and outside the request's transaction: it is published at
    once and stored by the trace writer with the next batch, so a GET writes nothing to the database.
    """
    written: list[str] = call.written
    try:
        work = call.take_work()
        if work is not None:
            written = list(work.info.pop(AUDIT_IDS_KEY, ()))
            answer = _commit_work(call, work, answer)
        session = call.take_session()
        if session is not None:
            written = list(session.info.pop(AUDIT_IDS_KEY, ()))
            answer = _commit(call, session, answer)
    finally:
        release_write_lock(call)
    try:
        # A change that was kept links its exchange to the first audit event it wrote, for the desktop's
        # "Open related message".
        record(call, answer, written[0] if written and answer.status < 400 else None)
    except Exception:
        # The answer matters more than its record: never turn a good answer into an error here.
        log.exception("could not record the SCIM exchange for %s %s", call.request.method, call.request.path)
    return answer


def _commit(call: ScimCall, session: Session, answer: ScimAnswer) -> ScimAnswer:
    if not session.in_transaction():
        # The direct lookups of a read open no Session transaction: nothing to commit or release.
        return answer
    try:
        if answer.status >= 400:
            session.rollback()
        elif call.request.method not in _READS:
            # Reads wrote nothing to commit (an Nth-request fault counter was committed when it was counted).
            session.commit()
    except SQLAlchemyError:
        log.exception("SCIM commit failed for %s %s", call.request.method, call.request.path)
        session.rollback()
        answer = error_answer(ScimError(500, "The change could not be saved. Nothing was changed."))
    finally:
        session.close()
    return answer


def _commit_work(call: ScimCall, work: DirectWork, answer: ScimAnswer) -> ScimAnswer:
    """As :func:`_commit` for a change run without a Session; its queued events go out after the commit."""
    try:
        if answer.status >= 400:
            work.rollback()
        else:
            work.commit()
            call.system.database.publish_committed(work.info)
    except sqlite3.Error:
        log.exception("SCIM commit failed for %s %s", call.request.method, call.request.path)
        answer = error_answer(ScimError(500, "The change could not be saved. Nothing was changed."))
    finally:
        work.close()
    return answer


def record(call: ScimCall, answer: ScimAnswer, related_id: str | None = None) -> None:
    """Keep the exchange as a ``"scim"`` trace: bodies, headers with the token masked, latency."""
    request = call.request
    latency_ms = (time.perf_counter() - call.started) * 1000
    scim_path = f"{request.path}?{request.query}"[len(PREFIX) :].rstrip("?") or "/"
    request_body = request.body_for_record().decode("utf-8", "replace") or None
    data = exchange(
        direction="received",
        method=request.method,
        url=request.url,
        path=scim_path,
        request_headers=request.headers(),
        request_body=request_body,
        status=answer.status,
        response_headers=dict(answer.headers),
        response_body=answer.body.decode("utf-8", "replace") or None,
        latency_ms=latency_ms,
    )
    summary = f"{request.method} {scim_path.split('?', 1)[0]} → {answer.status}"
    if "\x00" in summary:
        # A path with %00 in it: PostgreSQL cannot keep a NUL character in the summary column.
        summary = summary.replace("\x00", NUL_SHOWN)
    call.system.traces.record_soon("scim", summary, data, success=answer.status < 400, related_id=related_id)
