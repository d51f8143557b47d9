"""The Admin Portal's home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from sandbox.jumpcloud.models import DirectoryInsightsEvent, SsoApplication, SystemUser, UserGroup
from sandbox.jumpcloud.web.context import admin_required
from sandbox.webcommon import db

bp = Blueprint("portal", __name__)


@bp.get("/")
@admin_required
def home() -> str:
    session = db()
    counts = {
        "users": session.scalar(select(func.count()).select_from(SystemUser)) or 0,
        "groups": session.scalar(select(func.count()).select_from(UserGroup)) or 0,
        "applications": session.scalar(select(func.count()).select_from(SsoApplication)) or 0,
    }
    events = session.scalars(select(DirectoryInsightsEvent).order_by(DirectoryInsightsEvent.seq.desc()).limit(8)).all()
    return render_template("home.html", counts=counts, events=events)
