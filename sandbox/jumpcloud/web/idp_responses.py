"""The Responses the IdP sends: a signed sign-in, or an error Response to a request it cannot satisfy.

Each is traced as sent, linked to its ``sso_auth`` event (as is the AuthnRequest's trace, when there was
one), and handed to the browser on the hand-off page (:mod:`sandbox.jumpcloud.web.hand_off`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import url_for

from sandbox.jumpcloud.services import sso
from sandbox.jumpcloud.services.applications import edge_case_phrases
from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts
from sandbox.jumpcloud.services.sso_access import SignInUser, group_names
from sandbox.jumpcloud.services.sso_events import record_sso_auth
from sandbox.jumpcloud.web.context import system
from sandbox.jumpcloud.web.hand_off import hand_off_page, held_summary
from sandbox.jumpcloud.web.idp_pages import fail
from sandbox.jumpcloud.web.idp_runtime import RELATE_TRACE, runtime
from sandbox.jumpcloud.web.pending_logins import HeldResponse, PendingLogin
from sandbox.saml.capture import capture
from sandbox.saml.idp import AuthnRequestInfo, IdpError, IssuedResponse
from sandbox.saml.idp_refusals import Refusal
from sandbox.webcommon import work

log = logging.getLogger("sandbox.jumpcloud.idp")


def send_sign_in(
    application: ApplicationFacts,
    user: SignInUser,
    flow_id: str,
    pending: PendingLogin,
    authenticated_at: object,
) -> str | tuple[str, int]:
    """Issue the signed Response for ``user`` (authorized), record it and return the hand-off page."""
    idp_runtime = runtime()
    unit = work()
    base_url = system().base_url
    idp_initiated = pending.request is None
    try:
        provider = idp_runtime.providers.get(sso.idp_settings(application, base_url), sso.sp_settings(application))
        value, name_id_format = sso.name_id(application, user)
        groups = group_names(unit, user.id) if (application.sso_config or {}).get("includeGroups") else ()
        issued = provider.issue_response(
            name_id=value,
            name_id_format=name_id_format,
            attributes=sso.assertion_attributes(application, user, groups),
            options=sso.response_options(application, unit),
            request=pending.request,
            relay_state=pending.relay_state,
            authn_instant=moment(authenticated_at),
        )
    except IdpError as error:
        idp_runtime.pending.finish(flow_id)
        return fail(application, user, idp_initiated, str(error), "Single sign-on failed", str(error))
    idp_runtime.pending.finish(flow_id)
    event = record_sso_auth(unit, application, base_url, user=user, idp_initiated=idp_initiated, success=True)
    flow = pending.request.id if pending.request else issued.response_id
    hold = record_sent_response(
        application,
        provider.certificate_sha256,
        issued,
        pending,
        summary=f"Response for {user.username} to {application.display_label}",
        flow_id=flow,
        event_id=event["id"],
    )
    release_url = None
    if hold:
        # Held: the page asks JumpCloud to post it when the hold ends, and JumpCloud decides again then.
        held = HeldResponse(
            application=application,
            user_id=user.id,
            username=user.username,
            issued=issued,
            idp_initiated=idp_initiated,
            certificate_sha256=provider.certificate_sha256,
            flow_id=flow,
            hold=hold,
        )
        release_url = url_for("idp.release", name=application.name, held=idp_runtime.held.add(held))
    return hand_off_page(application, issued, user, hold, release_url=release_url)


def bent_by_edge_cases(application: ApplicationFacts) -> str:
    """`` (edge case: wrong audience)``: what the tester's edge cases did to the Response, for its trace's summary
    (the hold says itself; see :func:`held_summary`), so the SAML tracer's row tells why the SP will refuse it."""
    phrases = edge_case_phrases((application.sso_config or {}).get("edgeCases") or {})
    bent = [phrase for case, phrase in phrases.items() if case != "holdResponseSeconds"]
    if not bent:
        return ""
    return f" ({'edge case' if len(bent) == 1 else 'edge cases'}: {', '.join(bent)})"


def record_sent_response(
    application: ApplicationFacts,
    certificate_sha256: str,
    issued: IssuedResponse,
    pending: PendingLogin,
    *,
    summary: str,
    flow_id: str,
    event_id: str,
    refusal: Refusal | None = None,
) -> int:
    """Trace the Response as sent (linked to its ``sso_auth`` event) and return the edge case's hold in seconds.

    The AuthnRequest's trace, when there was one, is pointed at the same event (one statement, no load first).
    """
    unit = work()
    hold = sso.response_hold_seconds(application)
    captured = capture(
        message_type="Response",
        direction="sent",
        binding="HTTP-POST",
        endpoint=issued.acs_url,
        xml=issued.xml,
        verdict="sent",
        relay_state=issued.relay_state,
        reason=refusal.error_message if refusal is not None else None,
        expected_certificate_sha256=certificate_sha256,
        application=application.name,
        flow_id=flow_id,
    )
    if refusal is None:
        summary += bent_by_edge_cases(application)
    runtime().traces.record(
        unit,
        "saml",
        held_summary(summary, captured, hold),
        captured,
        success=refusal is None,
        related_id=event_id,
    )
    if pending.request_trace_id:
        RELATE_TRACE.run(unit, {"id": pending.request_trace_id, "related_id": event_id})
    return hold


def after(authenticated_at: object, began_at: float) -> bool:
    """Whether the User Console password was typed after ``began_at`` (seconds since the epoch)."""
    return isinstance(authenticated_at, int | float) and authenticated_at >= began_at


def moment(authenticated_at: object) -> datetime | None:
    """When the user typed the password, from the session; ``None`` when the session does not say."""
    if not isinstance(authenticated_at, int | float):
        return None
    return datetime.fromtimestamp(authenticated_at, UTC)


def send_refusal(
    application: ApplicationFacts,
    user: UserFacts | None,
    flow_id: str,
    pending: PendingLogin,
    asked: AuthnRequestInfo,
    refusal: Refusal,
) -> str | tuple[str, int]:
    """Answer the service provider with an error Response (no assertion), signed as the application signs."""
    idp_runtime = runtime()
    idp_runtime.pending.finish(flow_id)
    unit = work()
    base_url = system().base_url
    try:
        provider = idp_runtime.providers.get(sso.idp_settings(application, base_url), sso.sp_settings(application))
        issued = provider.issue_refusal(
            refusal=refusal,
            options=sso.response_options(application, unit),
            request=asked,
            relay_state=pending.relay_state,
        )
    except IdpError as error:
        return fail(application, user, False, str(error), "Single sign-on failed", str(error))
    event = record_sso_auth(
        unit, application, base_url, user=user, idp_initiated=False, success=False, error_message=refusal.error_message
    )
    log.info("AuthnRequest %s for %s answered %s: %s", asked.id, application.name, refusal.status_name, refusal.reason)
    hold = record_sent_response(
        application,
        provider.certificate_sha256,
        issued,
        pending,
        summary=f"{refusal.status_name} Response to {application.display_label}",
        flow_id=asked.id,
        event_id=event["id"],
        refusal=refusal,
    )
    return hand_off_page(application, issued, user, hold, refusal)
