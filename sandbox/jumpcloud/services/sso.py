"""Signing a user into an application: who is authorized, what the assertion says, what is logged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, exists, inspect, literal, select
from sqlalchemy.orm import object_session

from sandbox.db import queue_event
from sandbox.direct_sql import DirectSelect, DirectWrite, Work, orm_session
from sandbox.jumpcloud.models import (
    DirectoryInsightsEvent,
    SsoApplication,
    SystemUser,
    UserGroup,
    application_groups,
    group_members,
)
from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF
from sandbox.jumpcloud.services.insights import Initiator, new_event, to_sandbox_event
from sandbox.saml.backend import DEFAULT_BACKEND
from sandbox.saml.idp import NAMEID_FORMATS, IdpSettings, ResponseOptions, ServiceProviderSettings
from sandbox.saml.keys import KeyPair, generate_key_pair

# JumpCloud user attributes an assertion can carry, as the SSO tab names them, and how to read them.
USER_ATTRIBUTES: dict[str, str] = {
    "email": "Email",
    "username": "Username",
    "firstname": "First Name",
    "lastname": "Last Name",
    "displayname": "Display Name",
    "jobTitle": "Job Title",
    "workPhone": "Work Phone",
    "timezone": "Timezone",
    "id": "User ID",
}
_FIELDS = {"displayname": "displayname", "jobTitle": "job_title", "workPhone": "work_phone"}


class ApplicationFacts(Protocol):
    """What signing in reads of an application: an :class:`SsoApplication`, or a row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def display_label(self) -> str: ...
    @property
    def is_bookmark(self) -> bool: ...
    @property
    def bookmark_url(self) -> str: ...
    @property
    def sso_active(self) -> bool: ...
    @property
    def sso_config(self) -> dict[str, Any]: ...
    @property
    def idp_certificate_pem(self) -> str: ...
    @property
    def idp_private_key_pem(self) -> str: ...


class UserFacts(Protocol):
    """What signing in reads of a user: a :class:`SystemUser`, or a row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def active(self) -> bool: ...


def user_attribute(user: UserFacts, name: str) -> str:
    """The value of the JumpCloud user attribute ``name`` (empty when unknown)."""
    if name not in USER_ATTRIBUTES:
        return ""
    return str(getattr(user, _FIELDS.get(name, name), "") or "")


def served_sso_url(application: ApplicationFacts, base_url: str) -> str:
    """Where this sandbox serves the application's SSO IdP URL."""
    return f"{base_url}/saml2/{application.name}"


def metadata_url(application: ApplicationFacts, base_url: str) -> str:
    return f"{served_sso_url(application, base_url)}/metadata"


def idp_settings(application: ApplicationFacts, base_url: str, backend: str = DEFAULT_BACKEND) -> IdpSettings:
    config = application.sso_config or {}
    return IdpSettings(
        entity_id=config.get("idpEntityId") or "JumpCloud",
        sso_url=served_sso_url(application, base_url),
        certificate_pem=application.idp_certificate_pem,
        private_key_pem=application.idp_private_key_pem,
        declare_redirect=bool(config.get("declareRedirectEndpoint")),
        backend=backend,
        name_id_format=name_id_format(application),
    )


def sp_settings(application: ApplicationFacts) -> ServiceProviderSettings:
    """The service provider as the SSO tab configures it.

    ``acsIndexes`` (index → ACS URL) keeps how uploaded SP metadata numbered its endpoints: an
    ``AssertionConsumerServiceIndex`` is mapped through it, to the URLs still on the tab. An application
    whose ACS URLs were all typed on the tab numbers them by position from 0 (the Default URL).
    """
    config = application.sso_config or {}
    acs_urls = tuple(str(url) for url in config.get("acsUrls", []) if url)
    indexes = config.get("acsIndexes") or {}
    return ServiceProviderSettings(
        entity_id=str(config.get("spEntityId") or ""),
        acs_urls=acs_urls,
        certificate_pem=str(config.get("spCertificate") or ""),
        acs_indexes=tuple(
            sorted((int(index), url) for index, url in indexes.items() if index.isdigit() and url in acs_urls)
        ),
    )


