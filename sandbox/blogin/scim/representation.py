"""BlogIn rows ⇄ SCIM representations, following the seed guide's attribute mapping table.

Mapped attributes live in columns (userName, name.*, displayName, title, timezone, active, externalId,
the primary email and phone); every other attribute a client writes is kept in ``scim_extra`` as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from sandbox.scim.schemas import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

_NAME_COLUMNS = {"givenName": "given_name", "familyName": "family_name", "formatted": "formatted_name"}
_SIMPLE_COLUMNS = {"displayName": "display_name", "title": "title", "timezone": "timezone"}
# Attributes kept in columns; everything else writable goes to scim_extra.
_COLUMN_ATTRIBUTES = {"userName", "externalId", "active", "password", *_SIMPLE_COLUMNS}
# Kept in scim_extra but rendered with their columns (name, emails, phones) or as the extension.
_RENDERED_APART = frozenset({"name", "emails", "phoneNumbers", ENTERPRISE_USER_SCHEMA})
# Values of other attributes that are not rendered (compared with ==, as ``in`` does).
_EMPTY: tuple[Any, ...] = (None, "", [], {})


def moment(value: datetime | str) -> str:
    """``rfc3339`` for the stored (UTC) timestamps, without ``strftime``: a page has 200 of them.

    A page reads them as SQLite stores them (``2026-01-31 09:15:02.123456``, UTC), which needs no parsing.
    """
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            return f"{value[:10]}T{value[11:23]}Z"
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    text = value.isoformat(timespec="milliseconds")
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    if value.tzinfo is None:
        return text + "Z"
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def etag(version: int) -> str:
    return f'W/"{version}"'


# The columns a SCIM User is made of, in the order ``user_resource_of`` takes their values.
USER_FIELDS = (
    "id",
    "external_id",
    "user_name",
    "given_name",
    "family_name",
    "formatted_name",
    "display_name",
    "title",
    "timezone",
    "active",
    "email",
    "phone",
    "scim_extra",
    "created",
    "last_modified",
    "version",
)
_fields_of = attrgetter(*USER_FIELDS)


def user_resource(user: Any, base: str, groups: list[tuple[str, str]]) -> dict[str, Any]:
    """The SCIM User for ``user`` (a ``User``, a row of its table, or its values as attributes);
    ``groups`` are (team id, team name) pairs."""
    return user_resource_of(_fields_of(user), base, groups)


def user_resource_of(fields: Sequence[Any], base: str, groups: list[tuple[str, str]]) -> dict[str, Any]:
    """The SCIM User whose column values are ``fields``, in ``USER_FIELDS`` order (``active`` a bool,
    ``scim_extra`` a dict or None, timestamps datetimes or SQLite's stored text)."""
    (
        user_id,
        external_id,
        user_name,
        given_name,
        family_name,
        formatted_name,
        display_name,
        title,
        timezone,
        active,
        email,
        phone,
        extra,
        created_at,
        last_modified,
        version,
    ) = fields
    extra = extra or {}
    resource: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": user_id}
    if external_id:
        resource["externalId"] = external_id
    resource["userName"] = user_name
    other_names = extra.get("name")
    name = {key: value for key, value in other_names.items() if value} if other_names else {}
    if given_name:
        name["givenName"] = given_name
    if family_name:
        name["familyName"] = family_name
    if formatted_name:
        name["formatted"] = formatted_name
    if name:
        resource["name"] = name
    if display_name:
        resource["displayName"] = display_name
    if title:
        resource["title"] = title
    if timezone:
        resource["timezone"] = timezone
    resource["active"] = active
    written = extra.get("emails")
    if written or email:
        emails = _with_primary(written, email, "work")
        if emails:
            resource["emails"] = emails
    written = extra.get("phoneNumbers")
    if written or phone:
        phones = _with_primary(written, phone, "work")
        if phones:
            resource["phoneNumbers"] = phones
    if not extra.keys() <= _RENDERED_APART:
        for key, value in extra.items():
            if key not in _RENDERED_APART and value not in _EMPTY:
                resource[key] = value
    if groups:
        resource["groups"] = [
            {"value": team_id, "$ref": f"{base}/Groups/{team_id}", "display": team_name, "type": "direct"}
            for team_id, team_name in groups
        ]
    enterprise = extra.get(ENTERPRISE_USER_SCHEMA)
    if enterprise:
        resource["schemas"] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]
        resource[ENTERPRISE_USER_SCHEMA] = enterprise
    created = moment(created_at)
    resource["meta"] = {
        "resourceType": "User",
        "created": created,
        "lastModified": created if last_modified == created_at else moment(last_modified),
        "location": f"{base}/Users/{user_id}",
        "version": f'W/"{version}"',
    }
    return resource


