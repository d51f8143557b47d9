"""The User Console: end-user login and the tiles of the applications a user may open.

The user's sign-in is separate from the Admin Portal's: it lives under its own session key, with the
moment the password was typed (the AuthnInstant of the assertions that follow; a ForceAuthn request
wants one newer than its own start).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import cast
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import SsoApplication, SystemUser
from sandbox.jumpcloud.services.insights import Initiator, record_event
from sandbox.jumpcloud.services.sso_access import is_authorized
from sandbox.jumpcloud.web.context import refuse_cross_site
from sandbox.jumpcloud.web.idp_pages import record_refusal
from sandbox.jumpcloud.web.idp_runtime import EXTENSION_KEY, runtime
from sandbox.jumpcloud.web.pending_logins import PendingLogin
from sandbox.passwords import verify_password
from sandbox.webcommon import db, safe_next

bp = Blueprint("userconsole", __name__)

USER_SESSION_KEY = "user_id"
#: When the signed-in user typed the password, in seconds since the epoch.
AUTHENTICATED_AT_KEY = "user_authenticated_at"


#: The IdP's page a login returns to, when it is a sign-in to an application.
_CONTINUE_PATH = re.compile(r"/saml2/[^/]+/continue")


@dataclass(frozen=True)
class RequestedUser:
    """The user an application's AuthnRequest names (its ``<Subject>``), for the login page to say so."""

    application: str  # the application's display label
    name_id: str


def pending_sign_in(next_url: str) -> PendingLogin | None:
    """The sign-in to an application the login returns to (by the flow id in ``next_url``), if still alive.

    Read from the sign-in kept server-side, never from the address itself: a link cannot make the page
    name someone, nor make a failed login count against an application.
    """
    parts = urlsplit(next_url)
    if not _CONTINUE_PATH.fullmatch(parts.path) or EXTENSION_KEY not in current_app.extensions:
        return None
    return runtime().pending.get(parse_qs(parts.query).get("flow", [""])[0])


def requested_user(next_url: str) -> RequestedUser | None:
    """Who the sign-in the login returns to was asked for, if its AuthnRequest named a user."""
    pending = pending_sign_in(next_url)
    subject = pending.request.options.subject if pending is not None and pending.request is not None else None
    if pending is None or subject is None or not subject.name_id or pending.application is None:
        return None
    return RequestedUser(pending.application.display_label, subject.name_id)


def current_user() -> SystemUser | None:
    """The signed-in end user, if any (active users only)."""
    if "console_user" not in g:
        user_id = session.get(USER_SESSION_KEY)
        user = db().get(SystemUser, user_id) if user_id else None
        g.console_user = user if user is not None and user.active else None
    return cast(SystemUser | None, g.console_user)


def portal_applications(user: SystemUser) -> list[SsoApplication]:
    """Active applications shown in the User Portal that ``user`` is authorized for."""
    applications = (
        db()
        .scalars(
            select(SsoApplication)
            .where(SsoApplication.show_in_portal.is_(True), SsoApplication.sso_active.is_(True))
            .order_by(SsoApplication.display_label)
        )
        .all()
    )
    return [application for application in applications if is_authorized(application, user)]


@bp.get("/userconsole")
def home() -> str | Response:
    user = current_user()
    if user is None:
        return redirect(url_for("userconsole.login"))
    return render_template("userconsole/home.html", user=user, applications=portal_applications(user))


@bp.route("/userconsole/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = safe_next(request.values.get("next"), url_for("userconsole.home"))
    # An application asked for a fresh login (ForceAuthn): the page says so, for the user signed in now.
    again = request.values.get("again") == "1"
    requested = requested_user(next_url)
    if request.method == "GET":
        signed_in = current_user() if again or requested is not None else None
        login_name = signed_in.username if signed_in is not None and again else ""
        if requested is not None:
            login_name = requested.name_id
        return render_template(
            "userconsole/login.html",
            next=next_url,
            login=login_name,
            again=again,
            requested=requested,
            signed_in=signed_in,
        )
    # A sign-in posted by another site would sign this browser in to an account of that site's choosing.
    refuse_cross_site()
    login_name = request.form.get("login", "").strip()
    password = request.form.get("password", "")
    if not login_name or not password:
        # Nothing to check yet: the page asks for what is missing, and no failed login is recorded.
        missing = (
            "Enter your email or username and your password."
            if not login_name and not password
            else ("Enter your email or username." if not login_name else "Enter your password.")
        )
        page = render_template(
            "userconsole/login.html", next=next_url, login=login_name, error=missing, again=again, requested=requested
        )
        return page, 400
    user = (
        db()
        .scalars(
            # Emails are kept in lower case: "Ada@Example.com" is ada@example.com (an application may name her so).
            select(SystemUser).where(or_(SystemUser.username == login_name, SystemUser.email == login_name.lower()))
        )
        .first()
    )
    error = None
    if user is None or not verify_password(password, user.password_hash):
        error = "Incorrect username, email or password."
    elif not user.active:
        error = "Your account is suspended. Contact your administrator."
    if error is not None:
        record_event(
            db(),
            "user_login_attempt",
            service="user_portal",
            initiated_by=Initiator(user.id if user else "", "user", login_name),
            success=False,
            error_message="suspended" if user is not None and not user.active else "invalid credentials",
            summary=f"Failed User Console login for {login_name}",
        )
        if user is not None and not user.active:
            _refuse_sign_in_of_suspended(user, next_url)
        g.commit_on_error = True
        page = render_template(
            "userconsole/login.html", next=next_url, login=login_name, error=error, again=again, requested=requested
        )
        return page, 401
    assert user is not None
    session.pop(USER_SESSION_KEY, None)
    session[USER_SESSION_KEY] = user.id
    session[AUTHENTICATED_AT_KEY] = time.time()
    record_event(
        db(),
        "user_login_attempt",
        service="user_portal",
        initiated_by=Initiator(user.id, "user", user.username),
        resource={"id": user.id, "type": "user", "username": user.username},
        summary=f"{user.username} logged in to the User Console",
    )
    return redirect(next_url)


def _refuse_sign_in_of_suspended(user: SystemUser, next_url: str) -> None:
    """A suspended user's login was on the way to an application: the IdP refuses that sign-in too.

    The same failed ``sso_auth`` event as every other refusal of the IdP, naming the application, with
    the AuthnRequest's trace pointing at it; no Response is issued, so the tracer shows none.
    """
    pending = pending_sign_in(next_url)
    if pending is None or pending.application is None:
        return
    record_refusal(
        pending.application,
        user,
        pending.request is None,
        "user suspended",
        request_trace_id=pending.request_trace_id,
    )


@bp.post("/userconsole/logout")
def logout() -> Response:
    session.pop(USER_SESSION_KEY, None)
    session.pop(AUTHENTICATED_AT_KEY, None)
    return redirect(url_for("userconsole.login"))
