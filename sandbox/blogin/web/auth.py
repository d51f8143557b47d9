"""Password sign-in at /login, and sign-out.

While single sign-on is on, members log in through the identity provider; only administrators can
bypass SSO with their password here, as at the real BlogIn.
"""

from __future__ import annotations

import logging

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from sandbox.blogin.models import SsoConfiguration, User
from sandbox.blogin.models.base import column_length
from sandbox.blogin.services.audit import NUL_SHOWN, record_audit
from sandbox.blogin.services.seed import SANDBOX_ADMIN_EMAIL, SANDBOX_ADMIN_PASSWORD
from sandbox.blogin.sso.configuration import sso_is_on, sso_is_on_in
from sandbox.blogin.sso.jit import SignedInUser
from sandbox.blogin.web.context import USER_SESSION_KEY, current_user, system
from sandbox.blogin.web.open_sessions import AUTH_METHOD_KEY, end_sessions_that_must_end, session_ended_note
from sandbox.passwords import verify_password
from sandbox.webcommon import db, safe_next, work

log = logging.getLogger("sandbox.blogin.auth")

bp = Blueprint("auth", __name__)
bp.before_app_request(end_sessions_that_must_end)

# Other blueprints (SSO) add entries the login page shows, e.g. a "Log in with SSO" button.
LOGIN_OPTIONS_KEY = "blogin.login_options"


def sign_in(user: SignedInUser, method: str) -> None:
    """Start a BlogIn session for ``user`` (used by password, link and SSO sign-in)."""
    session.clear()
    session[USER_SESSION_KEY] = user.id
    # How the session was started: single sign-on, once on, ends members' sessions not started by it
    # (``open_sessions``).
    session[AUTH_METHOD_KEY] = method
    # Whoever this request had looked up as signed in is stale now.
    g.pop("user", None)
    g.pop("person", None)
    record_audit(
        work(),
        "user_login",
        f"{user.user_name} signed in ({method})",
        actor=user.user_name,
        detail={"method": method, "user_id": user.id},
    )


SSO_REQUIRED = Markup(
    "Acme logs in to BlogIn with single sign-on. Use <strong>Log in with SSO</strong> below; "
    "only BlogIn administrators can log in with a password."
)
SSO_REQUIRED_REASON = "Single sign-on is on; only administrators can bypass SSO with a password"


# The longest address an account can be found by: its userName or its email.
EMAIL_LENGTH = max(column_length(User, "user_name"), column_length(User, "email"))


def unusable_email(email: str) -> str | None:
    """Why no BlogIn account can have the typed ``email``, when a database could not even look it up (a NUL
    character or an unpaired surrogate: PostgreSQL refuses them in any statement) or no column holds it;
    ``None`` for an address worth looking up."""
    if "\x00" in email:
        return (
            "The email address contains a NUL character (U+0000), which no email address has. "
            "Type the address again instead of pasting it."
        )
    if any("\ud800" <= character <= "\udfff" for character in email):
        return "The email address contains a character that is not text (an unpaired surrogate). Type it again."
    if len(email) > EMAIL_LENGTH:
        return f"The email address is {len(email):,} characters long; a BlogIn account's has at most {EMAIL_LENGTH:,}."
    return None


def _as_recorded(email: str) -> str:
    """``email`` as the audit log can keep it on any database: a NUL shown by its symbol, a surrogate replaced."""
    shown = email.replace("\x00", NUL_SHOWN)
    return shown.encode("utf-8", "replace").decode("utf-8")


