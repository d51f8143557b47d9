"""Manual import: the application's users, listed over SCIM, created in JumpCloud on request.

New users only: an existing JumpCloud user (matched by email) is never updated. Imported users are
active with a pending password and bound to nothing. An application's user whose values the directory
would refuse from the Users form (a control or bidirectional character, a value too long, a username
with spaces, an email or username another user has in any case) is listed as not importable, with the
reason, and never created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import SystemUser
from sandbox.jumpcloud.services.insights import Initiator, record_event
from sandbox.jumpcloud.services.user_input import show_hidden_characters, user_input_errors
from sandbox.scim.client import ScimUser

NEW = "New"
IMPORTED = "Imported"
NOT_IMPORTABLE = "Not importable"
# At this many selected users the import runs in the background and reports by e-mail.
BACKGROUND_THRESHOLD = 100

ALREADY_IN_JUMPCLOUD = "already in JumpCloud (matched by email); not updated"
NO_EMAIL = "no email address in the application"
NO_LONGER_LISTED = "no longer listed by the application"
# The Users form's names for the fields an import fills in, as its reasons name them.
FIELD_NAMES = {
    "username": "Username",
    "email": "Email",
    "firstname": "First Name",
    "lastname": "Last Name",
    "displayname": "Display Name",
}
# A name longer than this is cut where a list or an e-mail names the user.
_LABEL_LENGTH = 80


@dataclass(frozen=True)
class ImportCandidate:
    """One user of the application as the import list shows it: New, Imported or Not importable."""

    user: ScimUser
    status: str
    #: Why the user is not imported (empty for a New user).
    reason: str = ""

    @property
    def is_new(self) -> bool:
        return self.status == NEW

    @property
    def is_importable(self) -> bool:
        return self.status != NOT_IMPORTABLE

    @property
    def label(self) -> str:
        """The user as a list or an e-mail names them, with invisible characters written out."""
        return user_label(self.user)


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def user_values(user: ScimUser) -> dict[str, str]:
    """What JumpCloud would store for ``user``, cleaned as the Users form cleans what is typed."""
    return {
        # The application's userName is kept, so provisioning later finds and takes over the same user.
        "username": user.user_name.strip(),
        "email": user.primary_email.strip().lower(),
        "firstname": user.given_name.strip(),
        "lastname": user.family_name.strip(),
        "displayname": user.display_name.strip(),
    }


def user_label(user: ScimUser) -> str:
    """``user``'s username (else email, else application id), invisible characters written out, cut short."""
    shown = show_hidden_characters(user.user_name.strip() or user.primary_email.strip() or user.id)
    return shown if len(shown) <= _LABEL_LENGTH else f"{shown[: _LABEL_LENGTH - 1]}…"


def candidates(session: Session, users: Iterable[ScimUser], *, new_first: bool = False) -> list[ImportCandidate]:
    """Each application user marked New, Imported (an account with that email exists) or Not importable.

    Of two listed users with the same email or username in any case, the first listed is the one offered.
    """
    listed = list(users)
    values = [user_values(user) for user in listed]
    emails = _existing_emails(session, {v["email"] for v in values if v["email"]})
    names = _existing_usernames(session, {v["username"].lower() for v in values if v["username"]})
    offered_emails: dict[str, ScimUser] = {}
    offered_names: dict[str, ScimUser] = {}
    result = []
    for user, cleaned in zip(listed, values, strict=True):
        status, reason = _status(cleaned, emails, names, offered_emails, offered_names)
        if status == NEW:
            offered_emails[cleaned["email"]] = user
            offered_names[cleaned["username"].lower()] = user
        result.append(ImportCandidate(user, status, reason))
    if new_first:
        result.sort(key=lambda c: not c.is_new)
    return result


def _status(
    cleaned: dict[str, str],
    emails: set[str],
    names: set[str],
    offered_emails: dict[str, ScimUser],
    offered_names: dict[str, ScimUser],
) -> tuple[str, str]:
    email, username = cleaned["email"], cleaned["username"]
    if not email:
        return NOT_IMPORTABLE, NO_EMAIL
    if email in emails:
        return IMPORTED, ALREADY_IN_JUMPCLOUD
    errors = user_input_errors(cleaned)
    if errors:
        shown = "; ".join(_field_message(FIELD_NAMES[name], message) for name, message in errors.items())
        return NOT_IMPORTABLE, show_hidden_characters(shown)
    if username.lower() in names:
        return NOT_IMPORTABLE, f"the username {username} is taken by another JumpCloud user"
    first = offered_emails.get(email)
    if first is not None:
        return NOT_IMPORTABLE, f"the same email address as {user_label(first)}, listed before it"
    first = offered_names.get(username.lower())
    if first is not None:
        return NOT_IMPORTABLE, f"the same username as {user_label(first)} (letter case aside), listed before it"
    return NEW, ""


def _field_message(field_name: str, message: str) -> str:
    # "Username may contain …" names its field already; "At most 256 characters." does not.
    return message if message.startswith(field_name) else f"{field_name}: {message}"


def import_users(session: Session, users: Iterable[ScimUser], initiator: Initiator) -> ImportResult:
    """Create the given application users in JumpCloud; existing ones are left untouched, and those
    :func:`candidates` marks Not importable are skipped with the reason."""
    result = ImportResult()
    for candidate in candidates(session, users):
        if not candidate.is_new:
            result.skipped.append((candidate.label, candidate.reason))
            continue
        values = user_values(candidate.user)
        created = SystemUser(
            username=values["username"],
            email=values["email"],
            firstname=values["firstname"],
            lastname=values["lastname"],
            displayname=values["displayname"],
            state="ACTIVATED",
            password_hash=None,
            password_pending=True,
        )
        session.add(created)
        session.flush()
        record_event(
            session,
            "user_create",
            service="directory",
            initiated_by=initiator,
            resource={"id": created.id, "type": "user", "username": created.username, "email": created.email},
            changes=[{"field": "source", "from": None, "to": "manual import"}],
            summary=f"User {created.username} imported from the application",
        )
        result.imported.append(candidate.label)
    return result


def import_selected(
    session: Session, listed: Iterable[ScimUser], selected: Iterable[str], initiator: Initiator
) -> ImportResult:
    """:func:`import_users` for the users of ``listed`` whose application ids were ``selected``; a selected
    id the application no longer lists is reported as not imported."""
    wanted = set(selected)
    users = [user for user in listed if user.id in wanted]
    result = import_users(session, users, initiator)
    found = {user.id for user in users}
    result.skipped += [
        (show_hidden_characters(f"user {user_id}"), NO_LONGER_LISTED) for user_id in sorted(wanted - found)
    ]
    return result


def _existing_emails(session: Session, emails: set[str]) -> set[str]:
    # The directory keeps emails lower-case (see ``directory``), as ``emails`` are.
    found: set[str] = set()
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        found.update(
            e.lower()
            for e in session.scalars(select(SystemUser.email).where(SystemUser.email.in_(ordered[start : start + 500])))
        )
    return found


def _existing_usernames(session: Session, names: set[str]) -> set[str]:
    # Usernames are kept as typed; a name taken in any case is taken, as the Users form says.
    found: set[str] = set()
    ordered = sorted(names)
    lowered = func.lower(SystemUser.username)
    for start in range(0, len(ordered), 500):
        found.update(
            n.lower()
            for n in session.scalars(select(SystemUser.username).where(lowered.in_(ordered[start : start + 500])))
        )
    return found
