"""Request helpers for the JumpCloud blueprints."""

from __future__ import annotations

from typing import cast

from flask import current_app, g, session

from sandbox.jumpcloud.models import Administrator
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.jumpcloud.system import JumpCloud
from sandbox.webcommon import db, login_required

ADMIN_SESSION_KEY = "admin_id"

admin_required = login_required(ADMIN_SESSION_KEY, "auth.login")


def system() -> JumpCloud:
    return cast(JumpCloud, current_app.extensions["jumpcloud"])


def current_admin() -> Administrator | None:
    if "admin" not in g:
        admin_id = session.get(ADMIN_SESSION_KEY)
        g.admin = db().get(Administrator, admin_id) if admin_id else None
    return cast(Administrator | None, g.admin)


def admin_initiator() -> Initiator:
    admin = current_admin()
    if admin is None:
        return Initiator(id="", type="admin", username_or_email="unknown")
    return Initiator(id=admin.id, type="admin", username_or_email=admin.email)
