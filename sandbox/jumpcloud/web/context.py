"""Request helpers for the JumpCloud blueprints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, g, request, session

from sandbox.jumpcloud.models import Administrator
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.jumpcloud.system import JumpCloud
from sandbox.webcommon import db, login_required

F = TypeVar("F", bound=Callable[..., Any])

ADMIN_SESSION_KEY = "admin_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_MESSAGE = (
    "This form was sent from another site, so nothing was changed. "
    "Open the page in the Admin Portal and submit it from there."
)

_signed_in = login_required(ADMIN_SESSION_KEY, "auth.login")


def sent_from_this_portal() -> bool:
    """False for a change a page of another site made the browser send (a forged form).

    Browsers name the page's origin in ``Origin`` on every form POST; scripts and API clients send none,
    and those have no portal cookie to ride on anyway.
    """
    if request.method in SAFE_METHODS:
        return True
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


def refuse_cross_site() -> None:
    """Answer 403 with a clear page when :func:`sent_from_this_portal` is False."""
    if not sent_from_this_portal():
        abort(403, description=CROSS_SITE_MESSAGE)


def admin_required(view: F) -> F:
    """Sign-in required; a change must also come from the portal's own pages."""
    checked = _signed_in(view)

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        refuse_cross_site()
        return checked(*args, **kwargs)

    return cast(F, wrapped)


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
