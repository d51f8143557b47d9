"""What every JumpCloud-style API endpoint shares: ``x-api-key`` authentication and JSON errors.

Errors are ``{"message": ...}`` with the matching status, never an HTML page, whatever goes wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import Administrator
from sandbox.jumpcloud.services.directory import DirectoryError
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.webcommon import db

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("sandbox.jumpcloud.api")

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def json_error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    """The API's error body."""
    return jsonify({"message": message, **extra}), status


class ApiError(Exception):
    """Raised by API views to answer ``status`` with ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def api_blueprint(name: str) -> Blueprint:
    """A blueprint whose every error, expected or not, is answered in JSON."""
    bp = Blueprint(name, __name__)

    @bp.errorhandler(ApiError)
    def api_error(error: ApiError) -> tuple[Response, int]:
        return json_error(error.status, error.message)

    @bp.errorhandler(DirectoryError)
    def directory_error(error: DirectoryError) -> tuple[Response, int]:
        return json_error(409 if error.conflict else 400, str(error), errors=error.errors)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        return json_error(error.code or 500, error.description or error.name)

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return json_error(500, "Internal error: the request could not be completed. Details are in the sandbox log.")

    return bp


def route(bp: Blueprint, rule: str, *methods: str) -> Callable[[F], F]:
    """Register ``rule`` for every method so an unsupported one gets a JSON 405 from this blueprint."""

    def decorator(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if request.method not in methods:
                raise ApiError(405, f"Method {request.method} is not allowed on {request.path}.")
            return view(*args, **kwargs)

        bp.add_url_rule(rule, view.__name__, checked, methods=ALL_METHODS)
        return cast(F, checked)

    return decorator


def api_key_required(view: F) -> F:
    """Answer 401 unless ``x-api-key`` is the API key of an administrator."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("x-api-key", "")
        if not key:
            raise ApiError(401, "Unauthorized: the x-api-key header is missing.")
        admin = db().scalars(select(Administrator).where(Administrator.api_key == key)).first()
        if admin is None:
            raise ApiError(401, "Unauthorized: the API key is not valid.")
        g.api_admin = admin
        return view(*args, **kwargs)

    return cast(F, wrapped)


def api_initiator() -> Initiator:
    """The administrator whose key signed this request, as ``initiated_by``."""
    admin = cast(Administrator, g.api_admin)
    return Initiator(id=admin.id, type="admin", username_or_email=admin.email)


def json_body() -> dict[str, Any]:
    """The request's JSON object; 400 when the body is not one."""
    try:
        body = request.get_json(silent=True, force=True)
    except RecursionError:  # nested deeper than the JSON parser follows
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request: the body must be a JSON object.")
    return body


# The largest offset or count a query takes (SQLite's integers are 64-bit).
MAX_INTEGER = 2**63 - 1


def int_arg(name: str, default: int, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int:
    """An integer query argument; 400 when it is not one or out of range."""
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        abort(400, description=f"Bad Request: {name} must be an integer.")
    if value < minimum or value > maximum:
        upper = f" and at most {maximum}" if maximum != MAX_INTEGER or value > maximum else ""
        abort(400, description=f"Bad Request: {name} must be at least {minimum}{upper}.")
    return value


def string_field(body: dict[str, Any], name: str) -> str | None:
    """A string field of the body, None when absent; 400 when it has another type."""
    if name not in body or body[name] is None:
        return None
    value = body[name]
    if not isinstance(value, str):
        raise ApiError(400, f"Bad Request: {name} must be a string.")
    return value
