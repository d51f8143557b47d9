"""Just-in-time provisioning: the user an accepted assertion names, created or updated from its attributes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.blogin.models import SsoConfiguration, User
from sandbox.blogin.models.base import utc_now
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.sso.errors import SsoRejected

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


def find_user(session: Session, email: str) -> User | None:
    """The user named ``email`` (by user name, else by email address), case-insensitively."""
    # Rows the sign-in has added so far (the consumed assertion, the answered request) are not users:
    # they are written with the rest of the sign-in at commit, not flushed before these look-ups.
    with session.no_autoflush:
        user = session.scalars(select(User).where(User.user_name_key == email.lower())).first()
        if user is None:
            user = session.scalars(select(User).where(func.lower(User.email) == email.lower()).limit(1)).first()
    return user


def provision(session: Session, configuration: SsoConfiguration, identity: AssertedIdentity) -> User:
    """The BlogIn user to sign in; raises :class:`SsoRejected` when BlogIn must refuse them."""
    email = identity.email()
    if not email:
        raise SsoRejected(
            "user",
            f"The assertion names “{identity.name_id}”, which is not an email address, and carries no "
            "email attribute; BlogIn identifies people by email.",
        )
    user = find_user(session, email)
    if user is not None and not user.active:
        raise SsoRejected(
            "account status",
            f"The BlogIn account {user.user_name} is deactivated (by an administrator or by SCIM provisioning). "
            "Single sign-on does not re-activate accounts; ask a BlogIn administrator.",
            title="Your BlogIn account is deactivated",
        )
    profile = {column: identity.first(attribute) for attribute, column in PROFILE_ATTRIBUTES.items()}
    if user is None:
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
        session.add(user)
        session.flush()
        record_audit(
            session,
            "user_created_jit",
            f"{email} created by JIT provisioning as {configuration.default_role}",
            actor=email,
            detail={"user_id": user.id, "role": user.role, "attributes": identity.attributes},
        )
        log.info("JIT created %s", email)
        return user
    changes = []
    for column, value in profile.items():
        if value is not None and getattr(user, column) != value:
            changes.append({"field": column, "from": getattr(user, column), "to": value})
            setattr(user, column, value)
    if changes:
        user.last_modified = utc_now()
        user.version += 1
        record_audit(
            session,
            "user_updated_jit",
            f"{user.user_name} updated from the SAML assertion",
            actor=user.user_name,
            detail={"user_id": user.id, "changes": changes},
        )
    return user
