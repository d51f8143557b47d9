"""Just-in-time provisioning: the user an accepted assertion names, created or updated from its attributes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import bindparam, func, select

from sandbox.blogin.models import User
from sandbox.blogin.models.base import utc_now
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.sso.errors import SsoRejected
from sandbox.direct_sql import DirectSelect, Work, orm_session

log = logging.getLogger("sandbox.blogin.sso")

# Attribute names BlogIn reads (case-insensitive), and the few common aliases identity providers send.
EMAIL_ATTRIBUTES = (
    "email",
    "mail",
    "emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
)
PROFILE_ATTRIBUTES = {"firstname": "given_name", "lastname": "family_name", "title": "title", "phone": "phone"}


@dataclass(frozen=True)
class AssertedIdentity:
    name_id: str
    attributes: dict[str, list[str]]

    def first(self, *names: str) -> str | None:
        lowered = {key.lower(): values for key, values in self.attributes.items()}
        for name in names:
            values = lowered.get(name.lower())
            if values and values[0].strip():
                return values[0].strip()
        return None

    def email(self) -> str | None:
        if "@" in self.name_id:
            return self.name_id.strip()
        return self.first(*EMAIL_ATTRIBUTES)


class JitSettings(Protocol):
    """What JIT provisioning reads of the Single Sign-On tab."""

    @property
    def jit_enabled(self) -> bool: ...
    @property
    def default_role(self) -> str: ...


class SignedInUser(Protocol):
    """The user a sign-in names: a :class:`User`, or a row of its columns when nothing had to change."""

    @property
    def id(self) -> str: ...
    @property
    def user_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def active(self) -> bool: ...


# What a sign-in reads of the user: the JIT profile columns, to tell whether anything must change.
_USER_COLUMNS = (
    User.id,
    User.user_name,
    User.active,
    User.role,
    User.source,
    User.given_name,
    User.family_name,
    User.title,
    User.phone,
)
_USER_BY_NAME = DirectSelect(select(*_USER_COLUMNS).where(User.user_name_key == bindparam("key")))
_USER_BY_EMAIL = DirectSelect(select(*_USER_COLUMNS).where(func.lower(User.email) == bindparam("key")).limit(1))


def find_user(session: Work, email: str) -> Any | None:
    """The user named ``email`` (by user name, else by email address), case-insensitively: a row of
    :data:`_USER_COLUMNS`."""
    key = email.lower()
    return _USER_BY_NAME.first(session, {"key": key}) or _USER_BY_EMAIL.first(session, {"key": key})


def provision(work: Work, configuration: JitSettings, identity: AssertedIdentity) -> SignedInUser:
    """The BlogIn user to sign in; raises :class:`SsoRejected` when BlogIn must refuse them."""
    email = identity.email()
    if not email:
        raise SsoRejected(
            "user",
            f"The assertion names “{identity.name_id}”, which is not an email address, and carries no "
            "email attribute; BlogIn identifies people by email.",
        )
    found = find_user(work, email)
    if found is not None and not found.active:
        raise SsoRejected(
            "account status",
            f"The BlogIn account {found.user_name} is deactivated (by an administrator or by SCIM provisioning). "
            "Single sign-on does not re-activate accounts; ask a BlogIn administrator.",
            title="Your BlogIn account is deactivated",
        )
    profile = {column: identity.first(attribute) for attribute, column in PROFILE_ATTRIBUTES.items()}
    if found is None:
        if not configuration.jit_enabled:
            raise SsoRejected(
                "JIT provisioning",
                f"{email} has no BlogIn account, and JIT provisioning is off, so BlogIn does not create "
                "accounts at sign-in. Ask a BlogIn administrator to add you, or to turn JIT provisioning on.",
                title="No BlogIn account for you yet",
            )
        user = User(
            user_name=email,
            user_name_key=email.lower(),
            email=email,
            role=configuration.default_role,
            source="JIT",
            **{column: value or "" for column, value in profile.items()},
        )
        user.display_name = user.full_name
        session = orm_session(work)
        session.add(user)
        session.flush()
        record_audit(
            work,
            "user_created_jit",
            f"{email} created by JIT provisioning as {configuration.default_role}",
            actor=email,
            detail={"user_id": user.id, "role": user.role, "attributes": identity.attributes},
        )
        log.info("JIT created %s", email)
        return user
    if all(value is None or getattr(found, column) == value for column, value in profile.items()):
        return cast(SignedInUser, found)
    # Something changes: the user is loaded and written through the ORM.
    session = orm_session(work)
    loaded = session.get(User, found.id)
    if loaded is None:  # deleted since the look-up a moment ago
        raise SsoRejected("user", f"The BlogIn account {found.user_name} no longer exists.")
    user = loaded
    changes = []
    for column, value in profile.items():
        if value is not None and getattr(user, column) != value:
            changes.append({"field": column, "from": getattr(user, column), "to": value})
            setattr(user, column, value)
    if changes:
        user.last_modified = utc_now()
        user.version += 1
        record_audit(
            work,
            "user_updated_jit",
            f"{user.user_name} updated from the SAML assertion",
            actor=user.user_name,
            detail={"user_id": user.id, "changes": changes},
        )
    return user
