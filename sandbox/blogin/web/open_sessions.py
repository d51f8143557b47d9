"""Sessions already open that must end at their next request.

- **Single sign-on turned on.** A member who logged in with a password before an administrator turned SSO on
  is signed out and sent to log in with SSO. A session remembers how it was started (``auth_method``:
  ``password``, ``SSO`` or ``desktop link``). Sessions started by SSO keep working, and so do administrators'
  sessions however they were started, as administrators can always bypass SSO at /login. The desktop's
  sign-in link stands in for typing the password, so a member's link session ends like a password session;
  the BlogIn Admin persona's link is an administrator's and keeps working.
- **Account deactivated or deleted** (by SCIM provisioning, say) while signed in: the session ends, however
  it was started, instead of showing pages to nobody.

Either way an audit event says whose session ended and why, and the login page says it once.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, redirect, request, session, url_for
from markupsafe import Markup
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response

from sandbox.blogin.models import User
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.sso.configuration import sso_is_on_for
from sandbox.blogin.web.context import USER_SESSION_KEY, signed_in
from sandbox.direct_sql import DirectSelect
from sandbox.webcommon import work

log = logging.getLogger("sandbox.blogin.auth")

AUTH_METHOD_KEY = "auth_method"
SSO_METHOD = "SSO"
# Set on the session that replaces an ended one: the login page says why once, then forgets it.
SESSION_ENDED_KEY = "session_ended"
SSO_ON = "sso"
DEACTIVATED = "deactivated"

SESSION_ENDED = Markup(
    "<strong>Your organization now signs in with SSO.</strong> Acme turned on single sign-on for BlogIn, so the "
    "session you started with your password has ended. Use <strong>Log in with SSO</strong> below to continue."
)
ACCOUNT_ENDED = Markup(
    "<strong>Your BlogIn account is no longer active</strong>, so you have been signed out. "
    "Ask a BlogIn administrator if you need access again."
)
SESSION_ENDED_REASON = "Single sign-on was turned on; a member's password session ends at its next request"
ACCOUNT_ENDED_REASON = "The account was deactivated or deleted while signed in"

# Reached without the check: files, the health probe, signing out, and signing in with SSO (which replaces
# the session anyway). The login page ends the session but is answered as usual, so a password typed there
# (an administrator's, say) is not lost.
_EXEMPT_ENDPOINTS = frozenset({"static", "health", "auth.logout", "sso.login", "sso.callback", "sso.metadata"})
_LOGIN_ENDPOINT = "auth.login"

# The session's user whatever their status, when :func:`signed_in` found no active one.
_ACCOUNT = DirectSelect(select(User.user_name, User.role).where(User.id == bindparam("user_id")))


def end_sessions_that_must_end() -> Response | None:
    """``before_request``: end the session of a deactivated or deleted account, and a member's non-SSO session
    once single sign-on is on (see the module)."""
    if USER_SESSION_KEY not in session:
        return None
    endpoint = request.endpoint
    if endpoint in _EXEMPT_ENDPOINTS:
        return None
    method = session.get(AUTH_METHOD_KEY) or "password"
    # The console's chrome reads the same columns: the page reuses them.
    person = signed_in()
    if person is None:
        user_id = session.get(USER_SESSION_KEY)
        account = _ACCOUNT.first(work(), {"user_id": user_id})
        name = account.user_name if account is not None else str(user_id)
        detail: dict[str, Any] = {"method": method, "reason": ACCOUNT_ENDED_REASON, "user_id": user_id}
        summary = f"{name} signed out: the account is {'deactivated' if account is not None else 'deleted'}"
        return _end(endpoint, name, DEACTIVATED, summary, detail)
    # Checked in this order so an administrator's request reads nothing more than its pages already do.
    if method == SSO_METHOD or person.is_admin or not sso_is_on_for(work()):
        return None
    detail = {"method": method, "reason": SESSION_ENDED_REASON, "role": person.role, "user_id": person.id}
    summary = f"{person.user_name} signed out: single sign-on is on and the session was started by {method}"
    return _end(endpoint, person.user_name, SSO_ON, summary, detail)


def _end(endpoint: str | None, name: str, why: str, summary: str, detail: dict[str, Any]) -> Response | None:
    record_audit(work(), "user_session_ended", summary, actor=name, detail=detail)
    log.info("ended the %s session of %s: %s", detail["method"], name, detail["reason"])
    session.clear()
    session[SESSION_ENDED_KEY] = {"user": name, "why": why}
    # The request goes on signed out.
    g.pop("user", None)
    g.pop("person", None)
    if endpoint == _LOGIN_ENDPOINT:
        return None
    target = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
    return redirect(url_for("auth.login", next=target), 303)


def session_ended_note() -> tuple[str, Markup, bool] | None:
    """Once after :func:`end_sessions_that_must_end` ended a session: (the user's name, the note for the login
    page, whether it is the note that single sign-on is required); ``None`` otherwise."""
    ended = session.pop(SESSION_ENDED_KEY, None)
    if not isinstance(ended, dict) or not isinstance(ended.get("user"), str):
        return None
    if ended.get("why") == SSO_ON:
        return ended["user"], SESSION_ENDED, True
    return ended["user"], ACCOUNT_ENDED, False