# Is the user a member of a group bound to the application? One indexed lookup on both association tables.
_MEMBER_OF_AN_AUTHORIZED_GROUP = (
    select(literal(1))
    .select_from(application_groups.join(group_members, group_members.c.group_id == application_groups.c.group_id))
    .where(
        application_groups.c.application_id == bindparam("application_id"),
        group_members.c.user_id == bindparam("user_id"),
    )
    .limit(1)
)


_MEMBER_OF_AN_AUTHORIZED_GROUP_EXISTS = (
    exists()
    .where(
        application_groups.c.application_id == SsoApplication.id,
        group_members.c.user_id == SystemUser.id,
        group_members.c.group_id == application_groups.c.group_id,
    )
    .label("member")
)
_APPLICATION_COLUMNS = (
    SsoApplication.id,
    SsoApplication.name,
    SsoApplication.display_label,
    SsoApplication.is_bookmark,
    SsoApplication.bookmark_url,
    SsoApplication.sso_active,
    SsoApplication.sso_config,
    SsoApplication.idp_certificate_pem,
    SsoApplication.idp_private_key_pem,
)
# The application (never its User Portal image) by the name in its SSO IdP URL.
_APPLICATION_BY_NAME = DirectSelect(select(*_APPLICATION_COLUMNS).where(SsoApplication.name == bindparam("name")))
_USER_COLUMNS = (
    SystemUser.username.label("username"),
    SystemUser.email.label("email"),
    SystemUser.firstname,
    SystemUser.lastname,
    SystemUser.displayname,
    SystemUser.job_title,
    SystemUser.work_phone,
    SystemUser.timezone,
    (SystemUser.state == "ACTIVATED").label("active"),
)
# The application, the user and the membership in one statement; the user's columns are NULL when the
# user is not found (or no user is signed in).
_APPLICATION_AND_USER = DirectSelect(
    select(*_APPLICATION_COLUMNS, SystemUser.id.label("user_id"), *_USER_COLUMNS, _MEMBER_OF_AN_AUTHORIZED_GROUP_EXISTS)
    .outerjoin(SystemUser, SystemUser.id == bindparam("user_id"))
    .where(SsoApplication.name == bindparam("name"))
)
_GROUP_NAMES = DirectSelect(
    select(UserGroup.name)
    .join(group_members, group_members.c.group_id == UserGroup.id)
    .where(group_members.c.user_id == bindparam("user_id"))
    .order_by(UserGroup.name)
)


@dataclass(frozen=True)
class SignInUser:
    """The signed-in user's columns, as :func:`sign_in_parties` reads them."""

    id: str
    username: str
    email: str
    firstname: str
    lastname: str
    displayname: str
    job_title: str
    work_phone: str
    timezone: str
    active: bool


@dataclass(frozen=True)
class SignInParties:
    """The application signed in to, the user signing in, and whether the user is in one of its groups."""

    application: ApplicationFacts | None
    user: SignInUser | None
    member: bool


def application_by_name(session: Work, name: str) -> ApplicationFacts | None:
    """The application whose SSO IdP URL ends in ``name`` (its columns, read on every request)."""
    return cast(ApplicationFacts | None, _APPLICATION_BY_NAME.first(session, {"name": name}))


def sign_in_parties(session: Work, name: str, user_id: str | None) -> SignInParties:
    """The application called ``name``, the user ``user_id`` and their group membership, in one statement.

    Read afresh on every sign-in: a group unbound or a user suspended in the admin portal counts at once.
    """
    row = _APPLICATION_AND_USER.first(session, {"name": name, "user_id": user_id})
    if row is None:
        return SignInParties(None, None, False)
    user = None
    if row.user_id is not None:
        user = SignInUser(
            id=row.user_id,
            username=row.username,
            email=row.email,
            firstname=row.firstname,
            lastname=row.lastname,
            displayname=row.displayname,
            job_title=row.job_title,
            work_phone=row.work_phone,
            timezone=row.timezone,
            active=bool(row.active),
        )
    return SignInParties(row, user, bool(row.member))


