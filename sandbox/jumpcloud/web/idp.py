"""The SAML IdP: the SSO IdP URL of every application, its metadata, and the way back to the SP.

A login is a *flow*: the AuthnRequest (or an IdP-initiated launch) is checked and kept server-side,
then the browser continues with a same-site GET. An HTTP-POST binding request arrives cross-site, so
the Lax session cookie is not sent with it; the GET that follows carries it.

What the request asks is honoured there (SAML 2.0 core §3.4.1): ``IsPassive`` never shows a page
(without a User Console session the answer is a NoPassive Response), ``ForceAuthn`` asks for the
password again, and a request JumpCloud cannot satisfy (NameIDPolicy, RequestedAuthnContext,
ProtocolBinding, an unknown ACS index) is answered with an error Response rather than an error page,
since the service provider is known and trusted. So is ``IsPassive`` to a deactivated application
(RequestDenied), once the request's issuer and ACS URL check out. Each refusal leaves a failed
``sso_auth`` event and a trace of the Response.

The hand-off page posts the Response to the ACS at once, unless the tester's "Hold the Response before
posting it" edge case makes it count down first (so that a short validity can expire on the way).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import cast

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from sandbox.direct_sql import DirectTraces, DirectWrite
from sandbox.jumpcloud.models import Trace
from sandbox.jumpcloud.services import sso
from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts
from sandbox.jumpcloud.web.context import system
from sandbox.jumpcloud.web.hand_off import hand_off_page, held_summary
from sandbox.jumpcloud.web.pending_logins import PendingLogin, PendingLogins
from sandbox.jumpcloud.web.userconsole import AUTHENTICATED_AT_KEY, USER_SESSION_KEY, current_user
from sandbox.saml.capture import capture
from sandbox.saml.idp import AuthnRequestInfo, IdentityProviders, IdpError, IssuedResponse
from sandbox.saml.idp_options import (
    Refusal,
    deactivated_refusal,
    no_session_refusal,
    not_authorized_refusal,
    option_checks,
)
from sandbox.saml.inspect import MessageDecodeError, decode_message
from sandbox.webcommon import work

log = logging.getLogger("sandbox.jumpcloud.idp")

bp = Blueprint("idp", __name__)


@dataclass
class IdpRuntime:
    traces: DirectTraces
    providers: IdentityProviders = field(default_factory=IdentityProviders)
    pending: PendingLogins = field(default_factory=PendingLogins)


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    idp_runtime = IdpRuntime(traces=DirectTraces(state.app.extensions["jumpcloud"].traces))
    state.app.extensions["jumpcloud.idp"] = idp_runtime
    idp_runtime.providers.warm_up_later()


def runtime(app: Flask | None = None) -> IdpRuntime:
    return cast(IdpRuntime, (app or current_app).extensions["jumpcloud.idp"])


# Built once: each request then only binds its values.
_RELATE_TRACE = DirectWrite(Trace.__table__, ("related_id",), key="id")


def _application(name: str) -> ApplicationFacts | None:
    return sso.application_by_name(work(), name)


def _refuse(title: str, message: str, code: int = 403) -> tuple[str, int]:
    # The failure event and traces are the point of a refusal: keep them.
    g.commit_on_error = True
    return render_template("idp/error.html", code=code, title=title, message=message), code


def _fail(
    application: ApplicationFacts, user: UserFacts | None, idp_initiated: bool, reason: str, title: str, message: str
) -> tuple[str, int]:
    sso.record_sso_auth(
        work(),
        application,
        system().base_url,
        user=user,
        idp_initiated=idp_initiated,
        success=False,
        error_message=reason,
    )
    return _refuse(title, message)


def _decoded(saml_request: str, binding: str) -> str:
    try:
        return decode_message(saml_request, deflated=binding == "HTTP-Redirect")
    except MessageDecodeError:
        return ""


@bp.get("/saml2/<name>/metadata")
def metadata(name: str) -> Response | tuple[str, int]:
    """IdP metadata at a stable URL (**Copy Metadata URL**); ``?download=1`` is **Export Metadata**."""
    application = _application(name)
    if application is None or application.is_bookmark:
        return _refuse("Unknown application", f"No SSO application is configured at /saml2/{name}.", 404)
    xml = runtime().providers.metadata_xml(sso.idp_settings(application, system().base_url))
    response = current_app.response_class(xml, mimetype="application/xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="JumpCloud-{name}-metadata.xml"'
    return response


@bp.route("/saml2/<name>", methods=["GET", "POST"])
def single_sign_on(name: str) -> Response | tuple[str, int]:
    """The SSO IdP URL: SP-initiated with a SAMLRequest, IdP-initiated without one."""
    application = _application(name)
    if application is None:
        return _refuse("Unknown application", f"No SSO application is configured at /saml2/{name}.", 404)
    if application.is_bookmark:
        if not application.sso_active:
            return _refuse("Application deactivated", f"{application.display_label} has been deactivated.")
        return redirect(application.bookmark_url)
    saml_request = request.values.get("SAMLRequest")
    relay_state = request.values.get("RelayState")
    if saml_request is None and not application.sso_active:
        return _deactivated(application, idp_initiated=True)
    request_info = None
    trace_id = None
    binding = None
    if saml_request is not None:
        binding = "HTTP-POST" if request.method == "POST" else "HTTP-Redirect"
        request_info, trace_id, refusal = _read_request(
            application, saml_request, binding, relay_state, deactivated=not application.sso_active
        )
        if refusal is not None:
            return refusal
    else:
        relay_state = (application.sso_config or {}).get("defaultRelayState") or None
    flow_id = runtime().pending.add(
        PendingLogin(
            application_id=application.id,
            request=request_info,
            relay_state=relay_state,
            binding=binding,
            request_trace_id=trace_id,
        )
    )
    return redirect(url_for("idp.continue_login", name=name, flow=flow_id), 303)


def _deactivated(application: ApplicationFacts, *, idp_initiated: bool) -> tuple[str, int]:
    return _fail(
        application,
        current_user(),
        idp_initiated,
        "application deactivated",
        "Application deactivated",
        f"SSO for {application.display_label} has been deactivated by your administrator.",
    )


def _read_request(
    application: ApplicationFacts, saml_request: str, binding: str, relay_state: str | None, *, deactivated: bool
) -> tuple[AuthnRequestInfo | None, str | None, tuple[str, int] | None]:
    """The request read, checked and traced; or the page refusing it.

    For a ``deactivated`` application only an ``IsPassive`` request from the application's own service
    provider is read on: it is answered with a RequestDenied Response, since no page may be shown. Any
    other request gets the "deactivated" page, as before anything was read.
    """
    base_url = system().base_url
    endpoint = sso.served_sso_url(application, base_url)
    try:
        provider = runtime().providers.get(sso.idp_settings(application, base_url), sso.sp_settings(application))
        # HTTP-Redirect's signature covers the query string as received, not as decoded.
        query = request.query_string if binding == "HTTP-Redirect" else None
        info = provider.read_authn_request(saml_request, binding, relay_state, query)
    except IdpError as error:
        if deactivated:
            # Neither the issuer nor the ACS URL can be trusted: nothing may be posted anywhere.
            return None, None, _deactivated(application, idp_initiated=False)
        event = sso.record_sso_auth(
            work(), application, base_url, user=None, idp_initiated=False, success=False, error_message=str(error)
        )
        runtime().traces.record(
            work(),
            "saml",
            f"AuthnRequest for {application.display_label} refused",
            capture(
                message_type="AuthnRequest",
                direction="received",
                binding=binding,
                endpoint=endpoint,
                xml=_decoded(saml_request, binding),
                verdict="rejected",
                relay_state=relay_state,
                reason=str(error),
                application=application.name,
            ),
            success=False,
            related_id=event["id"],
        )
        return None, None, _refuse("Single sign-on failed", str(error), 400)
    if deactivated:
        if not info.is_passive:
            return None, None, _deactivated(application, idp_initiated=False)
        # Deactivation outweighs whatever else the request asked that JumpCloud could not give.
        info = replace(info, refusal=deactivated_refusal())
    index = info.options.acs_index
    acs_url = f"{info.acs_url} is one of its ACS URLs"
    if index is not None and info.refusal is None:
        acs_url = f"AssertionConsumerServiceIndex {index} names {info.acs_url}, one of its ACS URLs"
    checks: list[dict[str, object]] = [
        {"name": "issuer", "ok": True, "detail": f"{info.issuer} is this application's SP Entity ID"},
        {"name": "acs_url", "ok": True, "detail": acs_url},
    ]
    if info.query_signature:
        detail = f"its {info.query_signature} signature over the query string verifies with the SP certificate"
        checks.append({"name": "signature", "ok": True, "detail": detail})
    refusal = info.refusal
    checks += option_checks(info.options, provider.settings.name_id_format)
    if refusal is not None:
        # What JumpCloud cannot give replaces the passed check of the same name.
        checks = [check for check in checks if check["name"] != refusal.check]
        checks.append({"name": refusal.check, "ok": False, "detail": refusal.error_message})
    trace_id = runtime().traces.record(
        work(),
        "saml",
        f"AuthnRequest from {info.issuer} for {application.display_label}"
        + (f" refused ({refusal.status_name})" if refusal is not None else ""),
        capture(
            message_type="AuthnRequest",
            direction="received",
            binding=binding,
            endpoint=endpoint,
            xml=info.xml,
            verdict="accepted" if refusal is None else "rejected",
            relay_state=relay_state,
            reason=refusal.error_message if refusal is not None else None,
            checks=checks,
            application=application.name,
            flow_id=info.id,
        ),
        success=refusal is None,
    )
    return info, trace_id, None


@bp.get("/saml2/<name>/continue")
def continue_login(name: str) -> Response | str | tuple[str, int]:
    """After the user has signed in: check authorization, then post the signed Response to the ACS."""
    flow_id = request.args.get("flow", "")
    idp_runtime = runtime()
    pending = idp_runtime.pending.get(flow_id)
    unit = work()
    # The application, the signed-in user and whether the user is in one of its groups: one statement.
    parties = sso.sign_in_parties(unit, name, session.get(USER_SESSION_KEY))
    application = parties.application
    if pending is None or application is None or application.id != pending.application_id:
        return _refuse(
            "Sign-in expired",
            "This sign-in has expired or was already completed. Start again from the application.",
            400,
        )
    # Only an active user counts as signed in.
    user = parties.user if parties.user is not None and parties.user.active else None
    asked = pending.request
    if asked is not None and asked.refusal is not None:
        return _send_refusal(application, user, flow_id, pending, asked, asked.refusal)
    if user is None:
        if asked is not None and asked.is_passive:
            return _send_refusal(application, None, flow_id, pending, asked, no_session_refusal())
        return redirect(url_for("userconsole.login", next=request.full_path.rstrip("?")))
    authenticated_at = session.get(AUTHENTICATED_AT_KEY)
    if asked is not None and asked.force_authn and not _after(authenticated_at, pending.began_at):
        # ForceAuthn: a password typed before this login began does not count (IsPassive with it was refused).
        return redirect(url_for("userconsole.login", next=request.full_path.rstrip("?"), again=1))
    idp_initiated = asked is None
    base_url = system().base_url
    if not sso.is_authorized(application, user, member=parties.member):
        if asked is not None and asked.is_passive:
            # IsPassive: no page may be shown, not even this one; the service provider hears it instead.
            return _send_refusal(application, user, flow_id, pending, asked, not_authorized_refusal())
        idp_runtime.pending.finish(flow_id)
        return _fail(
            application,
            user,
            idp_initiated,
            "not authorized",
            "Access denied",
            f"You are not authorized to access {application.display_label}. "
            "Ask your administrator to add you to a user group that is bound to it.",
        )
    try:
        provider = idp_runtime.providers.get(sso.idp_settings(application, base_url), sso.sp_settings(application))
        value, name_id_format = sso.name_id(application, user)
        groups = sso.group_names(unit, user.id) if (application.sso_config or {}).get("includeGroups") else ()
        issued = provider.issue_response(
            name_id=value,
            name_id_format=name_id_format,
            attributes=sso.assertion_attributes(application, user, groups),
            options=sso.response_options(application, unit),
            request=pending.request,
            relay_state=pending.relay_state,
            authn_instant=_moment(authenticated_at),
        )
    except IdpError as error:
        idp_runtime.pending.finish(flow_id)
        return _fail(application, user, idp_initiated, str(error), "Single sign-on failed", str(error))
    idp_runtime.pending.finish(flow_id)
    event = sso.record_sso_auth(unit, application, base_url, user=user, idp_initiated=idp_initiated, success=True)
    hold = _record_sent_response(
        application,
        provider.certificate_sha256,
        issued,
        pending,
        summary=f"Response for {user.username} to {application.display_label}",
        flow_id=pending.request.id if pending.request else issued.response_id,
        event_id=event["id"],
    )
    return hand_off_page(application, issued, user, hold)


def _record_sent_response(
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
    runtime().traces.record(
        unit,
        "saml",
        held_summary(summary, captured, hold),
        captured,
        success=refusal is None,
        related_id=event_id,
    )
    if pending.request_trace_id:
        _RELATE_TRACE.run(unit, {"id": pending.request_trace_id, "related_id": event_id})
    return hold


def _after(authenticated_at: object, began_at: float) -> bool:
    """Whether the User Console password was typed after ``began_at`` (seconds since the epoch)."""
    return isinstance(authenticated_at, int | float) and authenticated_at >= began_at


def _moment(authenticated_at: object) -> datetime | None:
    """When the user typed the password, from the session; ``None`` when the session does not say."""
    if not isinstance(authenticated_at, int | float):
        return None
    return datetime.fromtimestamp(authenticated_at, UTC)


def _send_refusal(
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
        return _fail(application, user, False, str(error), "Single sign-on failed", str(error))
    event = sso.record_sso_auth(
        unit, application, base_url, user=user, idp_initiated=False, success=False, error_message=refusal.error_message
    )
    log.info("AuthnRequest %s for %s answered %s: %s", asked.id, application.name, refusal.status_name, refusal.reason)
    hold = _record_sent_response(
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
