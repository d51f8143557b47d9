"""Request helpers for the BlogIn blueprints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import abort, current_app, g, request, session
from sqlalchemy import bindparam, select

from sandbox.blogin.models import User
from sandbox.blogin.models.people import ADMINISTRATOR, full_name
from sandbox.blogin.system import BlogIn
from sandbox.direct_sql import DirectSelect
from sandbox.webcommon import db, login_required, work

USER_SESSION_KEY = "user_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Identity providers post their Responses here from their own site: that is the binding, not a forgery.
CROSS_SITE_ENDPOINTS = frozenset({"sso.callback"})
CROSS_SITE_MESSAGE = (
    "This form was sent from another site, so nothing was changed. Open the page in BlogIn and submit it from there."
)

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


class Person(Protocol):
    """What the console's pages show of the signed-in user: a :class:`User` or a :class:`SignedInPerson`."""

    @property
    def id(self) -> str: ...
    @property
    def user_name(self) -> str: ...
    @property
    def given_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def is_admin(self) -> bool: ...


@dataclass(frozen=True)
class SignedInPerson:
    """The signed-in user's columns the console's chrome shows, read without loading a :class:`User`."""

    id: str
    user_name: str
    given_name: str
    family_name: str
    formatted_name: str
    display_name: str
    role: str
    active: bool

    # The same rules as User's properties of the same names.
    @property
    def full_name(self) -> str:
        return full_name(self.formatted_name, self.given_name, self.family_name, self.display_name, self.user_name)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMINISTRATOR


_PERSON_BY_ID = DirectSelect(
    select(
        User.id,
        User.user_name,
        User.given_name,
        User.family_name,
        User.formatted_name,
        User.display_name,
        User.role,
        User.active,
    ).where(User.id == bindparam("user_id"))
)


def signed_in() -> Person | None:
    """The signed-in user as the console's pages show them (``None`` when signed out or deactivated).

    The :class:`User` when this request has loaded it already, else its columns in one statement.
    """
    if "user" in g:
        return cast(User | None, g.user)
    if "person" not in g:
        user_id = session.get(USER_SESSION_KEY)
        row = _PERSON_BY_ID.first(work(), {"user_id": user_id}) if user_id else None
        g.person = SignedInPerson(*row) if row is not None and row.active else None
    return cast(SignedInPerson | None, g.person)


def admin_required(view: F) -> F:
    """Signed in, and an Administrator."""

    @signin_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        # The columns the console's chrome reads anyway (one statement, no ORM object): a view that needs
        # the User itself loads it.
        user = signed_in()
        if user is None or not user.is_admin:
            abort(403, "Only BlogIn administrators can open the admin console.")
        return view(*args, **kwargs)

    return cast(F, wrapped)


def refuse_cross_site() -> None:
    """403 for a form another site made the browser post (a forged sign-in or change).

    Browsers name the posting page's origin in ``Origin``; scripts send none. The session cookie is
    ``SameSite=Lax``, so a forged change would arrive signed out anyway; a forged *sign-in* needs no
    cookie, and would sign the browser in to an account of the other site's choosing.
    """
    if request.method in SAFE_METHODS or request.endpoint in CROSS_SITE_ENDPOINTS:
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.host_url.rstrip("/"):
        abort(403, description=CROSS_SITE_MESSAGE)
