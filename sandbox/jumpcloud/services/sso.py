"""Signing a user into an application: who is authorized, what the assertion says, what is logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, inspect, literal, select
from sqlalchemy.orm import Session, object_session

from sandbox.db import queue_event
from sandbox.jumpcloud.models import (
    DirectoryInsightsEvent,
    SsoApplication,
    SystemUser,
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


def user_attribute(user: SystemUser, name: str) -> str:
    """The value of the JumpCloud user attribute ``name`` (empty when unknown)."""
    if name not in USER_ATTRIBUTES:
        return ""
    return str(getattr(user, _FIELDS.get(name, name), "") or "")


def served_sso_url(application: SsoApplication, base_url: str) -> str:
    """Where this sandbox serves the application's SSO IdP URL."""
    return f"{base_url}/saml2/{application.name}"


def metadata_url(application: SsoApplication, base_url: str) -> str:
    return f"{served_sso_url(application, base_url)}/metadata"


def idp_settings(application: SsoApplication, base_url: str, backend: str = DEFAULT_BACKEND) -> IdpSettings:
    config = application.sso_config or {}
    return IdpSettings(
        entity_id=config.get("idpEntityId") or "JumpCloud",
        sso_url=served_sso_url(application, base_url),
        certificate_pem=application.idp_certificate_pem,
        private_key_pem=application.idp_private_key_pem,
        declare_redirect=bool(config.get("declareRedirectEndpoint")),
        backend=backend,
    )


def sp_settings(application: SsoApplication) -> ServiceProviderSettings:
    config = application.sso_config or {}
    return ServiceProviderSettings(
        entity_id=str(config.get("spEntityId") or ""),
        acs_urls=tuple(url for url in config.get("acsUrls", []) if url),
        certificate_pem=str(config.get("spCertificate") or ""),
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
_APPLICATION_AND_USER = (
    select(SsoApplication, SystemUser, _MEMBER_OF_AN_AUTHORIZED_GROUP_EXISTS)
    .outerjoin(SystemUser, SystemUser.id == bindparam("user_id"))
    .where(SsoApplication.name == bindparam("name"))
)


@dataclass(frozen=True)
class SignInParties:
    """The application signed in to, the user signing in, and whether the user is in one of its groups."""

    application: SsoApplication | None
    user: SystemUser | None
    member: bool


def sign_in_parties(session: Session, name: str, user_id: str | None) -> SignInParties:
    """The application called ``name``, the user ``user_id`` and their group membership, in one query.

    The user is left in the session's identity map, so looking the signed-in user up again costs no query.
    """
    row = session.execute(_APPLICATION_AND_USER, {"name": name, "user_id": user_id}).first()
    if row is None:
        return SignInParties(None, None, False)
    return SignInParties(row[0], row[1], bool(row[2]))


def is_authorized(application: SsoApplication, user: SystemUser, *, member: bool | None = None) -> bool:
    """Users are implicitly denied: only active members of an authorized group get in.

    ``member`` is the membership when already known (:func:`sign_in_parties`).
    """
    if not user.active:
        return False
    if member is not None:
        return member
    session = object_session(application)
    if session is None or not ({"groups"} & (inspect(application).unloaded | inspect(user).unloaded)):
        # Both group lists are at hand (or there is no session to ask): compare them.
        authorized = {group.id for group in application.groups}
        return any(group.id in authorized for group in user.groups)
    # Otherwise one query instead of loading both lists of groups.
    found = session.execute(_MEMBER_OF_AN_AUTHORIZED_GROUP, {"application_id": application.id, "user_id": user.id})
    return found.first() is not None


def name_id(application: SsoApplication, user: SystemUser) -> tuple[str, str]:
    """The SAMLSubject NameID value and format."""
    config = application.sso_config or {}
    value = user.username if config.get("subjectField") == "username" else user.email
    return value, NAMEID_FORMATS.get(str(config.get("nameIdFormat")), NAMEID_FORMATS["emailAddress"])


def edge_cases(application: SsoApplication) -> dict[str, Any]:
    return {**EDGE_CASES_OFF, **(application.sso_config or {}).get("edgeCases", {})}


def assertion_attributes(application: SsoApplication, user: SystemUser) -> list[tuple[str, list[str]]]:
    """The AttributeStatement: JIT attributes that are on, custom user and constant attributes, groups."""
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
        attributes.append((config.get("groupsAttributeName") or "memberOf", [group.name for group in user.groups]))
    cases = edge_cases(application)
    target = cases["attributeName"]
    if cases["attributeMode"] == "drop" and target:
        attributes = [(n, v) for n, v in attributes if n != target]
    elif cases["attributeMode"] == "rename" and target:
        renamed = cases["attributeRenameTo"] or f"{target}_renamed"
        attributes = [(renamed if n == target else n, v) for n, v in attributes]
    return attributes


def tester_key(application: SsoApplication) -> KeyPair:
    """The "different key" of the edge case: made once per application, kept in its settings."""
    config = dict(application.sso_config or {})
    stored = config.get("testerKey")
    if not stored:
        pair = generate_key_pair(f"Not JumpCloud {application.name}")
        stored = {"privateKey": pair.private_key_pem, "certificate": pair.certificate_pem}
        application.sso_config = {**config, "testerKey": stored}
    return KeyPair(private_key_pem=stored["privateKey"], certificate_pem=stored["certificate"])


def response_options(application: SsoApplication) -> ResponseOptions:
    """How to sign, and the tester edge cases that bend the Response."""
    config = application.sso_config or {}
    cases = edge_cases(application)
    unsigned = bool(cases["noSignature"])
    foreign = None
    if cases["foreignKey"]:
        key = tester_key(application)
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


def application_block(application: SsoApplication, base_url: str) -> dict[str, str]:
    """The ``application`` block of an ``sso_auth`` event."""
    return {
        "id": application.id,
        "name": application.name,
        "display_label": application.display_label,
        "sso_type": "bookmark" if application.is_bookmark else "saml",
        "sso_url": served_sso_url(application, base_url),
    }


def record_sso_auth(
    session: Session,
    application: SsoApplication,
    base_url: str,
    *,
    user: SystemUser | None,
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
    # Stored as record_event stores it, but with one Core INSERT: every sign-in writes an event that
    # is never changed afterwards, so there is no ORM object for the sign-in's commit to flush.
    session.execute(
        insert(cast(Table, DirectoryInsightsEvent.__table__)),
        [
            {
                "id": event.record["id"],
                "event_type": "sso_auth",
                "service": "sso",
                "timestamp": event.moment,
                "success": success,
                "summary": published.summary[:512],
                "record": event.record,
            }
        ],
    )
    queue_event(session, published)
    return event.record
