"""Single sign-on enforced on sessions already open: a member who logged in with a password before an
administrator turned SSO on is signed out at their next request and sent to log in with SSO.

A session remembers how it was started (``auth_method``: ``password``, ``SSO`` or ``desktop link``). Sessions
started by SSO keep working, and so do administrators' sessions however they were started, as administrators
can always bypass SSO at /login. The desktop's sign-in link stands in for typing the password, so a member's
link session ends like a password session; the BlogIn Admin persona's link is an administrator's and keeps
working.
"""

from __future__ import annotations

import logging

from flask import g, redirect, request, session, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.sso.configuration import sso_is_on_for
from sandbox.blogin.web.context import USER_SESSION_KEY, signed_in
from sandbox.webcommon import work

log = logging.getLogger("sandbox.blogin.auth")

AUTH_METHOD_KEY = "auth_method"
SSO_METHOD = "SSO"
# Set on the session that replaces an ended one: the login page says why once, then forgets it.
SESSION_ENDED_KEY = "sso_session_ended"

SESSION_ENDED = Markup(
    "<strong>Your organization now signs in with SSO.</strong> Acme turned on single sign-on for BlogIn, so the "
    "session you started with your password has ended. Use <strong>Log in with SSO</strong> below to continue."
)
SESSION_ENDED_REASON = "Single sign-on was turned on; a member's password session ends at its next request"

# Reached without the check: files, the health probe, signing out, and signing in with SSO (which replaces
# the session anyway). The login page ends the session but is answered as usual, so a password typed there
# (an administrator's, say) is not lost.
_EXEMPT_ENDPOINTS = frozenset({"static", "health", "auth.logout", "sso.login", "sso.callback", "sso.metadata"})
_LOGIN_ENDPOINT = "auth.login"


def end_password_sessions_under_sso() -> Response | None:
    """``before_request``: end a member's non-SSO session once single sign-on is on (see the module)."""
    if USER_SESSION_KEY not in session or session.get(AUTH_METHOD_KEY) == SSO_METHOD:
        return None
    endpoint = request.endpoint
    if endpoint in _EXEMPT_ENDPOINTS:
        return None
    person = signed_in()
    # Checked in this order so an administrator's request reads nothing more than its pages already do.
    if person is None or person.is_admin or not sso_is_on_for(work()):
        return None
    method = session.get(AUTH_METHOD_KEY) or "password"
    record_audit(
        work(),
        "user_session_ended",
        f"{person.user_name} signed out: single sign-on is on and the session was started by {method}",
        actor=person.user_name,
        success=True,
        detail={"method": method, "reason": SESSION_ENDED_REASON, "role": person.role, "user_id": person.id},
    )
    log.info(
        "ended the %s session of %s: single sign-on is on and the role is %s", method, person.user_name, person.role
    )
    session.clear()
    session[SESSION_ENDED_KEY] = person.user_name
    # The request goes on signed out.
    g.pop("user", None)
    g.pop("person", None)
    if endpoint == _LOGIN_ENDPOINT:
        return None
    target = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
    return redirect(url_for("auth.login", next=target), 303)


def session_ended_note() -> str | None:
    """The user name whose session :func:`end_password_sessions_under_sso` ended, once (``None`` otherwise)."""
    ended = session.pop(SESSION_ENDED_KEY, None)
    return ended if isinstance(ended, str) else None
