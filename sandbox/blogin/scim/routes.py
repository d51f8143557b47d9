"""SCIM endpoints: discovery, /Users and /Groups (RFC 7644 §3)."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from sandbox.blogin.scim import groups, user_listing, users
from sandbox.blogin.scim.api import bp, json_body, scim_base, scim_response
from sandbox.blogin.scim.listing import list_query, list_response
from sandbox.blogin.scim.representation import etag, user_resource
from sandbox.scim.errors import ScimError, invalid_syntax, not_found
from sandbox.scim.resources import project
from sandbox.scim.schemas import (
    LIST_RESPONSE_SCHEMA,
    RESOURCE_TYPES,
    SCHEMAS,
    SEARCH_REQUEST_SCHEMA,
    service_provider_config,
)
from sandbox.webcommon import db


def _listed(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": len(documents),
        "startIndex": 1,
        "itemsPerPage": len(documents),
        "Resources": documents,
    }


@bp.get("/ServiceProviderConfig")
def provider_config() -> Response:
    return scim_response(
        service_provider_config(scim_base(), f"{scim_base()[: -len('/sso/scim/V2')]}/settings/sso/provisioning")
    )


@bp.get("/ResourceTypes")
def resource_types() -> Response:
    return scim_response(_listed([t.document(scim_base()) for t in RESOURCE_TYPES.values()]))


@bp.get("/ResourceTypes/<name>")
def resource_type(name: str) -> Response:
    found = RESOURCE_TYPES.get(name)
    if found is None:
        raise not_found(f"There is no resource type {name!r}; there are User and Group.")
    return scim_response(found.document(scim_base()))


@bp.get("/Schemas")
def schemas() -> Response:
    return scim_response(_listed([s.document(scim_base()) for s in SCHEMAS.values()]))


@bp.get("/Schemas/<path:schema_id>")
def schema(schema_id: str) -> Response:
    found = SCHEMAS.get(schema_id)
    if found is None:
        raise not_found(f"There is no schema {schema_id!r}.")
    return scim_response(found.document(scim_base()))


@bp.route("/Bulk", methods=["POST"])
def bulk() -> Response:
    raise ScimError(501, "BlogIn does not support bulk operations (ServiceProviderConfig says bulk.supported: false).")


def _check_if_match(version: int) -> None:
    """``If-Match`` with a stale version is 412 (RFC 7644 §3.14)."""
    wanted = request.headers.get("If-Match")
    if wanted is None:
        return
    tags = [tag.strip() for tag in wanted.split(",")]
    if "*" not in tags and etag(version) not in tags and f'"{version}"' not in tags:
        raise ScimError(412, f"The resource has changed since it was read: its version is now {etag(version)}.")


def _one(resource: dict[str, Any], version: int, status: int = 200) -> Response:
    headers = {"ETag": etag(version)}
    if status == 201:
        headers["Location"] = resource["meta"]["location"]
    query = list_query(request.args)
    if request.method == "GET" and request.headers.get("If-None-Match") == etag(version):
        return scim_response(None, 304, headers)
    return scim_response(project(resource, query.attributes, query.excluded), status, headers)


def _search_body() -> dict[str, Any]:
    body = json_body()
    if not isinstance(body, dict):
        raise invalid_syntax("A search request is a JSON object.")
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or SEARCH_REQUEST_SCHEMA not in schemas):
        raise invalid_syntax(f"A search request's 'schemas' must be [\"{SEARCH_REQUEST_SCHEMA}\"].")
    return body


# Users


@bp.get("/Users")
def list_users() -> Response:
    query = list_query(request.args)
    total, resources = user_listing.list_users(db(), query, scim_base())
    return scim_response(list_response(total, query.start_index, resources))


@bp.post("/Users/.search")
def search_users() -> Response:
    query = list_query(_search_body())
    total, resources = user_listing.list_users(db(), query, scim_base())
    return scim_response(list_response(total, query.start_index, resources))


@bp.post("/Users")
def create_user() -> Response:
    resource, version = users.create_user(db(), json_body(), scim_base())
    return _one(resource, version, 201)


@bp.get("/Users/<user_id>")
def get_user(user_id: str) -> Response:
    row, teams = users.user_view(db(), user_id)
    return _one(user_resource(row, scim_base(), teams), row.version)


@bp.put("/Users/<user_id>")
def replace_user(user_id: str) -> Response:
    session = db()
    row, teams = users.user_view(session, user_id)
    _check_if_match(row.version)
    resource, version = users.replace_user(session, row, teams, json_body(), scim_base())
    return _one(resource, version)


@bp.patch("/Users/<user_id>")
def patch_user(user_id: str) -> Response:
    session = db()
    row, teams = users.user_view(session, user_id)
    _check_if_match(row.version)
    resource, version = users.patch_user(session, row, teams, json_body(), scim_base())
    return _one(resource, version)


@bp.delete("/Users/<user_id>")
def delete_user(user_id: str) -> Response:
    session = db()
    row, _teams = users.user_view(session, user_id)
    _check_if_match(row.version)
    users.delete_user(session, row)
    return scim_response(None, 204)


# Groups


@bp.get("/Groups")
def list_groups() -> Response:
    query = list_query(request.args)
    total, resources = groups.list_teams(db(), query, scim_base())
    return scim_response(list_response(total, query.start_index, resources))


@bp.post("/Groups/.search")
def search_groups() -> Response:
    query = list_query(_search_body())
    total, resources = groups.list_teams(db(), query, scim_base())
    return scim_response(list_response(total, query.start_index, resources))


@bp.post("/Groups")
def create_group() -> Response:
    session = db()
    team = groups.create_team(session, json_body())
    return _one(groups.render_team(session, team, scim_base()), team.version, 201)


@bp.get("/Groups/<team_id>")
def get_group(team_id: str) -> Response:
    session = db()
    team = groups.find_team(session, team_id)
    return _one(groups.render_team(session, team, scim_base()), team.version)


@bp.put("/Groups/<team_id>")
def replace_group(team_id: str) -> Response:
    session = db()
    team = groups.find_team(session, team_id)
    _check_if_match(team.version)
    groups.replace_team(session, team, json_body())
    return _one(groups.render_team(session, team, scim_base()), team.version)


@bp.patch("/Groups/<team_id>")
def patch_group(team_id: str) -> Response:
    session = db()
    team = groups.find_team(session, team_id)
    _check_if_match(team.version)
    groups.patch_team(session, team, json_body(), scim_base())
    return _one(groups.render_team(session, team, scim_base()), team.version)


@bp.delete("/Groups/<team_id>")
def delete_group(team_id: str) -> Response:
    session = db()
    team = groups.find_team(session, team_id)
    _check_if_match(team.version)
    groups.delete_team(session, team)
    return scim_response(None, 204)
