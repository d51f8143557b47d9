"""Flask plumbing both systems share: a database session per request, error pages, sign-in."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Request, current_app, g, redirect, render_template, request, session, url_for
from flask.json import dumps as flask_json_dumps
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response as FlaskResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from sandbox.containers import copy_containers
from sandbox.db import Database
from sandbox.direct_sql import RequestWork, Work

F = TypeVar("F", bound=Callable[..., Any])


_PLAIN_SCALARS = (str, int, float, bool, type(None))


class PlainFirstSerializer(TaggedJSONSerializer):
    """Flask's tagged JSON for the session cookie, with plain JSON values dumped without the tag walk.

    Flask tags every value of a session by asking each of its eight tags in turn whether it applies (a few
    hundred Python calls for a signed-in user's cookie). A value made only of dicts with string keys,
    lists, strings, numbers, booleans and ``None`` comes out of that walk unchanged unless a one-key dict
    has a tag's name for its key; such values are dumped directly, to the same JSON text. Anything else
    (tuples, bytes, datetimes, Markup, UUIDs, a dict that looks like a tag) takes Flask's way.
    """

    def dumps(self, value: Any) -> str:
        """The compact JSON text of ``value``, exactly as :class:`TaggedJSONSerializer` writes it."""
        if self._plain(value):
            return flask_json_dumps(value, separators=(",", ":"))
        return super().dumps(value)

    def _plain(self, value: Any) -> bool:
        kind = type(value)
        if kind in _PLAIN_SCALARS:
            return True
        if kind is list:
            return all(self._plain(item) for item in value)
        if kind is dict:
            if len(value) == 1 and next(iter(value)) in self.tags:
                return False
            return all(type(key) is str and self._plain(item) for key, item in value.items())
        return False


class VerifiedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, with the cookies verified lately remembered.

    A browser sends the same cookie with request after request until the session changes; checking its
    signature and decoding its tagged JSON again each time cost about 0.1 ms per request. A remembered
    cookie still expires as Flask's would (its signing time plus the session lifetime), and each request
    gets its own copy of the values. Only cookies that verified are remembered, the newest ``size`` of them,
    and only while the app's secret keys stay the same. Cookies are written with :class:`PlainFirstSerializer`.
    """

    serializer = PlainFirstSerializer()

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._verified: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._signing: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's signing serializer, made again only when the app's secret keys change (it holds nothing
        of a request; making it for every cookie written or read cost about 25 µs)."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._signing
        if kept is not None and kept[0] == keys:
            return kept[1]
        signing = super().get_signing_serializer(app)
        with self._lock:
            # Cookies verified with other keys count no more.
            self._verified.clear()
            self._signing = (keys, signing)
        return signing

    def save_session(self, app: Flask, session: SessionMixin, response: FlaskResponse) -> None:
        """Flask's ``save_session``; a session with nothing to write only adds ``Vary: Cookie`` when it was read,
        without first working out the cookie's five attributes from the config (as Flask's would, for nothing)."""
        if not session.modified and not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The session the request's cookie carries (empty when there is none or it does not verify)."""
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return super().open_session(app, request)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        with self._lock:
            kept = self._verified.get(cookie)
        if kept is not None and time.time() - kept[0] <= max_age:
            return self.session_class(copy_containers(kept[1]))
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        with self._lock:
            self._verified[cookie] = (signed_at.timestamp(), copy_containers(data))
            if len(self._verified) > self._size:
                self._verified.popitem(last=False)
        return self.session_class(data)


def install_cookie_sessions(app: Flask) -> None:
    """Sign-in sessions in Flask's signed cookie, a verified cookie remembered (:class:`VerifiedCookieSessions`)."""
    app.session_interface = VerifiedCookieSessions()


# Static URLs kept per app: the layouts link a handful of files; a bound keeps odd file names from piling up.
_STATIC_URLS_KEPT = 512


def install_static_urls(app: Flask) -> None:
    """Templates build ``url_for('static', filename=...)`` once per file and script root, then reuse it.

    The console's layouts link their style sheets and logos on every page, each through Werkzeug's URL
    builder (about 30 µs). A static file's relative URL depends only on the file name and the request's
    script root, so it is kept; every other call (other endpoints, ``_external`` and the like, outside a
    request, or once the app has URL defaults that could add values) is ``app.url_for`` itself.
    """
    build = app.url_for
    kept: dict[tuple[str, str], str] = {}

    def url_for(endpoint: str, /, **values: Any) -> str:
        if endpoint != "static" or len(values) != 1 or app.url_default_functions:
            return build(endpoint, **values)
        filename = values.get("filename")
        environ = request.environ if request else None
        if not isinstance(filename, str) or environ is None:
            return build(endpoint, **values)
        key = (environ.get("SCRIPT_NAME", ""), filename)
        url = kept.get(key)
        if url is None:
            url = build(endpoint, **values)
            if len(kept) < _STATIC_URLS_KEPT:
                kept[key] = url
        return url

    app.jinja_env.globals["url_for"] = url_for


def install_db_session(app: Flask, database: Database, log: logging.Logger) -> None:
    """One unit of work per request (:func:`work`, :func:`db`), committed in ``after_request`` so a failed
    commit still gets an answer."""

    @app.after_request
    def commit(response: WerkzeugResponse) -> WerkzeugResponse:
        unit = _pop_unit()
        if unit is None:
            return response
        try:
            if response.status_code < 400 or g.get("commit_on_error", False):
                unit.commit()
            else:
                unit.rollback()
        except (SQLAlchemyError, sqlite3.Error):
            log.exception("commit failed for %s %s", request.method, request.path)
            unit.rollback()
            unit.close()
            return app.make_response(
                (
                    render_template(
                        error_template(),
                        code=500,
                        title="Not saved",
                        message="The change could not be saved to the database. Nothing was changed.",
                    ),
                    500,
                )
            )
        unit.close()
        return response

    @app.teardown_request
    def close(_exc: BaseException | None) -> None:
        unit = _pop_unit()
        if unit is not None:
            unit.rollback()
            unit.close()

    app.extensions["sandbox.database"] = database


def _pop_unit() -> Session | RequestWork | None:
    # A Session made by a RequestWork is committed and closed by it.
    session, request_work = g.pop("db", None), g.pop("work", None)
    return request_work if request_work is not None else session


def db() -> Session:
    """The current request's Session (opened on first use; on the request's connection when :func:`work`
    has opened one)."""
    # The request's globals looked up once: each use of the ``g`` proxy finds them again.
    request_globals = g._get_current_object()
    session = request_globals.__dict__.get("db")
    if session is None:
        request_work = request_globals.__dict__.get("work")
        if request_work is not None:
            session = request_work.session()
        else:
            session = cast(Database, current_app.extensions["sandbox.database"]).sessions()
        request_globals.db = session
    return cast(Session, session)


def work() -> Work:
    """The current request's unit of work for direct statements (``sandbox.direct_sql``), opened on first use.

    On SQLite a :class:`RequestWork` (no Session unless :func:`db` is called later in the request, which then
    uses the same connection); the request's Session when it has one already, or on other databases.
    """
    request_globals = g._get_current_object()
    found = request_globals.__dict__
    request_work = found.get("work")
    if request_work is not None:
        return cast(RequestWork, request_work)
    session = found.get("db")
    if session is not None:
        return cast(Session, session)
    database = cast(Database, current_app.extensions["sandbox.database"])
    if not database.is_sqlite:
        return db()
    request_work = request_globals.work = RequestWork(database)
    return request_work


ERROR_TEMPLATE_KEY = "sandbox.error_template"

#: Picks the error page's template for a request (see :func:`register_html_errors`).
ErrorTemplateChooser = Callable[[Request], str]


def error_template() -> str:
    """The template of the current request's error page: ``error.html`` unless the app chose another for it."""
    choose = cast(ErrorTemplateChooser | None, current_app.extensions.get(ERROR_TEMPLATE_KEY))
    return "error.html" if choose is None or not request else choose(request)


def register_html_errors(app: Flask, log: logging.Logger, *, template_for: ErrorTemplateChooser | None = None) -> None:
    """Every error becomes the system's own error page; never a traceback.

    The page is ``error.html``, or the template ``template_for`` names for the request: parts of a system
    that other people see (an end user's console beside an administrator's portal) keep their own look.
    The template gets ``code``, ``title`` and ``message``.
    """
    if template_for is not None:
        app.extensions[ERROR_TEMPLATE_KEY] = template_for

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_template(error_template(), code=code, title=error.name, message=error.description), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return (
            render_template(
                error_template(),
                code=500,
                title="Something went wrong",
                message="The request could not be completed. Details are in the sandbox log.",
            ),
            500,
        )


def login_required(session_key: str, login_endpoint: str) -> Callable[[F], F]:
    """Redirect to ``login_endpoint`` (with ``next``) unless ``session[session_key]`` is set."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not session.get(session_key):
                return redirect(url_for(login_endpoint, next=request.full_path.rstrip("?")))
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def register_health(app: Flask, system_name: str) -> None:
    """``GET /health``: answers once the system serves; the desktop's status bar polls it."""

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "system": system_name}