def _with_primary(values: Any, column_value: str, kind: str) -> list[dict[str, Any]]:
    """The values as written; a column value changed since (by SSO/JIT or by hand) becomes the primary one."""
    if not values:
        # Nothing written by SCIM (a JIT or hand-made user, or no phone): the column alone.
        return [{"value": column_value, "type": kind, "primary": True}] if column_value else []
    if isinstance(values, list) and len(values) == 1:
        # The usual case (one email as written, the column its value): nothing to compare or move.
        [only] = values
        if isinstance(only, dict) and (not column_value or only.get("value") == column_value):
            return [dict(only)]
    items = [dict(v) for v in values if isinstance(v, dict)] if isinstance(values, list) else []
    if column_value and column_value.lower() not in {str(v.get("value", "")).lower() for v in items}:
        for item in items:
            item.pop("primary", None)
        items.insert(0, {"value": column_value, "type": kind, "primary": True})
    return items


def primary_value(values: Any) -> str:
    """The primary value of a multi-valued attribute, else the first ``work`` one, else the first."""
    items = [v for v in values if isinstance(v, dict) and v.get("value")] if isinstance(values, list) else []
    chosen = (
        next((v for v in items if v.get("primary") is True), None)
        or next((v for v in items if v.get("type") == "work"), None)
        or (items[0] if items else None)
    )
    return str(chosen["value"]) if chosen else ""


def user_columns(data: dict[str, Any]) -> dict[str, Any]:
    """Column values for a checked SCIM User (see ``sandbox.scim.resources.normalize``); password excluded."""
    name = data.get("name") or {}
    columns: dict[str, Any] = {
        "user_name": data["userName"].strip(),
        "user_name_key": data["userName"].strip().lower(),
        "external_id": data.get("externalId") or None,
        "active": data.get("active", True),
        "email": primary_value(data.get("emails")),
        "phone": primary_value(data.get("phoneNumbers")),
    }
    for attribute, column in _NAME_COLUMNS.items():
        columns[column] = name.get(attribute, "")
    for attribute, column in _SIMPLE_COLUMNS.items():
        columns[column] = data.get(attribute, "")
    extra: dict[str, Any] = {}
    other_names = {k: v for k, v in name.items() if k not in _NAME_COLUMNS}
    if other_names:
        extra["name"] = other_names
    for key, value in data.items():
        if key not in _COLUMN_ATTRIBUTES and key != "name":
            extra[key] = value
    columns["scim_extra"] = extra
    return columns


def group_resource(team: Any, base: str, members: list[tuple[str, str]] | None) -> dict[str, Any]:
    """The SCIM Group for ``team``; ``members`` are (user id, display) pairs, None to leave them out."""
    resource: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": team.id}
    if team.external_id:
        resource["externalId"] = team.external_id
    resource["displayName"] = team.display_name
    if members is not None:
        resource["members"] = [
            {"value": user_id, "$ref": f"{base}/Users/{user_id}", "display": display, "type": "User"}
            for user_id, display in members
        ]
    resource["meta"] = {
        "resourceType": "Group",
        "created": moment(team.created),
        "lastModified": moment(team.last_modified),
        "location": f"{base}/Groups/{team.id}",
        "version": etag(team.version),
    }
    return resource
