"""SCIM endpoints: discovery, /Users and /Groups (RFC 7644 §3), and the table that routes to them.

Each endpoint is a plain function of the :class:`ScimCall` (and the path's id) answering a
:class:`ScimAnswer`; :func:`resolve` finds it for a method and a path below ``/sso/scim/V2``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from sandbox.blogin.scim import groups, root_listing, user_listing, users
from sandbox.blogin.scim.api import ScimCall, end_change, json_body
from sandbox.blogin.scim.listing import ListQuery, list_query, list_response
from sandbox.blogin.scim.representation import etag, user_resource
from sandbox.blogin.scim.wire import ScimAnswer, scim_answer
from sandbox.scim.errors import ScimError, invalid_syntax, not_found
from sandbox.scim.resources import project
from sandbox.scim.schemas import (
    LIST_RESPONSE_SCHEMA,
    RESOURCE_TYPES,
    SCHEMAS,
    SEARCH_REQUEST_SCHEMA,
    service_provider_config,
)

Endpoint = Callable[..., ScimAnswer]


def _listed(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": len(documents),
        "startIndex": 1,
        "itemsPerPage": len(documents),
        "Resources": documents,
    }


def provider_config(call: ScimCall) -> ScimAnswer:
    return scim_answer(service_provider_config(call.base, f"{call.system.base_url}/settings/sso/provisioning"))


def resource_types(call: ScimCall) -> ScimAnswer:
    return scim_answer(_listed([t.document(call.base) for t in RESOURCE_TYPES.values()]))


def resource_type(call: ScimCall, name: str) -> ScimAnswer:
    found = RESOURCE_TYPES.get(name)
    if found is None:
        raise not_found(f"There is no resource type {name!r}; there are User and Group.")
    return scim_answer(found.document(call.base))


def schemas(call: ScimCall) -> ScimAnswer:
    return scim_answer(_listed([s.document(call.base) for s in SCHEMAS.values()]))


def schema(call: ScimCall, schema_id: str) -> ScimAnswer:
    found = SCHEMAS.get(schema_id)
    if found is None:
        raise not_found(f"There is no schema {schema_id!r}.")
    return scim_answer(found.document(call.base))


def bulk(call: ScimCall) -> ScimAnswer:
    raise ScimError(501, "BlogIn does not support bulk operations (ServiceProviderConfig says bulk.supported: false).")


def _check_if_match(call: ScimCall, version: int) -> None:
    """``If-Match`` with a stale version is 412 (RFC 7644 §3.14)."""
    wanted = call.request.environ.get("HTTP_IF_MATCH")
    if wanted is None:
        return
    tags = [tag.strip() for tag in wanted.split(",")]
    if "*" not in tags and etag(version) not in tags and f'"{version}"' not in tags:
        raise ScimError(412, f"The resource has changed since it was read: its version is now {etag(version)}.")


def _one(
    call: ScimCall, resource: dict[str, Any], version: int, status: int = 200, query: ListQuery | None = None
) -> ScimAnswer:
    tag = etag(version)
    headers = [("ETag", tag)]
    if status == 201:
        headers.append(("Location", resource["meta"]["location"]))
    request = call.request
    if query is None:
        query = list_query(request.args)
    if request.method == "GET" and request.environ.get("HTTP_IF_NONE_MATCH") == tag:
        return scim_answer(None, 304, headers)
    return scim_answer(project(resource, query.attributes, query.excluded), status, headers)


def _search_body(call: ScimCall) -> dict[str, Any]:
    body = json_body(call.request)
    if not isinstance(body, dict):
        raise invalid_syntax("A search request is a JSON object.")
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or SEARCH_REQUEST_SCHEMA not in schemas):
        raise invalid_syntax(f"A search request's 'schemas' must be [\"{SEARCH_REQUEST_SCHEMA}\"].")
    return body


# A listing of one resource type: how many match, and the page of them.
Lister = Callable[[Session, ListQuery, str], tuple[int, list[dict[str, Any]]]]


def _list_page(call: ScimCall, query: ListQuery, lister: Lister) -> ScimAnswer:
    """A ListResponse of what ``lister`` finds for ``query``."""
    total, resources = lister(call.session, query, call.base)
    return scim_answer(list_response(total, query.start_index, resources))


# The service root: Users and Groups together (RFC 7644 §3.4.2, §3.4.3)


def list_everything(call: ScimCall) -> ScimAnswer:
    return _list_page(call, list_query(call.request.args), root_listing.list_everything)


def search_everything(call: ScimCall) -> ScimAnswer:
    return _list_page(call, list_query(_search_body(call), in_uri=False), root_listing.list_everything)


# Users


def list_users(call: ScimCall) -> ScimAnswer:
    return _list_page(call, list_query(call.request.args), user_listing.list_users)


def search_users(call: ScimCall) -> ScimAnswer:
    return _list_page(call, list_query(_search_body(call), in_uri=False), user_listing.list_users)


def create_user(call: ScimCall) -> ScimAnswer:
    new_user = users.new_user(json_body(call.request))
    created, teams, version = users.create_user(call.transaction, new_user)
    # Checked before the commit, as before: a refused query parameter still saves nothing.
    query = list_query(call.request.args)
    end_change(call)
    return _one(call, user_resource(created, call.base, teams), version, 201, query)


def get_user(call: ScimCall, user_id: str) -> ScimAnswer:
    row, teams = users.user_view(call.session, user_id)
    return _one(call, user_resource(row, call.base, teams), row.version)


def replace_user(call: ScimCall, user_id: str) -> ScimAnswer:
    transaction = call.transaction
    row, teams = users.user_view(transaction, user_id)
    _check_if_match(call, row.version)
    after, version = users.replace_user(transaction, row, json_body(call.request))
    return _changed_user(call, after, teams, version)


def patch_user(call: ScimCall, user_id: str) -> ScimAnswer:
    transaction = call.transaction
    row, teams = users.user_view(transaction, user_id)
    _check_if_match(call, row.version)
    after, version = users.patch_user(transaction, row, teams, json_body(call.request), call.base)
    return _changed_user(call, after, teams, version)


def _changed_user(call: ScimCall, after: Any, teams: users.Teams, version: int) -> ScimAnswer:
    """A PUT's or PATCH's answer, made once the change is committed and the write lock is free (as a
    create's is); a refused query parameter is still checked first and saves nothing."""
    query = list_query(call.request.args)
    end_change(call)
    return _one(call, user_resource(after, call.base, teams), version, query=query)


def delete_user(call: ScimCall, user_id: str) -> ScimAnswer:
    session = call.session
    row, _teams = users.user_view(session, user_id)
    _check_if_match(call, row.version)
    users.delete_user(session, row)
    return scim_answer(None, 204)


# Groups


def list_groups(call: ScimCall) -> ScimAnswer:
    return _list_page(call, list_query(call.request.args), groups.list_teams)


def search_groups(call: ScimCall) -> ScimAnswer:
    return _list_page(call, list_query(_search_body(call), in_uri=False), groups.list_teams)


def create_group(call: ScimCall) -> ScimAnswer:
    session = call.session
    team = groups.create_team(session, json_body(call.request))
    return _one(call, groups.render_team(session, team, call.base), team.version, 201)


def get_group(call: ScimCall, team_id: str) -> ScimAnswer:
    session = call.session
    team = groups.find_team(session, team_id)
    return _one(call, groups.render_team(session, team, call.base), team.version)


def replace_group(call: ScimCall, team_id: str) -> ScimAnswer:
    session = call.session
    team = groups.find_team(session, team_id)
    _check_if_match(call, team.version)
    groups.replace_team(session, team, json_body(call.request))
    return _one(call, groups.render_team(session, team, call.base), team.version)


def patch_group(call: ScimCall, team_id: str) -> ScimAnswer:
    session = call.session
    team = groups.find_team(session, team_id)
    _check_if_match(call, team.version)
    groups.patch_team(session, team, json_body(call.request), call.base)
    return _one(call, groups.render_team(session, team, call.base), team.version)


def delete_group(call: ScimCall, team_id: str) -> ScimAnswer:
    session = call.session
    team = groups.find_team(session, team_id)
    _check_if_match(call, team.version)
    groups.delete_team(session, team)
    return scim_answer(None, 204)


# Routing: a collection, its /.search, one resource by id (any text without a slash).

_COLLECTIONS: dict[str, dict[str, Endpoint]] = {
    "Users": {"GET": list_users, "POST": create_user},
    "Groups": {"GET": list_groups, "POST": create_group},
    "ServiceProviderConfig": {"GET": provider_config},
    "ResourceTypes": {"GET": resource_types},
    "Schemas": {"GET": schemas},
    "Bulk": {"POST": bulk},
    # The Base URL (``/``; without its slash, see ``routes_for``) and the search of everything below it.
    "": {"GET": list_everything},
    ".search": {"POST": search_everything},
}
_SEARCHES: dict[str, Endpoint] = {"Users": search_users, "Groups": search_groups}
_ITEMS: dict[str, dict[str, Endpoint]] = {
    "Users": {"GET": get_user, "PUT": replace_user, "PATCH": patch_user, "DELETE": delete_user},
    "Groups": {"GET": get_group, "PUT": replace_group, "PATCH": patch_group, "DELETE": delete_group},
    "ResourceTypes": {"GET": resource_type},
    # A schema's id is a URN, and may hold slashes.
    "Schemas": {"GET": schema},
}
# How an Allow header lists methods.
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def routes_for(scim_path: str) -> list[tuple[dict[str, Endpoint], tuple[str, ...]]]:
    """The endpoints (by method) that ``scim_path`` names, each with the path's arguments, most specific
    first: ``/Users/.search`` is the search for POST and a user named ``.search`` otherwise."""
    if not scim_path.startswith("/"):
        # The Base URL without its trailing slash is the service root too.
        return [(_COLLECTIONS[""], ())] if not scim_path else []
    head, slash, rest = scim_path[1:].partition("/")
    if not slash:
        collection = _COLLECTIONS.get(head)
        return [(collection, ())] if collection is not None else []
    items = _ITEMS.get(head)
    if items is None or not rest or rest.startswith("/") or ("/" in rest and head != "Schemas"):
        return []
    found: list[tuple[dict[str, Endpoint], tuple[str, ...]]] = []
    search = _SEARCHES.get(head) if rest == ".search" else None
    if search is not None:
        found.append(({"POST": search}, ()))
    found.append((items, (rest,)))
    return found


def allowed_methods(routes: list[tuple[dict[str, Endpoint], tuple[str, ...]]]) -> str:
    """The Allow header for a path: every method its endpoints take, with HEAD for GET, and OPTIONS."""
    methods = {"OPTIONS"}
    for endpoints, _args in routes:
        methods.update(endpoints)
        if "GET" in endpoints:
            methods.add("HEAD")
    return ", ".join(m for m in _METHOD_ORDER if m in methods)
