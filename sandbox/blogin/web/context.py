"""Request helpers for the BlogIn blueprints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, g, session

from sandbox.blogin.models import User
from sandbox.blogin.system import BlogIn
from sandbox.webcommon import db, login_required

USER_SESSION_KEY = "user_id"

F = TypeVar("F", bound=Callable[..., Any])

signin_required = login_required(USER_SESSION_KEY, "auth.login")


def system() -> BlogIn:
    return cast(BlogIn, current_app.extensions["blogin"])


def current_user() -> User | None:
    """The signed-in user, or ``None``; a deactivated user counts as signed out."""
    if "user" not in g:
        user_id = session.get(USER_SESSION_KEY)
        user = db().get(User, user_id) if user_id else None
        g.user = user if user is not None and user.active else None
    return cast(User | None, g.user)


def admin_required(view: F) -> F:
    """Signed in, and an Administrator."""

    @signin_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None or not user.is_admin:
            abort(403, "Only BlogIn administrators can open the admin console.")
        return view(*args, **kwargs)

    return cast(F, wrapped)
