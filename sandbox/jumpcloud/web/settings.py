"""Settings: the organization's API key (show, copy, regenerate) and the administrator's account."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import Administrator
from sandbox.jumpcloud.services.insights import record_event
from sandbox.jumpcloud.web.context import admin_initiator, admin_required, current_admin
from sandbox.passwords import hash_password, verify_password
from sandbox.webcommon import db

bp = Blueprint("settings", __name__, url_prefix="/settings")
log = logging.getLogger("sandbox.jumpcloud.settings")

MIN_ADMIN_PASSWORD_LENGTH = 6


def masked(key: str) -> str:
    """The key as the portal shows it before **Show**: only the last four characters."""
    return "•" * max(0, len(key) - 4) + key[-4:]


def _admin() -> Administrator:
    admin = current_admin()
    if admin is None:
        abort(403)
    return admin


@bp.get("")
@admin_required
def index() -> str:
    return render_template("settings/index.html", admin=_admin(), masked_key=masked(_admin().api_key), errors={})


@bp.post("/api-key/regenerate")
@admin_required
def regenerate_api_key() -> Response:
    admin = _admin()
    if request.form.get("confirm") != "yes":
        flash("Confirm that the current API key should stop working.", "error")
        return redirect(url_for("settings.index"))
    old = admin.api_key
    admin.api_key = secrets.token_hex(20)
    record_event(
        db(),
        "admin_update",
        service="directory",
        initiated_by=admin_initiator(),
        resource={"id": admin.id, "type": "admin", "email": admin.email},
        # Only the masked tails: an API key never goes into an event.
        changes=[{"field": "apiKey", "from": masked(old)[-8:], "to": masked(admin.api_key)[-8:]}],
        summary=f"API key regenerated for {admin.email}",
    )
    log.info("API key regenerated for %s", admin.email)
    flash("A new API key was generated. The previous key no longer works.", "success")
    return redirect(url_for("settings.index"))


@bp.post("/password")
@admin_required
def change_password() -> Response | tuple[str, int]:
    admin = _admin()
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    errors: dict[str, str] = {}
    if not verify_password(current, admin.password_hash):
        errors["current_password"] = "The current password is not correct."
    if len(new) < MIN_ADMIN_PASSWORD_LENGTH:
        errors["new_password"] = f"The new password must be at least {MIN_ADMIN_PASSWORD_LENGTH} characters."
    if errors:
        page = render_template("settings/index.html", admin=admin, masked_key=masked(admin.api_key), errors=errors)
        return page, 400
    admin.password_hash = hash_password(new)
    record_event(
        db(),
        "admin_update",
        service="directory",
        initiated_by=admin_initiator(),
        resource={"id": admin.id, "type": "admin", "email": admin.email},
        changes=[{"field": "password", "from": None, "to": None}],
        summary=f"Password changed for {admin.email}",
    )
    flash("Your password was changed.", "success")
    return redirect(url_for("settings.index"))
