"""JumpCloud-style v1 API: ``/api/systemusers`` in the shapes of JumpCloud's public documentation."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy import ColumnElement
from werkzeug.wrappers import Response

from sandbox.events.record import rfc3339
from sandbox.jumpcloud.models import SystemUser
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.directory_search import list_users
from sandbox.jumpcloud.services.insights import ORGANIZATION_ID
from sandbox.jumpcloud.web.api_common import (
    ApiError,
    api_blueprint,
    api_initiator,
    api_key_required,
    int_arg,
    json_body,
    route,
    string_field,
)
from sandbox.webcommon import db

bp = api_blueprint("api_v1")

# v1 field name -> column, for ``filter`` and ``sort``.
FILTERABLE: dict[str, Any] = {
    "username": SystemUser.username,
    "email": SystemUser.email,
    "firstname": SystemUser.firstname,
    "lastname": SystemUser.lastname,
    "displayname": SystemUser.displayname,
    "jobTitle": SystemUser.job_title,
    "state": SystemUser.state,
}
SORTABLE = {"username": "username", "email": "email", "lastname": "name", "state": "state", "created": "created"}
STRING_FIELDS = ("username", "email", "firstname", "lastname", "displayname", "jobTitle", "state")


def systemuser_json(user: SystemUser) -> dict[str, Any]:
    """A user as ``GET /api/systemusers/{id}`` returns it."""
    phones = [{"id": f"{user.id}-work", "type": "work", "number": user.work_phone}] if user.work_phone else []
    return {
        "_id": user.id,
        "id": user.id,
        "organization": ORGANIZATION_ID,
        "username": user.username,
        "email": user.email,
        "firstname": user.firstname,
        "middlename": "",
        "lastname": user.lastname,
        "displayname": user.displayname,
        "jobTitle": user.job_title,
        "department": "",
        "company": "",
        "phoneNumbers": phones,
        "addresses": [],
        "attributes": [],
        "state": user.state,
        "suspended": user.state == "SUSPENDED",
        "activated": user.password_hash is not None,
        "passwordExpired": False,
        "password_never_expires": False,
        "account_locked": False,
        "externally_managed": False,
        "totp_enabled": False,
        "mfa": {"configured": False, "exclusion": False},
        "created": rfc3339(user.created),
    }


def _user_values(body: dict[str, Any]) -> dict[str, Any]:
    """Directory values from a v1 body: strings, ``phoneNumbers`` (the work one) and ``suspended``."""
    values: dict[str, Any] = {}
    for name in STRING_FIELDS:
        value = string_field(body, name)
        if value is not None:
            values[name] = value
    if "phoneNumbers" in body:
        phones = body["phoneNumbers"]
        if not isinstance(phones, list) or not all(isinstance(p, dict) for p in phones):
            raise ApiError(400, "Bad Request: phoneNumbers must be a list of {type, number} objects.")
        work = next((p for p in phones if p.get("type") == "work"), phones[0] if phones else {"number": ""})
        if not isinstance(work.get("number", ""), str):
            raise ApiError(400, "Bad Request: phoneNumbers[].number must be a string.")
        values["workPhone"] = work.get("number", "")
    if "suspended" in body:
        if not isinstance(body["suspended"], bool):
            raise ApiError(400, "Bad Request: suspended must be true or false.")
        if "state" not in values:
            values["state"] = "SUSPENDED" if body["suspended"] else "ACTIVATED"
    return values


def _filters() -> list[ColumnElement[bool]]:
    """``filter=<field>:$eq:<value>`` (or ``:eq:``, ``:$ne:``), repeatable; all must hold."""
    conditions: list[ColumnElement[bool]] = []
    for text in request.args.getlist("filter"):
        for part in (piece for piece in text.split(",") if piece):
            field, _, rest = part.partition(":")
            operator, _, value = rest.partition(":")
            column = FILTERABLE.get(field)
            if column is None or operator.lstrip("$") not in ("eq", "ne"):
                fields = ", ".join(FILTERABLE)
                raise ApiError(400, f"Bad Request: filter is <field>:$eq:<value> or $ne, with field one of {fields}.")
            conditions.append(column == value if operator.lstrip("$") == "eq" else column != value)
    return conditions


def _user_or_404(user_id: str) -> SystemUser:
    user = db().get(SystemUser, user_id)
    if user is None:
        raise ApiError(404, f"Not Found: no system user with id {user_id}.")
    return user


@route(bp, "/api/systemusers", "GET", "POST")
@api_key_required
def systemusers() -> Response | tuple[Response, int]:
    if request.method == "POST":
        body = json_body()
        password = string_field(body, "password")
        user = directory.create_user(db(), _user_values(body), initiated_by=api_initiator(), password=password)
        return jsonify(systemuser_json(user))
    sort = request.args.get("sort", "username").replace(",", " ").split()
    key = sort[0] if sort else "username"
    if key.lstrip("-") not in SORTABLE:
        raise ApiError(400, f"Bad Request: sort is one of {', '.join(SORTABLE)} (prefix - for descending).")
    page = list_users(
        db(),
        search=request.args.get("search", ""),
        sort=SORTABLE[key.lstrip("-")],
        descending=key.startswith("-"),
        offset=int_arg("skip", 0),
        limit=int_arg("limit", 10, minimum=1, maximum=100),
        where=_filters(),
    )
    return jsonify({"totalCount": page.total, "results": [systemuser_json(user) for user in page.items]})


@route(bp, "/api/systemusers/<user_id>", "GET", "PUT", "DELETE")
@api_key_required
def systemuser(user_id: str) -> Response:
    user = _user_or_404(user_id)
    if request.method == "PUT":
        body = json_body()
        password = string_field(body, "password")
        directory.update_user(db(), user, _user_values(body), initiated_by=api_initiator(), password=password)
    elif request.method == "DELETE":
        deleted = systemuser_json(user)
        directory.delete_user(db(), user, initiated_by=api_initiator())
        return jsonify(deleted)
    return jsonify(systemuser_json(user))


@route(bp, "/api/<path:rest>", *["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    raise ApiError(404, f"Not Found: /api/{rest} is not part of this API. See the README for the subset that exists.")
