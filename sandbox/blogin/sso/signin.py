"""SAML sign-in at BlogIn: the AuthnRequest it sends, and the checks on the Response the IdP posts back."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from sandbox.blogin.models import (
    ConsumedAssertion,
    OutstandingAuthnRequest,
    ServiceProviderKey,
    SsoConfiguration,
)
from sandbox.blogin.models.base import new_resource_id, utc_now
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.sso.configuration import acs_url, active_sp_key, get_configuration, sp_entity_id
from sandbox.blogin.sso.errors import SsoRejected
from sandbox.blogin.sso.jit import AssertedIdentity, SignedInUser, provision
from sandbox.blogin.system import BlogIn
from sandbox.direct_sql import DirectSelect, DirectTraces, DirectWrite, Work, orm_session
from sandbox.saml.capture import capture
from sandbox.saml.keys import CertificateError, certificate_facts
from sandbox.saml.metadata import MetadataError
from sandbox.saml.sp import (
    OutgoingMessage,
    ResponseRejected,
    ServiceProvider,
    ServiceProviderSettings,
    VerifiedResponse,
)
from sandbox.saml.sp_cache import ServiceProviderCache

log = logging.getLogger("sandbox.blogin.sso")

TENANT = "acme"


def _clock(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


@dataclass(frozen=True)
class SignInConfiguration:
    """What a sign-in reads of the Single Sign-On tab, with BlogIn's active key pair."""

    enabled: bool
    metadata_xml: str
    idp_entity_id: str
    idp_sso_url: str
    default_role: str
    jit_enabled: bool
    allowed_skew_s: int
    signatures_required: str
    idp_initiated_allowed: bool
    key_pem: str
    certificate_pem: str

    @property
    def idp_configured(self) -> bool:
        return bool(self.metadata_xml and self.idp_entity_id)


_CONFIGURATION_COLUMNS = (
    SsoConfiguration.enabled,
    SsoConfiguration.metadata_xml,
    SsoConfiguration.idp_entity_id,
    SsoConfiguration.idp_sso_url,
    SsoConfiguration.default_role,
    SsoConfiguration.jit_enabled,
    SsoConfiguration.allowed_skew_s,
    SsoConfiguration.signatures_required,
    SsoConfiguration.idp_initiated_allowed,
)
# The configuration and the active key pair, read afresh on every sign-in step: a change saved on the
# Single Sign-On tab counts from the next request.
_CONFIGURATION_AND_KEY = DirectSelect(
    select(
        *_CONFIGURATION_COLUMNS,
        ServiceProviderKey.private_key_pem.label("key_pem"),
        ServiceProviderKey.certificate_pem.label("certificate_pem"),
    )
    .outerjoin(ServiceProviderKey, ServiceProviderKey.active.is_(True))
    .where(SsoConfiguration.id == 1)
    .order_by(ServiceProviderKey.id.desc())
    .limit(1)
)
_OUTSTANDING = cast(Table, OutstandingAuthnRequest.__table__)
_CONSUMED = cast(Table, ConsumedAssertion.__table__)
_OUTSTANDING_BY_ID = DirectSelect(
    select(
        OutstandingAuthnRequest.request_id, OutstandingAuthnRequest.relay_state, OutstandingAuthnRequest.answered_at
    ).where(OutstandingAuthnRequest.request_id == bindparam("request_id"))
)
_INSERT_OUTSTANDING = DirectWrite(_OUTSTANDING, ("request_id", "relay_state", "created", "answered_at"))
_ANSWER_OUTSTANDING = DirectWrite(_OUTSTANDING, ("answered_at",), key="request_id")
_CONSUMED_BY_ID = DirectSelect(
    select(ConsumedAssertion.consumed_at).where(ConsumedAssertion.assertion_id == bindparam("assertion_id"))
)
_INSERT_CONSUMED = DirectWrite(_CONSUMED, ("assertion_id", "issuer", "name_id", "consumed_at"))


def require_sso_on(configuration: SignInConfiguration) -> None:
    if not configuration.enabled or not configuration.idp_configured:
        raise SsoRejected(
            "single sign-on status",
            "Single sign-on is turned off for Acme on BlogIn (Settings › User Authentication › Configure SSO & "
            "User provisioning). Log in with your BlogIn password instead.",
            title="Single sign-on is off",
        )


