"""Which of BlogIn's users JumpCloud's directory holds, whatever their groups (read-only).

The drift view's JumpCloud side is the users authorized for the application; someone brought over by a
manual import is a JumpCloud user too, though in no user group bound to it until an administrator adds them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.app import Sandbox

#: how many names one query asks about (SQLite allows a few hundred bound values per statement)
BATCH = 400


def in_jumpcloud_directory(sandbox: Sandbox, logins: Iterable[str]) -> set[str]:
    """The ``logins`` (usernames or emails, compared lower-case) that name a JumpCloud user."""
    # Loaded here, not at import: the window's modules load neither the ORM nor a system before they start.
    from sqlalchemy import func, or_, select

    from sandbox.jumpcloud.models.directory import SystemUser

    wanted = sorted({login.strip().lower() for login in logins if login.strip()})
    found: set[str] = set()
    with sandbox.jumpcloud.database.sessions() as session:
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            rows = session.execute(
                select(SystemUser.username, SystemUser.email).where(
                    or_(func.lower(SystemUser.username).in_(batch), func.lower(SystemUser.email).in_(batch))
                )
            )
            for username, email in rows:
                found.update({username.lower(), (email or "").lower()} & set(batch))
    return found
