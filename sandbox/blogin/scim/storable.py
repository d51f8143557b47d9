"""What BlogIn's columns hold: a SCIM value longer than its column, or holding a NUL character, is refused with
400 invalidValue naming the attribute, before any statement uses it.

PostgreSQL refuses such a value in any statement (the request ended as a 500); SQLite kept it, and the
console then showed a name thousands of characters long. Each limit is the column's own length.
"""

from __future__ import annotations

from typing import Any

from sandbox.blogin.models import Team, User
from sandbox.blogin.models.base import column_length
from sandbox.scim.errors import invalid_value

# Column → the SCIM attribute it holds, as a client names it.
_USER_ATTRIBUTES = {
    "user_name": "userName",
    "user_name_key": "userName",
    "external_id": "externalId",
    "email": "emails (primary value)",
    "phone": "phoneNumbers (primary value)",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "formatted_name": "name.formatted",
    "display_name": "displayName",
    "title": "title",
    "timezone": "timezone",
}
_USER_LIMITS = tuple((column, attribute, column_length(User, column)) for column, attribute in _USER_ATTRIBUTES.items())
TEAM_NAME_LIMIT = column_length(Team, "display_name")
TEAM_EXTERNAL_ID_LIMIT = column_length(Team, "external_id")


def _refuse(attribute: str, value: str, limit: int) -> None:
    if "\x00" in value:
        raise invalid_value(f"'{attribute}' contains a NUL character (U+0000), which BlogIn cannot store.")
    raise invalid_value(f"'{attribute}' is {len(value):,} characters long; BlogIn keeps at most {limit:,}.")


def check_user_columns(columns: dict[str, Any]) -> None:
    """Refuse (400 invalidValue) a User whose column values BlogIn cannot keep as they are."""
    for column, attribute, limit in _USER_LIMITS:
        value = columns.get(column)
        if type(value) is str and (len(value) > limit or "\x00" in value):
            _refuse(attribute, value, limit)


def check_team_values(name: str, external_id: str | None) -> None:
    """Refuse (400 invalidValue) a Group whose displayName or externalId BlogIn cannot keep as they are."""
    for attribute, value, limit in (
        ("displayName", name, TEAM_NAME_LIMIT),
        ("externalId", external_id, TEAM_EXTERNAL_ID_LIMIT),
    ):
        if value is not None and (len(value) > limit or "\x00" in value):
            _refuse(attribute, value, limit)
