"""The IdP's refusal pages, in the User Console's look, each with the failed ``sso_auth`` event it earns."""

from __future__ import annotations

from flask import g, render_template

from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts
from sandbox.jumpcloud.services.sso_events import record_sso_auth
from sandbox.jumpcloud.web.context import system
from sandbox.webcommon import work


def refuse(title: str, message: str, code: int = 403) -> tuple[str, int]:
    """The error page, keeping whatever the request recorded (its events and traces are the point)."""
    g.commit_on_error = True
    return render_template("idp/error.html", code=code, title=title, message=message), code


def fail(
    application: ApplicationFacts, user: UserFacts | None, idp_initiated: bool, reason: str, title: str, message: str
) -> tuple[str, int]:
    """A failed ``sso_auth`` event whose error_message is ``reason``, and the error page."""
    record_sso_auth(
        work(),
        application,
        system().base_url,
        user=user,
        idp_initiated=idp_initiated,
        success=False,
        error_message=reason,
    )
    return refuse(title, message)


def deactivated(application: ApplicationFacts, user: UserFacts | None, *, idp_initiated: bool) -> tuple[str, int]:
    """The "deactivated" page for an application whose SSO an administrator switched off."""
    return fail(
        application,
        user,
        idp_initiated,
        "application deactivated",
        "Application deactivated",
        f"SSO for {application.display_label} has been deactivated by your administrator.",
    )
