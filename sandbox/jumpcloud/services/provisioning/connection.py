"""The Identity Management tab's configuration: Activate (the connection test), save, Deactivate.

Directory Insights events: ``idm_integration_activate``, ``idm_integration_update``,
``idm_integration_reauth`` and ``idm_integration_delete``, as the seed guide lists them.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from sandbox.events import utc_now
from sandbox.jumpcloud.models import IdentityManagement, SsoApplication
from sandbox.jumpcloud.models.provisioning import ACTIVE, INACTIVE
from sandbox.jumpcloud.services.insights import Initiator, record_event
from sandbox.jumpcloud.services.provisioning import outbox
from sandbox.jumpcloud.services.provisioning.attributes import create_group_body
from sandbox.scim.answers import REDIRECTS
from sandbox.scim.client import (
    ENTERPRISE_USER_SCHEMA,
    NOT_FOUND,
    NOT_SUPPORTED,
    USER_SCHEMA,
    ScimClient,
    ScimRequestError,
)
from sandbox.traces import TraceLog

log = logging.getLogger("sandbox.jumpcloud.provisioning")

# Activate tested the connection; "save" turns the integration on.
TESTED = "tested"
DEACTIVATE_FIRST = (
    "To change the Base URL or the Token Key, deactivate the IdM connection first, "
    "enter the new values, then activate the integration again."
)


class IdentityManagementError(Exception):
    """A refused request on the Identity Management tab; the message is shown as it is."""


@dataclass
class ConnectionTest:
    """The result of Activate: each step as done, and every HTTP exchange made."""

    ok: bool
    message: str
    base_url: str = ""
    steps: list[str] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)


def identity_management(session: Session, application: SsoApplication) -> IdentityManagement:
    """The application's Identity Management settings (created on first use, inactive)."""
    idm = session.get(IdentityManagement, application.id)
    if idm is None:
        idm = IdentityManagement(application_id=application.id, status=INACTIVE, group_management=False)
        session.add(idm)
        session.flush()
    return idm


def validate_base_url(base_url: str) -> str:
    url = base_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IdentityManagementError(
            "The Base URL must be a full http:// or https:// address, for example https://acme.blogin.co/sso/scim/V2."
        )
    return url.rstrip("/")


def test_connection(base_url: str, token_key: str, *, timeout: float = 10.0) -> ConnectionTest:
    """What JumpCloud does on Activate: create a test user and a test group, then remove both
    (the user is deactivated where DELETE is not supported)."""
    result = ConnectionTest(ok=False, message="", base_url=base_url)
    suffix = secrets.token_hex(4)
    user_name = f"jumpcloud-scim-test-{suffix}@example.invalid"
    with ScimClient(base_url, token_key, timeout=timeout, on_exchange=result.exchanges.append) as client:
        try:
            if client.find_user(user_name, operation="idm_integration_activate") is not None:
                raise ScimRequestError("conflict", f"A test user {user_name} already exists in the application.")
            result.steps.append("Looked up the test user")
            user = client.create_user(
                {
                    "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                    "userName": user_name,
                    "externalId": secrets.token_hex(12),
                    "active": True,
                    "displayName": "JumpCloud Test User",
                    "name": {"givenName": "JumpCloud", "familyName": "Test User"},
                    "emails": [{"primary": True, "type": "work", "value": user_name}],
                },
                operation="idm_integration_activate",
            )
            result.steps.append("Created the test user")
            group = client.create_group(
                create_group_body(f"JumpCloud Test Group {suffix}", [user.id]), operation="idm_integration_activate"
            )
            result.steps.append("Created the test group")
            if group.id:
                _remove(client.delete_group, group.id)
                result.steps.append("Deleted the test group")
            try:
                _remove(client.delete_user, user.id)
                result.steps.append("Deleted the test user")
            except ScimRequestError as error:
                if error.kind != NOT_SUPPORTED:
                    raise
                client.patch_user(
                    user.id, [{"op": "replace", "path": "active", "value": False}], operation="idm_integration_activate"
                )
                result.steps.append("Deactivated the test user (the application does not support DELETE)")
        except ScimRequestError as error:
            result.message = f"Activation failed: {error}"
            return result
    result.ok = True
    result.message = "Connection tested: the application accepted a test user and a test group."
    return result


def _remove(delete: Any, resource_id: str) -> None:
    try:
        delete(resource_id, operation="idm_integration_activate")
    except ScimRequestError as error:
        if error.kind != NOT_FOUND:
            raise