def configuration_and_key(session: Work) -> SignInConfiguration:
    """The SSO configuration and BlogIn's active key pair, read together (one statement on every sign-in step)."""
    row = _CONFIGURATION_AND_KEY.first(session)
    if row is not None and row.key_pem is not None:
        return SignInConfiguration(*row)
    # First use: created with their defaults.
    orm = orm_session(session)
    configuration, key = get_configuration(orm), active_sp_key(orm)
    values: dict[str, Any] = {column.key: getattr(configuration, column.key) for column in _CONFIGURATION_COLUMNS}
    return SignInConfiguration(**values, key_pem=key.private_key_pem, certificate_pem=key.certificate_pem)


def service_provider(
    system: BlogIn, configuration: SignInConfiguration, providers: ServiceProviderCache
) -> ServiceProvider:
    """The service provider for the saved configuration (``providers`` keeps it for the next request).

    Raises :class:`SsoRejected` when the saved identity provider can no longer be used (its metadata or
    every certificate has expired since it was saved).
    """
    try:
        sp = providers.get(
            ServiceProviderSettings(
                entity_id=sp_entity_id(system.base_url),
                acs_url=acs_url(system.base_url),
                idp_metadata_xml=configuration.metadata_xml,
                key_pem=configuration.key_pem,
                certificate_pem=configuration.certificate_pem,
                crypto=providers.crypto,
                signatures_required=configuration.signatures_required,
                allowed_skew_s=configuration.allowed_skew_s,
                idp_entity_id=configuration.idp_entity_id,
            )
        )
        problem = sp.metadata_problem()
    except MetadataError as error:
        problem = f"The saved identity provider configuration can no longer be used: {error}"
    if problem:
        raise SsoRejected("identity provider metadata", problem, title="Single sign-on is not available")
    return sp


def expected_fingerprint(configuration: SsoConfiguration) -> str | None:
    try:
        return certificate_facts(configuration.idp_certificate_pem).fingerprint_sha256
    except CertificateError:
        return None


def start_login(
    session: Work, system: BlogIn, providers: ServiceProviderCache, traces: DirectTraces, target: str
) -> OutgoingMessage:
    """An AuthnRequest for the IdP, remembered server-side (the IdP's POST back is cross-site: no cookie)."""
    configuration = configuration_and_key(session)
    require_sso_on(configuration)
    message = service_provider(system, configuration, providers).authn_request(relay_state=target)
    _INSERT_OUTSTANDING.run(
        session, {"request_id": message.message_id, "relay_state": target, "created": utc_now(), "answered_at": None}
    )
    traces.record(
        session,
        "saml",
        f"AuthnRequest sent to {configuration.idp_entity_id} ({message.binding})",
        capture(
            message_type="AuthnRequest",
            direction="sent",
            binding=message.binding,
            endpoint=configuration.idp_sso_url,
            xml=message.xml,
            verdict="sent",
            relay_state=target,
            application=TENANT,
            flow_id=message.message_id,
        ),
    )
    return message


@dataclass(frozen=True)
class SignedIn:
    user: SignedInUser
    response: VerifiedResponse
    target: str | None  # the page the user wanted (SP-initiated), else the IdP's RelayState


class _OutstandingRequests:
    """The AuthnRequests BlogIn is waiting on, looked up by ID when the service provider asks.

    The response's InResponseTo is read once, by the service provider; the row it names (answered or
    not) is kept in ``found`` for the checks that follow verification.
    """

    def __init__(self, session: Work) -> None:
        self._session = session
        self.found: Any | None = None  # a row of _OUTSTANDING_BY_ID

    def __contains__(self, request_id: object) -> bool:
        if not isinstance(request_id, str) or not request_id:
            return False
        self.found = _OUTSTANDING_BY_ID.first(self._session, {"request_id": request_id})
        return self.found is not None and self.found.answered_at is None


