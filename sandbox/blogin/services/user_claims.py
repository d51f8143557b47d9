"""Claims on userNames and email addresses while a user is being created or renamed, on PostgreSQL.

A sign-in's JIT creation, a SCIM create, and a SCIM PUT or PATCH changing a userName or email each look for
the person first (by userName, and by email, which decides whether a SCIM create links an SSO/JIT account
and whether a change of email is refused) and then write. On SQLite writes run one at a time,
so the look-up stays true until the write. On PostgreSQL both requests can look at once and both create:
the unique index catches the same userName, but not one person made twice under two userNames (a JIT
account named by the email and a SCIM user named by JumpCloud's username). A transaction-level advisory
lock per lower-cased name makes those requests take turns; the later one's look-up then sees the earlier
one's committed user, as it would have a moment later.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from sandbox.direct_sql import Work

# Held until the transaction ends (commit or rollback); ``hashtext`` maps a name to the lock's key (names
# sharing a key only take turns for nothing).
_CLAIM = text("SELECT pg_advisory_xact_lock(hashtext(:name))")
_PREFIX = "blogin.users:"


def claim_user_names(work: Work, *names: str) -> bool:
    """Wait for, then hold until this transaction ends, the claim on each non-blank ``name`` (case-insensitive);
    whether anything was claimed (a look-up made before may be out of date then).

    Only on PostgreSQL; elsewhere writes take turns already. Claims are taken in sorted order, so two requests
    claiming overlapping names cannot wait for each other.
    """
    if not isinstance(work, Session) or work.get_bind().dialect.name != "postgresql":
        return False
    claimed = sorted({name.strip().lower() for name in names if name and name.strip()})
    for name in claimed:
        work.execute(_CLAIM, {"name": _PREFIX + name})
    return bool(claimed)
