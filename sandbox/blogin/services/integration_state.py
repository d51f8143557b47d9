"""Read-only views of the mock BlogIn's integration state, as plain data for observers.

The desktop's walkthrough, drift view and edge-case panel read these; nothing here changes a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.blogin.models import AuditEvent, ProvisioningSettings, ScimFault, SsoConfiguration, User
from sandbox.blogin.models.provisioning import FAULT_ENDPOINTS


@dataclass(frozen=True)
class ScimFaultState:
    """One SCIM endpoint's test fault, as the User Provisioning tab shows it."""

    endpoint: str
    latency_ms: int = 0
    status: int | None = None
    only_nth: int = 0
    retry_after_s: int = 5

    @property
    def is_on(self) -> bool:
        return self.latency_ms > 0 or self.status is not None


@dataclass(frozen=True)
class BlogInState:
    """What the walkthrough needs to know of BlogIn."""

    sso_enabled: bool
    configuration_method: str
    metadata_url: str
    idp_configured: bool
    idp_entity_id: str
    default_role: str
    jit_enabled: bool
    provisioning_enabled: bool
    token_issued: bool
    # Users by where they came from: manual, SCIM, JIT, import.
    users_by_source: dict[str, int]
    # Audit event types seen at least once, successful ones only.
    event_types: frozenset[str]
    faults: tuple[ScimFaultState, ...]


@dataclass(frozen=True)
class BlogInUserView:
    """A BlogIn user in the flat shape of the seed guide's Attribute Mappings, with its source."""

    id: str
    user_name: str
    email: str
    given_name: str
    family_name: str
    formatted_name: str
    display_name: str
    title: str
    phone: str
    timezone: str
    active: bool
    role: str
    source: str
    external_id: str | None
    teams: tuple[str, ...]

    def attributes(self) -> dict[str, object]:
        """Keyed like JumpCloud's mapped attributes (userName, email, givenName, ...)."""
        return {
            "userName": self.user_name,
            "email": self.email,
            "givenName": self.given_name,
            "familyName": self.family_name,
            "formatted": self.formatted_name,
            "displayName": self.display_name,
            "title": self.title,
            "phone": self.phone,
            "timezone": self.timezone,
            "active": self.active,
        }


def integration_state(session: Session) -> BlogInState:
    """Single sign-on, user provisioning, users by source and test faults, read in one go."""
    sso = session.get(SsoConfiguration, 1)
    provisioning = session.get(ProvisioningSettings, 1)
    by_source = {
        str(source): int(count)
        for source, count in session.execute(select(User.source, func.count()).group_by(User.source))
    }
    event_types = frozenset(
        session.scalars(select(AuditEvent.event_type).where(AuditEvent.success.is_(True)).distinct())
    )
    return BlogInState(
        sso_enabled=bool(sso and sso.enabled),
        configuration_method=sso.method if sso else "",
        metadata_url=sso.metadata_url if sso else "",
        idp_configured=bool(sso and sso.idp_configured),
        idp_entity_id=sso.idp_entity_id if sso else "",
        default_role=sso.default_role if sso else "",
        jit_enabled=bool(sso.jit_enabled) if sso else True,
        provisioning_enabled=bool(provisioning and provisioning.enabled),
        token_issued=bool(provisioning and provisioning.token),
        users_by_source=by_source,
        event_types=event_types,
        faults=scim_faults(session),
    )


def scim_faults(session: Session) -> tuple[ScimFaultState, ...]:
    """Every endpoint's fault, off where none was ever set."""
    rows = {row.endpoint: row for row in session.scalars(select(ScimFault))}
    states = []
    for endpoint in FAULT_ENDPOINTS:
        row = rows.get(endpoint)
        if row is None:
            states.append(ScimFaultState(endpoint))
        else:
            states.append(ScimFaultState(endpoint, row.latency_ms, row.status, row.only_nth, row.retry_after_s))
    return tuple(states)


def user_directory(session: Session) -> list[BlogInUserView]:
    """Every BlogIn user with its teams, by user name."""
    users = session.scalars(select(User).order_by(User.user_name_key)).all()
    return [
        BlogInUserView(
            id=user.id,
            user_name=user.user_name,
            email=user.email,
            given_name=user.given_name,
            family_name=user.family_name,
            formatted_name=user.formatted_name,
            display_name=user.display_name,
            title=user.title,
            phone=user.phone,
            timezone=user.timezone,
            active=user.active,
            role=user.role,
            source=user.source,
            external_id=user.external_id,
            teams=tuple(team.display_name for team in user.teams),
        )
        for user in users
    ]
