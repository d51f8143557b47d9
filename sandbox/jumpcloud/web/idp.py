"""The SAML IdP: the SSO IdP URL of every application, its metadata, and the way back to the SP.

A login is a *flow*: the AuthnRequest (or an IdP-initiated launch) is checked and kept server-side,
then the browser continues with a same-site GET. An HTTP-POST binding request arrives cross-site, so
the Lax session cookie is not sent with it; the GET that follows carries it.

What the request asks is honoured there (SAML 2.0 core §3.4.1): ``IsPassive`` never shows a page
(without a User Console session the answer is a NoPassive Response), ``ForceAuthn`` asks for the
password again, and a request JumpCloud cannot satisfy (NameIDPolicy, RequestedAuthnContext,
ProtocolBinding, an unknown ACS index) is answered with an error Response rather than an error page,
since the service provider is known and trusted. So is ``IsPassive`` to a deactivated application
(RequestDenied), once the request's issuer and ACS URL check out. A request that names its subject is
signed in as that user or answered UnknownPrincipal (:mod:`sandbox.saml.idp_subject`): a User Console
session of someone else is not used, the login page asks for the named user. Each refusal leaves a
failed ``sso_auth`` event and a trace of the Response.

The hand-off page posts the Response to the ACS at once, unless the tester's "Hold the Response before
posting it" edge case makes it count down first (so that a short validity can expire on the way).
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from sandbox.jumpcloud.services import sso
from sandbox.jumpcloud.services.sso import ApplicationFacts
from sandbox.jumpcloud.services.sso_access import SignInUser, application_by_name, is_authorized, sign_in_parties
from sandbox.jumpcloud.web.context import system
from sandbox.jumpcloud.web.hand_off import release_held
from sandbox.jumpcloud.web.idp_pages import (
    deactivated,
    fail,
    not_authorized,
    record_refusal,
    refuse,
    unknown_application,
)
from sandbox.jumpcloud.web.idp_requests import read_request
from sandbox.jumpcloud.web.idp_responses import after, send_refusal, send_sign_in
from sandbox.jumpcloud.web.idp_runtime import install, runtime
from sandbox.jumpcloud.web.pending_logins import PendingLogin
from sandbox.jumpcloud.web.userconsole import AUTHENTICATED_AT_KEY, USER_SESSION_KEY, current_user
from sandbox.saml.idp import AuthnRequestInfo, IdpError
from sandbox.saml.idp_recheck import request_as_configured_now
from sandbox.saml.idp_refusals import deactivated_refusal, no_session_refusal, not_authorized_refusal
from sandbox.saml.idp_subject import (
    RequestedSubject,
    names_user,
    other_user_refusal,
    passive_other_user_refusal,
    subject_refusal,
)
from sandbox.webcommon import work

bp = Blueprint("idp", __name__)


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    install(cast(Flask, state.app))


@bp.get("/saml2/<name>/metadata")
def metadata(name: str) -> Response | tuple[str, int]:
    """IdP metadata at a stable URL (**Copy Metadata URL**); ``?download=1`` is **Export Metadata**."""
    application = application_by_name(work(), name)
    if application is None or application.is_bookmark:
        return unknown_application(name)
    xml = runtime().providers.metadata_xml(sso.idp_settings(application, system().base_url))
    response = current_app.response_class(xml, mimetype="application/xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="JumpCloud-{name}-metadata.xml"'
    return response


@bp.route("/saml2/<name>", methods=["GET", "POST"])
def single_sign_on(name: str) -> Response | tuple[str, int]:
    """The SSO IdP URL: SP-initiated with a SAMLRequest, IdP-initiated without one."""
    application = application_by_name(work(), name)
    if application is None:
        return unknown_application(name)
    if application.is_bookmark:
        if not application.sso_active:
            return refuse("Application deactivated", f"{application.display_label} has been deactivated.")
        return redirect(application.bookmark_url)
    saml_request = request.values.get("SAMLRequest")
    relay_state = request.values.get("RelayState")
    if saml_request is None and not application.sso_active:
        return deactivated(application, current_user(), idp_initiated=True)
    request_info = None
    trace_id = None
    binding = None
    if saml_request is not None:
        binding = "HTTP-POST" if request.method == "POST" else "HTTP-Redirect"
        request_info, trace_id, refusal = read_request(
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
            application=application,
        )
    )
    return redirect(url_for("idp.continue_login", name=name, flow=flow_id), 303)


@bp.get("/saml2/<name>/continue")
def continue_login(name: str) -> Response | str | tuple[str, int]:
    """After the user has signed in: decide, then post the signed Response (or an error Response) to the ACS.

    The decision is made here, when the Response is issued, on everything read afresh: the user may have
    typed a password for minutes since the AuthnRequest arrived, and meanwhile an administrator may
    have deleted or deactivated the application, suspended the user, unbound the user's last group, or
    changed the SP Entity ID, the ACS URLs or the certificate. Each refusal is what the same change
    earns before the login (a page, or for ``IsPassive`` an error Response to the trusted ACS URL), with
    a failed ``sso_auth`` event that the AuthnRequest's trace points at.
    """
    flow_id = request.args.get("flow", "")
    idp_runtime = runtime()
    pending = idp_runtime.pending.get(flow_id)
    if pending is None:
        return refuse(
            "Sign-in expired",
            "This sign-in has expired or was already completed. Start again from the application.",
            400,
        )
    # The application, the signed-in user and whether the user is in one of its groups: one statement.
    parties = sign_in_parties(work(), pending.application_id, session.get(USER_SESSION_KEY))
    application = parties.application
    # Only an active user counts as signed in.
    user = parties.user if parties.user is not None and parties.user.active else None
    asked = pending.request
    idp_initiated = asked is None
    trace_id = pending.request_trace_id
    if application is None:
        idp_runtime.pending.finish(flow_id)
        return _deleted(pending, name)
    if asked is not None:
        try:
            asked = request_as_configured_now(asked, sso.sp_settings(application))
        except IdpError as error:
            # The service provider is no longer the one the request came from: nothing may be posted to it.
            idp_runtime.pending.finish(flow_id)
            reason = str(error)
            return fail(
                application, user, False, reason, "Single sign-on failed", reason, code=400, request_trace_id=trace_id
            )
        pending = replace(pending, request=asked)
    if not application.sso_active:
        if asked is not None and asked.is_passive:
            return send_refusal(application, user, flow_id, pending, asked, deactivated_refusal())
        idp_runtime.pending.finish(flow_id)
        return deactivated(application, user, idp_initiated=idp_initiated, request_trace_id=trace_id)
    if asked is not None and asked.refusal is not None:
        return send_refusal(application, user, flow_id, pending, asked, asked.refusal)
    if asked is not None and asked.options.subject is not None:
        # Judged again as the application is now: its NameID format or IdP Entity ID may have changed meanwhile.
        idp = sso.idp_settings(application, system().base_url)
        changed = subject_refusal(asked.options.subject, idp.name_id_format, idp.entity_id, asked.issuer)
        if changed is not None:
            return send_refusal(application, user, flow_id, pending, asked, changed)
    if user is None:
        if asked is not None and asked.is_passive:
            return send_refusal(application, None, flow_id, pending, asked, no_session_refusal())
        return redirect(url_for("userconsole.login", next=request.full_path.rstrip("?")))
    authenticated_at = session.get(AUTHENTICATED_AT_KEY)
    subject = asked.options.subject if asked is not None else None
    if asked is not None and subject is not None and subject.name_id:
        signed_in_as = sso.name_id(application, user)[0]
        if not names_user(subject, signed_in_as):
            return _not_the_named_user(application, user, flow_id, pending, asked, subject, signed_in_as)
    if asked is not None and asked.force_authn and not after(authenticated_at, pending.began_at):
        # ForceAuthn: a password typed before this login began does not count (IsPassive with it was refused).
        return redirect(url_for("userconsole.login", next=request.full_path.rstrip("?"), again=1))
    if not is_authorized(application, user, member=parties.member):
        if asked is not None and asked.is_passive:
            # IsPassive: no page may be shown, not even this one; the service provider hears it instead.
            return send_refusal(application, user, flow_id, pending, asked, not_authorized_refusal())
        idp_runtime.pending.finish(flow_id)
        return not_authorized(application, user, idp_initiated=idp_initiated, request_trace_id=trace_id)
    return send_sign_in(application, user, flow_id, pending, authenticated_at)


def _not_the_named_user(
    application: ApplicationFacts,
    user: SignInUser,
    flow_id: str,
    pending: PendingLogin,
    asked: AuthnRequestInfo,
    subject: RequestedSubject,
    signed_in_as: str,
) -> Response | str | tuple[str, int]:
    """The request names a user, and someone else is signed in (core §3.4.1: that subject, or an error).

    A session from before this sign-in began is not used: the login page asks for the named user. A
    login during this sign-in as someone else is answered UnknownPrincipal; with IsPassive, NoPassive.
    """
    if asked.is_passive:
        refusal = passive_other_user_refusal(subject, signed_in_as)
        return send_refusal(application, user, flow_id, pending, asked, refusal)
    if after(session.get(AUTHENTICATED_AT_KEY), pending.began_at):
        return send_refusal(application, user, flow_id, pending, asked, other_user_refusal(subject, signed_in_as))
    return redirect(url_for("userconsole.login", next=request.full_path.rstrip("?")))


def _deleted(pending: PendingLogin, name: str) -> tuple[str, int]:
    """The application was deleted while the user signed in: the page of an unknown SSO IdP URL, and the event."""
    if pending.application is not None:
        record_refusal(
            pending.application,
            current_user(),
            pending.request is None,
            "application deleted",
            request_trace_id=pending.request_trace_id,
        )
    return unknown_application(name)


@bp.post("/saml2/<name>/release/<held>")
def release(name: str, held: str) -> str | tuple[str, int]:
    """The hand-off page's hold has ended, or Post now was pressed: post the held Response if it may still go."""
    return release_held(held)
