"""Password sign-in at /login (administrators can always bypass SSO here), and sign-out."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from sandbox.blogin.models import User
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.services.seed import SANDBOX_ADMIN_EMAIL, SANDBOX_ADMIN_PASSWORD
from sandbox.blogin.sso.jit import SignedInUser
from sandbox.blogin.web.context import USER_SESSION_KEY, current_user, system
from sandbox.passwords import verify_password
from sandbox.webcommon import db, safe_next, work

bp = Blueprint("auth", __name__)

# Other blueprints (SSO) add entries the login page shows, e.g. a "Log in with SSO" button.
LOGIN_OPTIONS_KEY = "blogin.login_options"


def sign_in(user: SignedInUser, method: str) -> None:
    """Start a BlogIn session for ``user`` (used by password, link and SSO sign-in)."""
    session.clear()
    session[USER_SESSION_KEY] = user.id
    session["auth_method"] = method
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


def _login_page(next_url: str, email: str = "", error: str | None = None) -> str:
    from flask import current_app

    providers = current_app.extensions.get(LOGIN_OPTIONS_KEY, [])
    options = [option for option in (provider(next_url) for provider in providers) if option]
    return render_template(
        "auth/login.html",
        next=next_url,
        email=email,
        error=error,
        options=options,
        sandbox_email=SANDBOX_ADMIN_EMAIL,
        sandbox_password=SANDBOX_ADMIN_PASSWORD,
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = safe_next(request.values.get("next"), url_for("home.feed"))
    if request.method == "GET":
        if current_user() is not None:
            return redirect(next_url)
        return _login_page(next_url)
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    user = db().scalars(select(User).where(User.user_name_key == email.lower())).first()
    if user is None:
        user = db().scalars(select(User).where(User.email == email).limit(1)).first()
    if user is None or not verify_password(password, user.password_hash):
        record_audit(
            db(),
            "user_login_failed",
            f"Failed password sign-in for {email or '(blank)'}",
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
    sign_in(user, "password")
    return redirect(next_url)


@bp.get("/login/link")
def login_link() -> Response:
    email = system().login_links.redeem(request.args.get("token", ""))
    user = db().scalars(select(User).where(User.user_name_key == email.lower())).first() if email else None
    if user is None or not user.active:
        return redirect(url_for("auth.login"))
    sign_in(user, "desktop link")
    return redirect(url_for("settings.user_authentication") if user.is_admin else url_for("home.feed"))


@bp.post("/logout")
def logout() -> Response:
    user = current_user()
    if user is not None:
        record_audit(db(), "user_logout", f"{user.user_name} signed out", actor=user.user_name)
    session.clear()
    return redirect(url_for("auth.login"))