def consume_response(
    session: Work,
    system: BlogIn,
    providers: ServiceProviderCache,
    traces: DirectTraces,
    saml_response: str,
    relay_state: str | None,
    remote_addr: str,
) -> SignedIn:
    """Verify a posted SAMLResponse and find or create its user; raises :class:`SsoRejected`."""
    configuration = configuration_and_key(session)
    require_sso_on(configuration)
    requests = _OutstandingRequests(session)
    try:
        sp = service_provider(system, configuration, providers)
        verified = sp.verify_response(saml_response, known_request_ids=requests, remote_addr=remote_addr)
    except ResponseRejected as rejected:
        raise SsoRejected(
            rejected.check,
            rejected.reason,
            xml=rejected.xml,
            message=rejected.summary.to_dict() if rejected.summary else None,
            checks=[c.as_dict() for c in rejected.checks],
        ) from rejected
    outstanding = requests.found
    checks = [c.as_dict() for c in verified.checks]

    def reject(check: str, reason: str, title: str = "Single sign-on failed") -> SsoRejected:
        failed = [*checks, {"name": check, "ok": False, "detail": reason}]
        return SsoRejected(
            check, reason, xml=verified.xml, message=verified.summary.to_dict(), checks=failed, title=title
        )

    used = _CONSUMED_BY_ID.first(session, {"assertion_id": verified.assertion_id})
    if used is not None:
        raise reject(
            "replay",
            f"The assertion {verified.assertion_id} was already used to sign in at {_clock(used.consumed_at)}; "
            "an assertion is accepted only once (this looks like a replayed response).",
        )
    checks.append({"name": "replay", "ok": True, "detail": "First use of this assertion"})
    request_id = verified.in_response_to
    if request_id:
        if outstanding is None or outstanding.request_id != request_id:
            raise reject(
                "InResponseTo",
                f"The response answers AuthnRequest {request_id}, which this BlogIn never sent. "
                "A response to an unknown request is refused even though IdP-initiated sign-in is allowed.",
            )
        if outstanding.answered_at is not None:
            raise reject(
                "InResponseTo",
                f"The response answers AuthnRequest {request_id}, which was already answered at "
                f"{_clock(outstanding.answered_at)}; each request is answered once.",
            )
        _ANSWER_OUTSTANDING.run(session, {"request_id": request_id, "answered_at": utc_now()})
        checks.append({"name": "InResponseTo", "ok": True, "detail": f"Answers AuthnRequest {request_id}"})
    elif not configuration.idp_initiated_allowed:
        raise reject(
            "IdP-initiated sign-in",
            "This is an IdP-initiated response (it answers no AuthnRequest), and IdP-initiated sign-in is "
            "turned off on the Single Sign-On tab. Start from BlogIn's login page with “Log in with SSO”.",
        )
    else:
        checks.append({"name": "InResponseTo", "ok": True, "detail": "IdP-initiated (allowed)"})
    _INSERT_CONSUMED.run(
        session,
        {
            "assertion_id": verified.assertion_id,
            "issuer": verified.issuer,
            "name_id": verified.name_id[:512],
            "consumed_at": utc_now(),
        },
    )
    try:
        user = provision(
            session, configuration, AssertedIdentity(verified.name_id, verified.attributes, verified.name_id_format)
        )
    except SsoRejected as refused:
        raise reject(refused.check, refused.reason, refused.title) from refused
    checks.append({"name": "user", "ok": True, "detail": f"{user.user_name} ({user.source}, {user.role})"})
    traces.record(
        session,
        "saml",
        f"Response from {verified.issuer} accepted for {user.user_name}",
        capture(
            message_type="Response",
            direction="received",
            binding="HTTP-POST",
            endpoint=acs_url(system.base_url),
            xml=verified.xml,
            verdict="accepted",
            relay_state=relay_state,
            checks=checks,
            allowed_skew_s=configuration.allowed_skew_s,
            expected_certificate_sha256=next(iter(sp.expected_fingerprints), None),
            application=TENANT,
            flow_id=request_id or verified.assertion_id,
        ),
        related_id=user.id,
    )
    return SignedIn(user=user, response=verified, target=outstanding.relay_state if outstanding else relay_state)


def record_rejection(session: Session, system: BlogIn, rejection: SsoRejected, *, relay_state: str | None) -> None:
    """Keep a refused response: a ``"saml"`` trace and an audit event carrying the decoded message."""
    configuration = get_configuration(session)
    message = rejection.message
    flow_id = message.get("in_response_to") or message.get("assertion_id")
    # The trace names the event it explains (the desktop opens one from the other); the event comes after it.
    event_id = new_resource_id()
    if rejection.xml:
        system.traces.record(
            session,
            "saml",
            f"Response rejected: {rejection.check}",
            capture(
                message_type=message.get("message_type") or "Response",
                direction="received",
                binding="HTTP-POST",
                endpoint=acs_url(system.base_url),
                xml=rejection.xml,
                verdict="rejected",
                reason=rejection.reason,
                relay_state=relay_state,
                checks=rejection.checks,
                allowed_skew_s=configuration.allowed_skew_s,
                expected_certificate_sha256=expected_fingerprint(configuration),
                application=TENANT,
                flow_id=flow_id,
            ),
            success=False,
            related_id=event_id,
        )
    record_audit(
        session,
        "sso_login_failed",
        f"SSO sign-in refused ({rejection.check}): {rejection.reason}",
        actor=message.get("name_id") or "",
        success=False,
        detail={
            "check": rejection.check,
            "reason": rejection.reason,
            "message": message,
            "xml": rejection.xml,
            "checks": rejection.checks,
        },
        event_id=event_id,
    )
