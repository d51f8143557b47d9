"""The user attributes JumpCloud sends (the seed guide's Attribute Mappings) and how changes travel.

A user's state for one application is a flat dict (``UserAttributes``); what was last sent is kept
in ``ProvisionedResource.attributes`` so a change becomes one PATCH ``replace`` per changed attribute.
"""

from __future__ import annotations

from typing import Any, Protocol

from sandbox.scim.client import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, ScimUser

UserAttributes = dict[str, Any]


class DirectoryUser(Protocol):
    """A JumpCloud user's attributes: a ``SystemUser`` or a row of its columns."""

    @property
    def username(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def firstname(self) -> str: ...
    @property
    def lastname(self) -> str: ...
    @property
    def displayname(self) -> str: ...
    @property
    def job_title(self) -> str: ...
    @property
    def work_phone(self) -> str: ...
    @property
    def timezone(self) -> str: ...


# Flat attribute → the SCIM path a PATCH replaces.
SCIM_PATHS: dict[str, str] = {
    "userName": "userName",
    "email": "emails",
    "givenName": "name.givenName",
    "familyName": "name.familyName",
    "formatted": "name.formatted",
    "displayName": "displayName",
    "title": "title",
    "phone": "phoneNumbers",
    "timezone": "timezone",
    "active": "active",
}


def user_attributes(user: DirectoryUser, *, active: bool) -> UserAttributes:
    """What the application should hold for ``user``; ``active`` is whether it grants access now."""
    first, last = user.firstname, user.lastname
    formatted = f"{first} {last}" if first and last else first or last or ""
    return {
        "userName": user.username,
        "email": user.email,
        "givenName": user.firstname,
        "familyName": user.lastname,
        "formatted": formatted,
        "displayName": user.displayname or formatted or user.username,
        "title": user.job_title,
        "phone": user.work_phone,
        "timezone": user.timezone,
        "active": active,
    }


def attributes_of(user: ScimUser) -> UserAttributes:
    """The same flat view of a user the application already has (for taking it over)."""
    raw = user.raw
    name = raw.get("name") or {}
    phones = [p for p in raw.get("phoneNumbers") or [] if isinstance(p, dict)]
    return {
        "userName": user.user_name,
        "email": user.primary_email,
        "givenName": user.given_name,
        "familyName": user.family_name,
        "formatted": str(name.get("formatted") or ""),
        "displayName": user.display_name,
        "title": str(raw.get("title") or ""),
        "phone": str(phones[0].get("value") or "") if phones else "",
        "timezone": str(raw.get("timezone") or ""),
        "active": user.active,
    }


def create_user_body(jumpcloud_id: str, attributes: UserAttributes, password: str | None = None) -> dict[str, Any]:
    """``POST /Users`` body in the shape JumpCloud sends (REFERENCE.md)."""
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "userName": attributes["userName"],
        "externalId": jumpcloud_id,
        "active": True,
        "displayName": attributes["displayName"],
        "emails": [{"primary": True, "type": "work", "value": attributes["email"]}],
        "name": {
            key: attributes[flat]
            for key, flat in (("givenName", "givenName"), ("familyName", "familyName"), ("formatted", "formatted"))
            if attributes[flat]
        },
    }
    if attributes["title"]:
        body["title"] = attributes["title"]
    if attributes["phone"]:
        body["phoneNumbers"] = [{"type": "work", "value": attributes["phone"]}]
    if attributes["timezone"]:
        body["timezone"] = attributes["timezone"]
    if password:
        body["password"] = password
    return body


def changed_attributes(sent: UserAttributes, wanted: UserAttributes) -> list[str]:
    """Names of the attributes whose value differs, in the mapping table's order."""
    return [name for name in SCIM_PATHS if sent.get(name) != wanted.get(name)]


def patch_operations(names: list[str], wanted: UserAttributes) -> list[dict[str, Any]]:
    """One PATCH operation per changed attribute; an emptied attribute is removed."""
    operations: list[dict[str, Any]] = []
    for name in names:
        path = SCIM_PATHS[name]
        value = wanted[name]
        if value == "" and name not in ("userName", "email"):
            operations.append({"op": "remove", "path": path})
        elif name == "email":
            operations.append(
                {"op": "replace", "path": path, "value": [{"primary": True, "type": "work", "value": value}]}
            )
        elif name == "phone":
            operations.append({"op": "replace", "path": path, "value": [{"type": "work", "value": value}]})
        else:
            operations.append({"op": "replace", "path": path, "value": value})
    return operations


def changes_record(names: list[str], sent: UserAttributes, wanted: UserAttributes) -> list[dict[str, Any]]:
    """Directory Insights ``changes``: ``[{field, from, to}]``."""
    return [{"field": SCIM_PATHS[name], "from": sent.get(name), "to": wanted.get(name)} for name in names]


def create_group_body(name: str, member_ids: list[str]) -> dict[str, Any]:
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": i} for i in member_ids]}
