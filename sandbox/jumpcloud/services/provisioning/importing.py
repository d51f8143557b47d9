"""Manual import: the application's users, listed over SCIM, created in JumpCloud on request.

New users only: an existing JumpCloud user (matched by email) is never updated. Imported users are
active with a pending password and bound to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import SystemUser
from sandbox.jumpcloud.services.insights import Initiator, record_event
from sandbox.scim.client import ScimUser

NEW = "New"
IMPORTED = "Imported"
# At this many selected users the import runs in the background and reports by e-mail.
BACKGROUND_THRESHOLD = 100


@dataclass(frozen=True)
class ImportCandidate:
    user: ScimUser
    status: str

    @property
    def is_new(self) -> bool:
        return self.status == NEW


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def candidates(session: Session, users: Iterable[ScimUser], *, new_first: bool = False) -> list[ImportCandidate]:
    """Each application user marked New or Imported (an account with that email exists)."""
    listed = list(users)
    known = _existing_emails(session, {u.primary_email.lower() for u in listed if u.primary_email})
    result = [ImportCandidate(u, IMPORTED if u.primary_email.lower() in known else NEW) for u in listed]
    if new_first:
        result.sort(key=lambda c: not c.is_new)
    return result


def import_users(session: Session, users: Iterable[ScimUser], initiator: Initiator) -> ImportResult:
    """Create the given application users in JumpCloud; existing ones are left untouched."""
    result = ImportResult()
    listed = list(users)
    emails = _existing_emails(session, {u.primary_email.lower() for u in listed if u.primary_email})
    names = _existing_usernames(session, {_username(u).lower() for u in listed})
    for user in listed:
        email = user.primary_email.lower()
        username = _username(user)
        label = username or email or user.id
        if not email:
            result.skipped.append((label, "no email address in the application"))
            continue
        if email in emails:
            result.skipped.append((label, "already in JumpCloud (matched by email); not updated"))
            continue
        if username.lower() in names:
            result.skipped.append((label, "the username is taken by another JumpCloud user"))
            continue
        created = SystemUser(
            username=username,
            email=email,
            firstname=user.given_name,
            lastname=user.family_name,
            displayname=user.display_name,
            state="ACTIVATED",
            password_hash=None,
            password_pending=True,
        )
        session.add(created)
        session.flush()
        emails.add(email)
        names.add(username.lower())
        record_event(
            session,
            "user_create",
            service="directory",
            initiated_by=initiator,
            resource={"id": created.id, "type": "user", "username": username, "email": email},
            changes=[{"field": "source", "from": None, "to": "manual import"}],
            summary=f"User {username} imported from the application",
        )
        result.imported.append(label)
    return result


def _username(user: ScimUser) -> str:
    """The application's userName is kept, so provisioning later finds and takes over the same user."""
    return user.user_name.strip()


def _existing_emails(session: Session, emails: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        found.update(
            e.lower()
            for e in session.scalars(select(SystemUser.email).where(SystemUser.email.in_(ordered[start : start + 500])))
        )
    return found


def _existing_usernames(session: Session, names: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):
        found.update(
            n.lower()
            for n in session.scalars(
                select(SystemUser.username).where(SystemUser.username.in_(ordered[start : start + 500]))
            )
        )
    return found
