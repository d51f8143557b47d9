"""Flask plumbing both systems share: a database session per request, error pages, sign-in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, g, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from sandbox.db import Database

F = TypeVar("F", bound=Callable[..., Any])


def install_db_session(app: Flask, database: Database, log: logging.Logger) -> None:
    """One Session per request, committed in ``after_request`` so a failed commit still gets an answer."""

    @app.after_request
    def commit(response: WerkzeugResponse) -> WerkzeugResponse:
        db = g.pop("db", None)
        if db is None:
            return response
        try:
            if response.status_code < 400 or g.get("commit_on_error", False):
                db.commit()
            else:
                db.rollback()
        except SQLAlchemyError:
            log.exception("commit failed for %s %s", request.method, request.path)
            db.rollback()
            db.close()
            return app.make_response(
                (
                    render_template(
                        "error.html",
                        code=500,
                        title="Not saved",
                        message="The change could not be saved to the database. Nothing was changed.",
                    ),
                    500,
                )
            )
        db.close()
        return response

    @app.teardown_request
    def close(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.rollback()
            db.close()

    app.extensions["sandbox.database"] = database


def db() -> Session:
    """The current request's Session (opened on first use)."""
    if "db" not in g:
        from flask import current_app

        g.db = cast(Database, current_app.extensions["sandbox.database"]).sessions()
    return cast(Session, g.db)


def register_html_errors(app: Flask, log: logging.Logger) -> None:
    """Every error becomes the system's own error page; never a traceback."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_template("error.html", code=code, title=error.name, message=error.description), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return (
            render_template(
                "error.html",
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
