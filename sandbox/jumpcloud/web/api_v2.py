"""JumpCloud-style v2 API: ``/api/v2/usergroups`` with members and application associations."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy import ColumnElement, select
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import SsoApplication, SystemUser, UserGroup, application_groups
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.directory_search import list_groups
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

bp = api_blueprint("api_v2")


def usergroup_json(group: UserGroup) -> dict[str, Any]:
    """A group as ``GET /api/v2/usergroups/{id}`` returns it."""
    return {
        "id": group.id,
        "name": group.name,
        "type": "user_group",
        "description": group.description,
        "email": "",
        "attributes": {},
        "membershipMethod": "STATIC",
    }


def connection(target_id: str, target_type: str) -> dict[str, Any]:
    """One edge of the v2 graph, as the ``/members`` and ``/associations`` lists return it."""
    return {"to": {"id": target_id, "type": target_type, "attributes": None}, "attributes": None}


def _group_or_404(group_id: str) -> UserGroup:
    group = db().get(UserGroup, group_id)
    if group is None:
        raise ApiError(404, f"Not Found: no user group with id {group_id}.")
    return group


def _filters() -> list[ColumnElement[bool]]:
    """``filter=name:eq:<value>`` (or ``name:ne:``), repeatable."""
    conditions: list[ColumnElement[bool]] = []
    for text in request.args.getlist("filter"):
        field, _, rest = text.partition(":")
        operator, _, value = rest.partition(":")
        if field != "name" or operator.lstrip("$") not in ("eq", "ne"):
            raise ApiError(400, "Bad Request: filter is name:eq:<value> or name:ne:<value>.")
        conditions.append(UserGroup.name == value if operator.lstrip("$") == "eq" else UserGroup.name != value)
    return conditions


def _edge_body(expected_type: str) -> tuple[str, str]:
    """``{"op": "add"|"remove", "type": expected_type, "id": ...}`` → (op, id)."""
    body = json_body()
    op, kind, target = body.get("op"), body.get("type"), body.get("id")
    if op not in ("add", "remove"):
        raise ApiError(400, 'Bad Request: op must be "add" or "remove".')
    if kind != expected_type:
        raise ApiError(400, f'Bad Request: type must be "{expected_type}".')
    if not isinstance(target, str) or not target:
        raise ApiError(400, "Bad Request: id must be the object id (a string).")
    return op, target


def _page_of(items: list[Any]) -> Response:
    skip, limit = int_arg("skip", 0), int_arg("limit", 10, minimum=1, maximum=100)
    response = jsonify(items[skip : skip + limit])
    response.headers["x-total-count"] = str(len(items))
    return response


@route(bp, "/api/v2/usergroups", "GET", "POST")
@api_key_required
def usergroups() -> Response | tuple[Response, int]:
    if request.method == "POST":
        body = json_body()
        name = string_field(body, "name")
        if name is None:
            raise ApiError(400, "Bad Request: name is required.")
        group = directory.create_group(
            db(), name, description=string_field(body, "description") or "", initiated_by=api_initiator()
        )
        return jsonify(usergroup_json(group)), 201
    sort = request.args.get("sort", "name").replace(",", " ").split()
    key = sort[0] if sort else "name"
    if key.lstrip("-") not in ("name", "created"):
        raise ApiError(400, "Bad Request: sort is name or created (prefix - for descending).")
    page = list_groups(
        db(),
        sort=key.lstrip("-"),
        descending=key.startswith("-"),
        offset=int_arg("skip", 0),
        limit=int_arg("limit", 10, minimum=1, maximum=100),
        where=_filters(),
    )
    response = jsonify([usergroup_json(row.group) for row in page.items])
    response.headers["x-total-count"] = str(page.total)
    return response


@route(bp, "/api/v2/usergroups/<group_id>", "GET", "PUT", "PATCH", "DELETE")
@api_key_required
def usergroup(group_id: str) -> Response:
    group = _group_or_404(group_id)
    if request.method in ("PUT", "PATCH"):
        body = json_body()
        name = string_field(body, "name")
        if request.method == "PUT" and name is None:
            raise ApiError(400, "Bad Request: name is required.")
        directory.update_group(
            db(), group, name=name, description=string_field(body, "description"), initiated_by=api_initiator()
        )
    elif request.method == "DELETE":
        deleted = usergroup_json(group)
        directory.delete_group(db(), group, initiated_by=api_initiator())
        return jsonify(deleted)
    return jsonify(usergroup_json(group))


@route(bp, "/api/v2/usergroups/<group_id>/members", "GET", "POST")
@api_key_required
def members(group_id: str) -> Response | tuple[str, int]:
    group = _group_or_404(group_id)
    if request.method == "GET":
        return _page_of([connection(user.id, "user") for user in group.members])
    op, user_id = _edge_body("user")
    user = db().get(SystemUser, user_id)
    if user is None:
        raise ApiError(404, f"Not Found: no system user with id {user_id}.")
    if op == "add" and not directory.add_member(db(), group, user, initiated_by=api_initiator()):
        raise ApiError(409, f"Already Exists: {user.username} is already a member of {group.name}.")
    if op == "remove" and not directory.remove_member(db(), group, user, initiated_by=api_initiator()):
        raise ApiError(404, f"Not Found: {user.username} is not a member of {group.name}.")
    return "", 204


@route(bp, "/api/v2/usergroups/<group_id>/associations", "GET", "POST")
@api_key_required
def associations(group_id: str) -> Response | tuple[str, int]:
    group = _group_or_404(group_id)
    if request.method == "GET":
        targets = request.args.get("targets", "")
        if targets != "application":
            raise ApiError(400, "Bad Request: targets is required; this sandbox has targets=application.")
        applications = db().scalars(
            select(SsoApplication)
            .join(application_groups, application_groups.c.application_id == SsoApplication.id)
            .where(application_groups.c.group_id == group.id)
            .order_by(SsoApplication.name)
        )
        return _page_of([connection(app.id, "application") for app in applications])
    op, application_id = _edge_body("application")
    application = db().get(SsoApplication, application_id)
    if application is None:
        raise ApiError(404, f"Not Found: no application with id {application_id}.")
    changed = directory.associate_application(db(), group, application, op, initiated_by=api_initiator())
    if not changed:
        if op == "add":
            raise ApiError(409, f"Already Exists: {group.name} is already bound to {application.display_label}.")
        raise ApiError(404, f"Not Found: {group.name} is not bound to {application.display_label}.")
    return "", 204
