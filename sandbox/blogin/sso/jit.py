"""Just-in-time provisioning: the user an accepted assertion names, created or updated from its attributes."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from sandbox.blogin.models import User
from sandbox.blogin.models.base import column_length, utc_now
from sandbox.blogin.models.people import is_user_name_clash
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.services.user_claims import claim_user_names
from sandbox.blogin.sso.errors import SsoRejected
from sandbox.direct_sql import DirectSelect, Work, orm_session

log = logging.getLogger("sandbox.blogin.sso")

# Attribute names BlogIn reads (case-insensitive), and the common names other identity providers give them:
# Entra ID and ADFS send claim URIs, Shibboleth and Google LDAP names in urn:oid form, Okta what its admin typed.
EMAIL_ATTRIBUTES = (
    "email",
    "mail",
    "emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "user.email",
)
PROFILE_ATTRIBUTES = {
    "given_name": (
        "firstname",
        "givenname",
        "given_name",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "urn:oid:2.5.4.42",
    ),
    "family_name": (
        "lastname",
        "surname",
        "sn",
        "family_name",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "urn:oid:2.5.4.4",
    ),
    "title": ("title", "jobtitle", "urn:oid:2.5.4.12"),
    "phone": ("phone", "telephonenumber", "mobile", "urn:oid:2.5.4.20"),
}

NAMEID_PREFIX = "urn:oasis:names:tc:SAML:"
# The NameID format whose value is an email address.
EMAIL_FORMATS = ("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",)
TRANSIENT_FORMAT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
_EMAIL = re.compile(r"^[^@\s<>\"(),;:\[\]]+@[^@\s<>\"(),;:\[\]]+$")


def is_email(value: str) -> bool:
    """Whether ``value`` reads as one email address (``local@domain``, nothing around it)."""
    return bool(_EMAIL.match(value))


def format_name(name_id_format: str | None) -> str:
    """A NameID format as people say it: ``emailAddress``, ``persistent``, … (``unspecified`` when absent)."""
    if not name_id_format:
        return "unspecified"
    return name_id_format.rsplit(":", 1)[-1] if name_id_format.startswith(NAMEID_PREFIX) else name_id_format


@dataclass(frozen=True)
class AssertedIdentity:
    """The subject of a verified assertion: its NameID (value and format) and its attributes."""

    name_id: str
    attributes: dict[str, list[str]]
    name_id_format: str | None = None

    def first(self, *names: str) -> str | None:
        """The first non-blank value of the first of ``names`` the assertion carries (case-insensitive)."""
        lowered = {key.lower(): values for key, values in self.attributes.items()}
        for name in names:
            values = lowered.get(name.lower())
            if values and values[0].strip():
                return values[0].strip()
        return None

    def email(self) -> str | None:
        """The person's email address, as BlogIn identifies them.

        As most service providers do: an ``emailAddress`` NameID is the address. Any other format names
        the person some other way (a persistent ID is opaque, a transient one changes at every sign-in),
        so an email attribute is read first; a NameID whose value is itself an email address (Google
        Workspace's persistent email, JumpCloud's email under any format) is taken when there is none.
        """
        name_id = self.name_id.strip()
        if self.name_id_format in EMAIL_FORMATS and is_email(name_id):
            return name_id
        attribute = self.first(*EMAIL_ATTRIBUTES)
        if attribute is not None:
            return attribute
        if is_email(name_id):
            return name_id
        return None

    def missing_email_reason(self) -> str:
        """Why :meth:`email` found no address, with what to change at the identity provider."""
        shown = self.name_id.strip() or "(empty)"
        kind = format_name(self.name_id_format)
        names = ", ".join(EMAIL_ATTRIBUTES[:4])
        if self.name_id_format == TRANSIENT_FORMAT:
            nameid = f"The NameID “{shown}” is transient (a one-time identifier)"
        elif self.name_id_format in EMAIL_FORMATS:
            nameid = f"The NameID “{shown}” is declared emailAddress but is not an email address"
        else:
            nameid = f"The NameID “{shown}” ({kind}) is not an email address"
        return (
            f"{nameid}, and the assertion carries no email attribute ({names} or urn:oid:0.9.2342.19200300.100.1.3). "
            "BlogIn identifies people by email: at the identity provider, send the NameID in emailAddress format "
            "or add an email attribute."
        )


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


# What BlogIn's columns keep of what an assertion names (PostgreSQL refuses longer values).
_EMAIL_LENGTH = column_length(User, "user_name")
_PROFILE_LENGTHS = {column: column_length(User, column) for column in PROFILE_ATTRIBUTES}
_DISPLAY_NAME_LENGTH = column_length(User, "display_name")


def _check_lengths(email: str, profile: dict[str, str | None]) -> None:
    """Refuse the sign-in when the assertion names something longer than BlogIn keeps, saying which."""
    if len(email) > _EMAIL_LENGTH:
        raise SsoRejected(
            "user",
            f"The email address is {len(email):,} characters long; BlogIn keeps at most {_EMAIL_LENGTH:,}.",
            title="Your identity provider sent an email address BlogIn cannot keep",
        )
    for column, value in profile.items():
        limit = _PROFILE_LENGTHS[column]
        if value is not None and len(value) > limit:
            raise SsoRejected(
                "user",
                f"The assertion's {PROFILE_ATTRIBUTES[column][0]} attribute is {len(value):,} characters long; "
                f"BlogIn keeps at most {limit:,}. Shorten it at the identity provider.",
                title="Your identity provider sent a value BlogIn cannot keep",
            )


def provision(work: Work, configuration: JitSettings, identity: AssertedIdentity) -> SignedInUser:
    """The BlogIn user to sign in; raises :class:`SsoRejected` when BlogIn must refuse them."""
    email = identity.email()
    if not email:
        raise SsoRejected("user", identity.missing_email_reason(), title="Your identity provider sent no email address")
    if not is_email(email):
        raise SsoRejected(
            "user",
            f"The assertion's email attribute is “{email}”, which is not one email address; BlogIn identifies "
            "people by email. Correct the attribute's value at the identity provider.",
            title="Your identity provider sent no email address",
        )
    profile = {column: identity.first(*names) for column, names in PROFILE_ATTRIBUTES.items()}
    _check_lengths(email, profile)
    found = find_user(work, email)
    if found is None and claim_user_names(work, email):
        # On PostgreSQL a SCIM create of this person (by userName or email) may have been under way: it is
        # decided now, so look again.
        found = find_user(work, email)
    if found is None:
        if not configuration.jit_enabled:
            raise SsoRejected(
                "JIT provisioning",
                f"{email} has no BlogIn account, and JIT provisioning is off, so BlogIn does not create "
                "accounts at sign-in. Ask a BlogIn administrator to add you, or to turn JIT provisioning on.",
                title="No BlogIn account for you yet",
            )
        created = _create(work, configuration, identity, email, profile)
        if created is not None:
            return created
        # Another request took the userName a moment ago (the same person's sign-in in a second browser, or
        # a SCIM create): this sign-in goes on as the user it made.
        found = find_user(work, email)
        if found is None:
            raise SsoRejected("user", f"The BlogIn account {email} could not be created; sign in again.")
        log.info("JIT: %s was created by another request at the same moment; signing in as that user", email)
    if not found.active:
        raise SsoRejected(
            "account status",
            f"The BlogIn account {found.user_name} is deactivated (by an administrator or by SCIM provisioning). "
            "Single sign-on does not re-activate accounts; ask a BlogIn administrator.",
            title="Your BlogIn account is deactivated",
        )
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


def _create(
    work: Work, configuration: JitSettings, identity: AssertedIdentity, email: str, profile: dict[str, str | None]
) -> User | None:
    """The new JIT user named ``email``; ``None`` when another transaction created that userName first.

    On SQLite writes wait for each other, so the look-up before stays true. On other databases two
    requests can both find the userName free; the later INSERT then runs in a savepoint, so the unique
    index's refusal leaves the sign-in's transaction (its consumed assertion, its trace) usable.
    """
    user = User(
        user_name=email,
        user_name_key=email.lower(),
        email=email,
        role=configuration.default_role,
        source="JIT",
        **{column: value or "" for column, value in profile.items()},
    )
    user.display_name = user.full_name[:_DISPLAY_NAME_LENGTH]
    session = orm_session(work)
    if session.get_bind().dialect.name == "sqlite":
        session.add(user)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(user)
                session.flush()
        except IntegrityError as error:
            if not is_user_name_clash(error):
                raise
            return None
    record_audit(
        work,
        "user_created_jit",
        f"{email} created by JIT provisioning as {configuration.default_role}",
        actor=email,
        detail={"user_id": user.id, "role": user.role, "attributes": identity.attributes},
    )
    log.info("JIT created %s", email)
    return user
