"""The User Provisioning tab's state: status On/Off and the Secret (Bearer) token."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.blogin.models import ProvisioningSettings
from sandbox.blogin.services.audit import record_audit
from sandbox.events import utc_now


def provisioning_settings(session: Session) -> ProvisioningSettings:
    """The tenant's provisioning settings, created (Off, no token) on first use."""
    settings = session.get(ProvisioningSettings, 1)
    if settings is None:
        settings = ProvisioningSettings(id=1, enabled=False)
        session.add(settings)
        session.flush()
    return settings


def new_token() -> str:
    return secrets.token_urlsafe(32)


def save_status(session: Session, enabled: bool, *, actor: str) -> ProvisioningSettings:
    """ "Save changes": set USER PROVISIONING STATUS; the first save issues the Secret (Bearer) token."""
    settings = provisioning_settings(session)
    changed = settings.enabled != enabled
    settings.enabled = enabled
    if settings.token is None:
        settings.token = new_token()
        settings.token_issued = utc_now()
        record_audit(session, "scim_token_generated", "Secret (Bearer) token generated", actor=actor)
    if changed:
        settings.updated = utc_now()
        state = "On" if enabled else "Off"
        record_audit(session, "scim_provisioning_status_changed", f"User provisioning turned {state}", actor=actor)
    return settings


def regenerate_token(session: Session, *, actor: str) -> ProvisioningSettings:
    """A new token; the old one stops working as soon as this commits."""
    settings = provisioning_settings(session)
    settings.token = new_token()
    settings.token_issued = utc_now()
    settings.updated = utc_now()
    record_audit(
        session,
        "scim_token_regenerated",
        "Secret (Bearer) token regenerated; the old token no longer works",
        actor=actor,
    )
    return settings


def provisioning_gate(session: Session) -> tuple[bool, str | None]:
    """(status On, current token) in one light query; the SCIM API asks this on every request."""
    row = session.execute(
        select(ProvisioningSettings.enabled, ProvisioningSettings.token).where(ProvisioningSettings.id == 1)
    ).first()
    return (bool(row.enabled), row.token) if row is not None else (False, None)


def token_accepted(current: str | None, presented: str) -> bool:
    """Constant-time comparison with the current token."""
    if not current:
        return False
    return hmac.compare_digest(current.encode(), presented.encode())
