"""Signing a user into an application: the IdP and SP settings, and what the assertion says.

Who may sign in is :mod:`sandbox.jumpcloud.services.sso_access`; what each sign-in leaves in Directory
Insights is :mod:`sandbox.jumpcloud.services.sso_events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol, cast

from sandbox.direct_sql import Work, orm_session
from sandbox.jumpcloud.models import SsoApplication, SystemUser
from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF
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
            sorted((int(index), url) for index, url in indexes.items() if _plain_number(index) and url in acs_urls)
        ),
    )


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
        audience=f"{sp_settings(application).entity_id.rstrip('/')}/wrong-audience" if cases["wrongAudience"] else None,
        foreign_key=foreign,
    )


def _plain_number(text: str) -> bool:
    """ASCII digits, not too many for an index: ``"²".isdigit()`` is true, yet ``int()`` refuses it."""
    return text.isascii() and text.isdigit() and len(text) <= 9