def group_names(session: Work, user_id: str) -> list[str]:
    """The names of the user's groups, in name order (the group attribute's values)."""
    return [row.name for row in _GROUP_NAMES.all(session, {"user_id": user_id})]


def is_authorized(application: ApplicationFacts, user: UserFacts, *, member: bool | None = None) -> bool:
    """Users are implicitly denied: only active members of an authorized group get in.

    ``member`` is the membership when already known (:func:`sign_in_parties`); without it both must be
    an :class:`SsoApplication` and a :class:`SystemUser`.
    """
    if not user.active:
        return False
    if member is not None:
        return member
    orm_application, orm_user = cast(SsoApplication, application), cast(SystemUser, user)
    session = object_session(orm_application)
    if session is None or not ({"groups"} & (inspect(orm_application).unloaded | inspect(orm_user).unloaded)):
        # Both group lists are at hand (or there is no session to ask): compare them.
        authorized = {group.id for group in orm_application.groups}
        return any(group.id in authorized for group in orm_user.groups)
    # Otherwise one query instead of loading both lists of groups.
    found = session.execute(_MEMBER_OF_AN_AUTHORIZED_GROUP, {"application_id": application.id, "user_id": user.id})
    return found.first() is not None


def name_id_format(application: ApplicationFacts) -> str:
    """The SAMLSubject NameID Format the application sends (emailAddress unless set otherwise)."""
    config = application.sso_config or {}
    return NAMEID_FORMATS.get(str(config.get("nameIdFormat")), NAMEID_FORMATS["emailAddress"])


def name_id(application: ApplicationFacts, user: UserFacts) -> tuple[str, str]:
    """The SAMLSubject NameID value and format."""
    config = application.sso_config or {}
    value = user.username if config.get("subjectField") == "username" else user.email
    return value, name_id_format(application)


def edge_cases(application: ApplicationFacts) -> dict[str, Any]:
    return {**EDGE_CASES_OFF, **(application.sso_config or {}).get("edgeCases", {})}


def response_hold_seconds(application: ApplicationFacts) -> int:
    """How long the hand-off page waits before posting the Response ("Hold the Response"; 0: at once)."""
    cases = (application.sso_config or {}).get("edgeCases") or {}
    try:
        return max(int(cases.get("holdResponseSeconds") or 0), 0)
    except (TypeError, ValueError):
        # A value no form would save (an imported scenario edited by hand): posted at once.
        return 0


def assertion_attributes(
    application: ApplicationFacts, user: UserFacts, groups: Sequence[str] | None = None
) -> list[tuple[str, list[str]]]:
    """The AttributeStatement: JIT attributes that are on, custom user and constant attributes, groups.

    ``groups`` are the user's group names when already read; otherwise ``user.groups`` (a :class:`SystemUser`).
    """
    config = application.sso_config or {}
    attributes: list[tuple[str, list[str]]] = []
    for jit in config.get("jitAttributes", []):
        if not jit.get("enabled", True):
            continue
        value = jit.get("constant") or user_attribute(user, jit.get("jumpcloudAttribute", ""))
        attributes.append((jit["spName"], [value]))
    for custom in config.get("databaseAttributes", []):
        attributes.append((custom["name"], [user_attribute(user, custom["value"])]))
    for constant in config.get("constantAttributes", []):
        attributes.append((constant["name"], [constant["value"]]))
    if config.get("includeGroups"):
        if groups is None:
            groups = [group.name for group in cast(SystemUser, user).groups]
        attributes.append((config.get("groupsAttributeName") or "memberOf", list(groups)))
    cases = edge_cases(application)
    target = cases["attributeName"]
    if cases["attributeMode"] == "drop" and target:
        attributes = [(n, v) for n, v in attributes if n != target]
    elif cases["attributeMode"] == "rename" and target:
        renamed = cases["attributeRenameTo"] or f"{target}_renamed"
        attributes = [(renamed if n == target else n, v) for n, v in attributes]
    return attributes