def _login_page(
    next_url: str,
    email: str = "",
    error: str | None = None,
    *,
    sso_required: bool = False,
    email_error: str | None = None,
    password_error: str | None = None,
) -> str:
    """The login page; ``sso_required`` shows ``error`` as the note that this member must use SSO;
    ``email_error`` and ``password_error`` are said under their fields."""
    from flask import current_app

    # Read before the options and held while they are made: the session keeps a loaded row only while it
    # is referenced, so the SSO option's look-up of the same row is answered without reading it again.
    configuration = db().get(SsoConfiguration, 1)
    providers = current_app.extensions.get(LOGIN_OPTIONS_KEY, [])
    options = [option for option in (provider(next_url) for provider in providers) if option]
    return render_template(
        "auth/login.html",
        next=next_url,
        email=email,
        error=error,
        email_error=email_error,
        password_error=password_error,
        options=options,
        sso_on=sso_is_on_in(configuration),
        sso_required=sso_required,
        sandbox_email=SANDBOX_ADMIN_EMAIL,
        sandbox_password=SANDBOX_ADMIN_PASSWORD,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = safe_next(request.values.get("next"), url_for("home.feed"))
    ended = session_ended_note()
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_url)
        if ended is not None:
            name, note, sso_required = ended
            return _login_page(next_url, name, note, sso_required=sso_required)
        return _login_page(next_url)
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    if not email or not password:
        # Nothing to check yet: the page asks for what is missing, and no failed sign-in is recorded.
        return _login_page(
            next_url,
            email,
            email_error=None if email else "Enter your email address.",
            password_error=None if password else "Enter your password.",
        ), 400
    refused = unusable_email(email)
    if refused is not None:
        return _refuse_email(next_url, email, refused)
    user = db().scalars(select(User).where(User.user_name_key == email.lower())).first()
    if user is None:
        user = db().scalars(select(User).where(User.email == email).limit(1)).first()
    if user is None or not verify_password(password, user.password_hash):
        record_audit(
            db(),
            "user_login_failed",
            f"Failed password sign-in for {email}",
            actor=email,
            success=False,
            detail={"method": "password"},
        )
        g.commit_on_error = True
        return _login_page(next_url, email, "Incorrect email or password."), 401
    if not user.active:
        record_audit(
            db(),
            "user_login_failed",
            f"{user.user_name} is deactivated",
            actor=user.user_name,
            success=False,
            detail={"method": "password"},
        )
        g.commit_on_error = True
        return _login_page(next_url, email, "This account is deactivated. Ask a BlogIn administrator."), 403
    # Checked only once the password is right, so a stranger learns nothing about the account or its role.
    if _must_use_sso(user):
        _refuse_for_sso(user, "password")
        return _login_page(next_url, email, SSO_REQUIRED, sso_required=True), 403
    sign_in(user, "password")
    return redirect(next_url)


def _refuse_email(next_url: str, email: str, reason: str) -> tuple[str, int]:
    """The login form again, saying under Email why the typed address cannot be an account's; the attempt is
    in the audit log as typed, as far as a database can keep it."""
    recorded = _as_recorded(email)
    record_audit(
        db(),
        "user_login_failed",
        f"Failed password sign-in for {recorded}",
        actor=recorded,
        success=False,
        detail={"method": "password", "reason": reason},
    )
    g.commit_on_error = True
    # The form shows the address without the characters no page or database can hold, so it can be corrected.
    return _login_page(next_url, recorded.replace(NUL_SHOWN, ""), email_error=reason), 400


def _must_use_sso(user: User) -> bool:
    """Whether single sign-on keeps ``user`` from signing in without it (administrators can always bypass SSO)."""
    return not user.is_admin and sso_is_on(db())


def _refuse_for_sso(user: User, method: str) -> None:
    """Record a sign-in refused because ``user`` must log in with SSO; kept although the answer is an error."""
    record_audit(
        db(),
        "user_login_failed",
        f"{user.user_name} must log in with SSO",
        actor=user.user_name,
        success=False,
        detail={"method": method, "reason": SSO_REQUIRED_REASON, "role": user.role},
    )
    g.commit_on_error = True
    log.info("%s sign-in refused for %s: single sign-on is on and the role is %s", method, user.user_name, user.role)


@bp.get("/login/link")
def login_link() -> Response | tuple[str, int]:
    email = system().login_links.redeem(request.args.get("token", ""))
    user = db().scalars(select(User).where(User.user_name_key == email.lower())).first() if email else None
    if user is None or not user.active:
        return redirect(url_for("auth.login"))
    # The desktop's link stands in for the administrator typing their password: the same rule applies.
    if _must_use_sso(user):
        _refuse_for_sso(user, "desktop link")
        return _login_page(url_for("home.feed"), user.email or user.user_name, SSO_REQUIRED, sso_required=True), 403
    sign_in(user, "desktop link")
    return redirect(url_for("settings.user_authentication") if user.is_admin else url_for("home.feed"))


@bp.post("/logout")
def logout() -> Response:
    user = current_user()
    if user is not None:
        record_audit(db(), "user_logout", f"{user.user_name} signed out", actor=user.user_name)
    session.clear()
    return redirect(url_for("auth.login"))
