"""Settings › User Authentication."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from sandbox.blogin.web.context import admin_required

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("/")
@admin_required
def index() -> Response:
    return redirect(url_for("settings.user_authentication"))


@bp.get("/user-authentication")
@admin_required
def user_authentication() -> str:
    return render_template("settings/user_authentication.html")