def tester_key(application: ApplicationFacts, session: Work | None = None) -> KeyPair:
    """The "different key" of the edge case: made once per application, kept in its settings.

    Making it writes the application: ``application`` itself when it is an :class:`SsoApplication`,
    otherwise the application loaded through ``session``.
    """
    config = dict(application.sso_config or {})
    stored = config.get("testerKey")
    if not stored:
        pair = generate_key_pair(f"Not JumpCloud {application.name}")
        stored = {"privateKey": pair.private_key_pem, "certificate": pair.certificate_pem}
        stored_in = application if isinstance(application, SsoApplication) else None
        if stored_in is None and session is not None:
            stored_in = orm_session(session).get(SsoApplication, application.id)
        if stored_in is not None:
            stored_in.sso_config = {**dict(stored_in.sso_config or {}), "testerKey": stored}
    return KeyPair(private_key_pem=stored["privateKey"], certificate_pem=stored["certificate"])


def response_options(application: ApplicationFacts, session: Work | None = None) -> ResponseOptions:
    """How to sign, and the tester edge cases that bend the Response (``session``: see :func:`tester_key`)."""
    config = application.sso_config or {}
    cases = edge_cases(application)
    unsigned = bool(cases["noSignature"])
    foreign = None
    if cases["foreignKey"]:
        key = tester_key(application, session)
        foreign = (key.private_key_pem, key.certificate_pem)
    validity = cases["shortValiditySeconds"]
    return ResponseOptions(
        sign_assertion=bool(config.get("signAssertion", True)) and not unsigned,
        sign_response=bool(config.get("signResponse", False)) and not unsigned,
        clock_skew=timedelta(minutes=int(cases["clockSkewMinutes"] or 0)),
        validity=timedelta(seconds=int(validity)) if validity is not None else None,
        audience=f"{sp_settings(application).entity_id}/wrong-audience" if cases["wrongAudience"] else None,
        foreign_key=foreign,
    )


def application_block(application: ApplicationFacts, base_url: str) -> dict[str, str]:
    """The ``application`` block of an ``sso_auth`` event."""
    return {
        "id": application.id,
        "name": application.name,
        "display_label": application.display_label,
        "sso_type": "bookmark" if application.is_bookmark else "saml",
        "sso_url": served_sso_url(application, base_url),
    }


# Every sign-in appends one event that is never changed afterwards: one INSERT compiled once.
_INSERT_EVENT = DirectWrite(
    cast(Table, DirectoryInsightsEvent.__table__),
    ("id", "event_type", "service", "timestamp", "success", "summary", "record"),
)


def record_sso_auth(
    session: Work,
    application: ApplicationFacts,
    base_url: str,
    *,
    user: UserFacts | None,
    username: str = "",
    idp_initiated: bool,
    success: bool,
    error_message: str | None = None,
) -> dict[str, Any]:
    """One Directory Insights ``sso_auth`` event, success or failure."""
    who = user.username if user is not None else (username or "unknown")
    initiator = Initiator(id=user.id if user is not None else "", type="user", username_or_email=who)
    outcome = "signed in to" if success else "was refused by"
    event = new_event(
        "sso_auth",
        service="sso",
        initiated_by=initiator,
        resource={"id": application.id, "type": "application", "name": application.display_label},
        success=success,
        error_message=error_message,
        extra={
            "application": application_block(application, base_url),
            "idp_initiated": idp_initiated,
            "sso_token_success": success,
            "mfa": False,
            "auth_method": "password",
        },
    )
    published = to_sandbox_event(
        event.record,
        event.moment,
        f"{who} {outcome} {application.display_label}" + (f": {error_message}" if error_message else ""),
    )
    # Stored as record_event stores it, without an ORM object for the sign-in's commit to flush.
    _INSERT_EVENT.run(
        session,
        {
            "id": event.record["id"],
            "event_type": "sso_auth",
            "service": "sso",
            "timestamp": event.moment,
            "success": success,
            "summary": published.summary[:512],
            "record": event.record,
        },
    )
    queue_event(session, published)
    return event.record