def record_test(
    session: Session,
    traces: TraceLog,
    application: SsoApplication,
    test: ConnectionTest,
    initiator: Initiator,
    *,
    event_type: str = "idm_integration_activate",
) -> None:
    """The DI event of an Activate, with the test's SCIM exchanges as its traces."""
    record = record_event(
        session,
        event_type,
        service="directory",
        initiated_by=initiator,
        resource=_resource(application),
        success=test.ok,
        error_message=None if test.ok else test.message,
        changes=[{"field": "step", "from": None, "to": step} for step in test.steps],
        extra={"baseUrl": test.base_url},
        summary=(
            f"Identity Management of {application.display_label}: connection test passed"
            if test.ok
            else f"Identity Management of {application.display_label}: connection test failed — {test.message}"
        ),
    )
    for index, exchange in enumerate(test.exchanges):
        status = exchange.get("status")
        summary = f"{exchange['method']} {exchange['path']} → {status if status is not None else exchange['error']}"
        followed = status in REDIRECTS and index < len(test.exchanges) - 1
        ok = status is not None and (200 <= int(status) < 300 or int(status) == 404 or followed)
        traces.record(session, "scim", summary, exchange, success=ok, related_id=record["id"])


def mark_tested(idm: IdentityManagement, base_url: str, token_key: str, group_management: bool) -> None:
    idm.base_url = base_url
    idm.token_key = token_key
    idm.group_management = group_management
    idm.status = TESTED


def refuse_credentials_change(
    session: Session, application: SsoApplication, idm: IdentityManagement, initiator: Initiator
) -> None:
    """Changing the Base URL or the Token Key of an active integration: logged and refused."""
    record_event(
        session,
        "idm_integration_reauth",
        service="directory",
        initiated_by=initiator,
        resource=_resource(application),
        success=False,
        error_message="Deactivate the IdM connection before changing the Base URL or the Token Key.",
        summary=f"Identity Management of {application.display_label}: Base URL or Token Key change refused "
        "while the connection is active",
    )
    raise IdentityManagementError(DEACTIVATE_FIRST)


def save(
    session: Session,
    application: SsoApplication,
    idm: IdentityManagement,
    *,
    group_management: bool,
    initiator: Initiator,
) -> str:
    """ "save": turns a tested integration on (and queues the first sync), or updates an active one."""
    if idm.status == TESTED:
        idm.status = ACTIVE
        idm.group_management = group_management
        idm.activated_at = utc_now()
        # The idm_integration_activate event was written by Activate, with the test's exchanges.
        session.flush()
        queued = outbox.full_sync(session, application.id, groups=group_management)
        log.info("Identity Management of %s activated; %d operations queued", application.name, queued)
        return "Identity Management activated. Users of the authorized groups are being provisioned."
    if idm.status != ACTIVE:
        raise IdentityManagementError("Click Activate to test the connection before saving.")
    if idm.group_management == group_management:
        return "Nothing changed."
    previous = idm.group_management
    idm.group_management = group_management
    record_event(
        session,
        "idm_integration_update",
        service="directory",
        initiated_by=initiator,
        resource=_resource(application),
        changes=[{"field": "groupManagement", "from": previous, "to": group_management}],
        summary=f"Identity Management of {application.display_label}: group management "
        f"{'enabled' if group_management else 'disabled'}",
    )
    if group_management:
        outbox.group_sync_all(session, application.id)
        return "Group management enabled: the authorized user groups are being synced."
    return "Group management disabled: groups and memberships are left as they are in the application."


def deactivate(session: Session, application: SsoApplication, idm: IdentityManagement, initiator: Initiator) -> None:
    """Deactivate IdM connection: nothing more is sent; users and groups stay as they are."""
    if idm.status == INACTIVE:
        raise IdentityManagementError("The IdM connection is not active.")
    was = idm.status
    idm.status = INACTIVE
    dropped = outbox.cancel_pending(session, application.id)
    record_event(
        session,
        "idm_integration_delete",
        service="directory",
        initiated_by=initiator,
        resource=_resource(application),
        changes=[{"field": "status", "from": was, "to": INACTIVE}],
        summary=f"Identity Management of {application.display_label}: IdM connection deactivated",
    )
    log.info("Identity Management of %s deactivated; %d queued operations dropped", application.name, dropped)


def _resource(application: SsoApplication) -> dict[str, Any]:
    return {
        "id": application.id,
        "type": "application",
        "name": application.name,
        "display_label": application.display_label,
    }
