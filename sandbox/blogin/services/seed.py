"""First-run content of the Acme tenant."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.blogin.models import Post, User
from sandbox.events import utc_now
from sandbox.passwords import hash_password
from sandbox.settings import BLOGIN_ADMIN_EMAIL

SANDBOX_ADMIN_EMAIL = BLOGIN_ADMIN_EMAIL
SANDBOX_ADMIN_PASSWORD = "sandbox"

_POSTS = (
    (
        "Welcome to the Acme blog",
        "Company",
        "This is where we share news, updates and the stories behind our work. Subscribe to the topics you like.",
    ),
    (
        "Q4 all-hands: highlights",
        "News",
        "Thanks to everyone who joined. Slides and the recording are in the Resources category.",
    ),
    (
        "New single sign-on for all staff",
        "IT",
        "You can now sign in to the blog with your company account. Use \u201cLog in with SSO\u201d on the login page.",
    ),
    (
        "Office move: what to expect",
        "Facilities",
        "The move happens over the weekend of the 14th. Desks will be labelled; bring your own mug.",
    ),
)


def seed_tenant(session: Session) -> bool:
    """Create the sandbox administrator and sample posts on a fresh tenant; ``True`` if it seeded."""
    if session.scalars(select(User).limit(1)).first() is not None:
        return False
    session.add(
        User(
            user_name=SANDBOX_ADMIN_EMAIL,
            user_name_key=SANDBOX_ADMIN_EMAIL,
            email=SANDBOX_ADMIN_EMAIL,
            given_name="Acme",
            family_name="Admin",
            display_name="Acme Admin",
            role="Administrator",
            source="manual",
            password_hash=hash_password(SANDBOX_ADMIN_PASSWORD),
        )
    )
    now = utc_now()
    for age, (title, category, body) in enumerate(_POSTS):
        session.add(
            Post(
                title=title,
                body=body,
                category=category,
                author="Acme Admin",
                published=now - timedelta(days=age * 3 + 1),
            )
        )
    return True
