"""The IdP's refusal pages, in the User Console's look, each with the failed ``sso_auth`` event it earns."""

from __future__ import annotations

from flask import g, render_template

from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts
from sandbox.jumpcloud.services.sso_events import record_sso_auth
from sandbox.jumpcloud.web.context import system
from sandbox.jumpcloud.web.idp_runtime import RELATE_TRACE
from sandbox.webcommon import work


def refuse(title: str, message: str, code: int = 403) -> tuple[str, int]:
    """The error page, keeping whatever the request recorded (its events and traces are the point)."""
    g.commit_on_error = True
    return render_template("idp/error.html", code=code, title=title, message=message), code


def record_refusal(
    application: ApplicationFacts,
    user: UserFacts | None,
    idp_initiated: bool,
    reason: str,
    *,
    request_trace_id: str | None = None,
) -> str:
    """A failed ``sso_auth`` event whose error_message is ``reason``; its id.

    ``request_trace_id``: the trace of the AuthnRequest this refusal answers, pointed at the event.
    """
    unit = work()
    event = record_sso_auth(
        unit,
        application,
        system().base_url,
        user=user,
        idp_initiated=idp_initiated,
        success=False,
        error_message=reason,
    )
    if request_trace_id:
        RELATE_TRACE.run(unit, {"id": request_trace_id, "related_id": event["id"]})
    return str(event["id"])


def fail(
    application: ApplicationFacts,
    user: UserFacts | None,
    idp_initiated: bool,
    reason: str,
    title: str,
    message: str,
    *,
    code: int = 403,
    request_trace_id: str | None = None,
) -> tuple[str, int]:
    """A failed ``sso_auth`` event whose error_message is ``reason`` (see :func:`record_refusal`), and the page."""
    record_refusal(application, user, idp_initiated, reason, request_trace_id=request_trace_id)
    return refuse(title, message, code)


def deactivated(
    application: ApplicationFacts,
    user: UserFacts | None,
    *,
    idp_initiated: bool,
    request_trace_id: str | None = None,
) -> tuple[str, int]:
    """The "deactivated" page for an application whose SSO an administrator switched off."""
    return fail(
        application,
        user,
        idp_initiated,
        "application deactivated",
        "Application deactivated",
        f"SSO for {application.display_label} has been deactivated by your administrator.",
        request_trace_id=request_trace_id,
    )


def not_authorized(
    application: ApplicationFacts,
    user: UserFacts,
    *,
    idp_initiated: bool,
    request_trace_id: str | None = None,
) -> tuple[str, int]:
    """The "access denied" page for a user in none of the user groups bound to the application."""
    return fail(
        application,
        user,
        idp_initiated,
        "not authorized",
        "Access denied",
        f"You are not authorized to access {application.display_label}. "
        "Ask your administrator to add you to a user group that is bound to it.",
        request_trace_id=request_trace_id,
    )


def unknown_application(name: str) -> tuple[str, int]:
    """The page for an SSO IdP URL no application has (never configured, or deleted)."""
    return refuse("Unknown application", f"No SSO application is configured at /saml2/{name}.", 404)
