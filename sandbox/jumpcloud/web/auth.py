"""Admin Portal sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import Administrator
from sandbox.jumpcloud.services.insights import Initiator, record_event
from sandbox.jumpcloud.system import SANDBOX_ADMIN_EMAIL, SANDBOX_ADMIN_PASSWORD
from sandbox.jumpcloud.web.context import ADMIN_SESSION_KEY, refuse_cross_site, system
from sandbox.passwords import verify_password
from sandbox.webcommon import db, safe_next

bp = Blueprint("auth", __name__)


def _sign_in(admin: Administrator) -> None:
    session.clear()
    session[ADMIN_SESSION_KEY] = admin.id
    record_event(
        db(),
        "admin_login_attempt",
        service="directory",
        initiated_by=Initiator(admin.id, "admin", admin.email),
        resource={"id": admin.id, "type": "admin", "email": admin.email},
        summary=f"Administrator {admin.email} signed in",
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = safe_next(request.values.get("next"), url_for("portal.home"))
    if request.method == "GET":
        return render_template(
            "auth/login.html",
            next=next_url,
            email="",
            sandbox_email=SANDBOX_ADMIN_EMAIL,
            sandbox_password=SANDBOX_ADMIN_PASSWORD,
        )
    # A sign-in posted by another site would sign this browser in to an account of that site's choosing.
    refuse_cross_site()
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    if not email or not password:
        # Nothing to check yet: the page asks for what is missing, and no failed sign-in is recorded.
        missing = (
            "Enter your admin email and password."
            if not email and not password
            else ("Enter your admin email." if not email else "Enter your password.")
        )
        return (
            render_template(
                "auth/login.html",
                next=next_url,
                email=email,
                error=missing,
                sandbox_email=SANDBOX_ADMIN_EMAIL,
                sandbox_password=SANDBOX_ADMIN_PASSWORD,
            ),
            400,
        )
    admin = db().scalars(select(Administrator).where(Administrator.email == email)).first()
    if admin is None or not verify_password(password, admin.password_hash):
        record_event(
            db(),
            "admin_login_attempt",
            service="directory",
            initiated_by=Initiator("", "admin", email),
            success=False,
            error_message="invalid email or password",
            summary=f"Failed administrator sign-in for {email}",
        )
        from flask import g

        g.commit_on_error = True
        return (
            render_template(
                "auth/login.html",
                next=next_url,
                email=email,
                error="Incorrect email or password.",
                sandbox_email=SANDBOX_ADMIN_EMAIL,
                sandbox_password=SANDBOX_ADMIN_PASSWORD,
            ),
            401,
        )
    _sign_in(admin)
    return redirect(next_url)


@bp.get("/login/link")
def login_link() -> Response | tuple[str, int]:
    email = system().login_links.redeem(request.args.get("token", ""))
    admin = db().scalars(select(Administrator).where(Administrator.email == email)).first() if email else None
    if admin is None:
        return redirect(url_for("auth.login"))
    _sign_in(admin)
    return redirect(url_for("portal.home"))


@bp.post("/logout")
def logout() -> Response:
    refuse_cross_site()
    session.pop(ADMIN_SESSION_KEY, None)
    return redirect(url_for("auth.login"))
