"""What a sign-in leaves in Directory Insights: one ``sso_auth`` event, success or failure."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table

from sandbox.db import queue_event
from sandbox.direct_sql import DirectWrite, Work
from sandbox.jumpcloud.models import DirectoryInsightsEvent
from sandbox.jumpcloud.services.insights import Initiator, new_event, to_sandbox_event
from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts, served_sso_url


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
