"""The application's Users and Groups as the SCIM client reads them from its answers.

Servers differ in what they send: ids as numbers, ``active`` as a string, no ``meta``, a ``name``
given as a plain string. What the provisioning engine needs is read leniently; an id, without
which JumpCloud could not manage the resource, is required (:func:`require_id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.scim.answers import MISSING_ID, ScimRequestError


def resource_id(body: Mapping[str, Any]) -> str:
    """The resource's ``id`` as text (numbers are taken as written); ``""`` when it has none."""
    value = body.get("id")
    if value.__class__ is str:  # the usual case, first: this runs for every resource read
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    return str(value)


def require_id(body: Any, what: str, where: str) -> str:
    """The id of ``body``, or MISSING_ID: a resource JumpCloud cannot address again is a failure."""
    found = resource_id(body) if isinstance(body, Mapping) else ""
    if found:
        return found
    raise ScimRequestError(
        MISSING_ID,
        f"{where} answered without an id for {what}, so JumpCloud cannot update or remove it later: "
        "a SCIM server returns every resource with its id (RFC 7643 §3.1, RFC 7644 §3.3).",
    )


def _flag(value: Any, default: bool) -> bool:
    """A boolean attribute; ``"false"``/``"False"`` as a string is false, as its sender meant."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return text == "true"
    return default if value is None else bool(value)


def _member_id(member: Any) -> str:
    """A group member's ``value`` (the user's id) as text; ``""`` when it has none."""
    return resource_id({"id": member.get("value")}) if isinstance(member, dict) else ""


def _text(value: Any) -> str:
    if value.__class__ is str:
        return value
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ScimUser:
    """The parts of an application's User resource the provisioning engine reads."""

    id: str
    user_name: str
    active: bool
    emails: list[str]
    given_name: str
    family_name: str
    display_name: str
    external_id: str | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def primary_email(self) -> str:
        return self.emails[0] if self.emails else ""

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ScimUser:
        emails = body.get("emails")
        listed = [e for e in emails if isinstance(e, dict) and e.get("value")] if isinstance(emails, list) else []
        if len(listed) > 1:
            listed.sort(key=lambda e: not e.get("primary"))
        name = body.get("name")
        if not isinstance(name, dict):
            name = {}
        active = body.get("active")
        external_id = body.get("externalId")
        return cls(
            id=resource_id(body),
            user_name=_text(body.get("userName")),
            active=active if active.__class__ is bool else _flag(active, True),
            emails=[str(e["value"]) for e in listed],
            given_name=_text(name.get("givenName")),
            family_name=_text(name.get("familyName")),
            display_name=_text(body.get("displayName")),
            external_id=None if external_id is None else str(external_id),
            raw=dict(body),
        )


@dataclass(frozen=True)
class ScimGroup:
    """The parts of an application's Group resource the provisioning engine reads."""

    id: str
    display_name: str
    member_ids: list[str]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> ScimGroup:
        members = body.get("members")
        return cls(
            id=resource_id(body),
            display_name=_text(body.get("displayName")),
            member_ids=[member for member in map(_member_id, members if isinstance(members, list) else ()) if member],
            raw=dict(body),
        )


@dataclass(frozen=True)
class UserPage:
    """One page of ``GET /Users``: ``total_results`` as the server reported it (the page's own size
    when it did not)."""

    total_results: int
    start_index: int
    users: list[ScimUser]
    reported_total: int | None = None
