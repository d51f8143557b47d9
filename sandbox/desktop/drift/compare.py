"""JumpCloud's users for the BlogIn application against BlogIn's users: who is where, what differs,
and what the next sync would do. Nothing here imports Qt."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sandbox.blogin.services.integration_state import BlogInUserView
from sandbox.desktop.drift.groups import access_explanation, groups_shown
from sandbox.jumpcloud.services.integration_state import DirectoryUserView

# The attributes the seed guide maps, in its order, with the names its table uses.
ATTRIBUTE_LABELS = {
    "userName": "userName",
    "email": "emails",
    "givenName": "First Name",
    "familyName": "Last Name",
    "displayName": "displayName",
    "title": "Job title",
    "phone": "Phone Number",
    "timezone": "timezone",
    "active": "Active",
}


#: the JumpCloud column of someone who is a JumpCloud user in no user group bound to the application
#: (someone JumpCloud does not have reads "—")
NOT_AUTHORIZED = "Not authorized"
ABSENT = "—"


@dataclass(frozen=True)
class DriftRow:
    """One person as the drift view lists them."""

    user_name: str
    in_jumpcloud: str  # "Authorized", "No longer authorized", NOT_AUTHORIZED, "—"
    in_blogin: str  # "Active", "Inactive", "—"
    source: str  # BlogIn's source (SCIM, JIT, import, manual) or "—"
    differences: tuple[str, ...]
    next_sync: str
    #: why the person stands where they do in JumpCloud, in the words of its group rules
    why: str = ""
    #: the user groups granting the application, sorted ("Engineering, Staff"), or what is left of them
    groups: str = "—"
    #: every granting group, one per line, for the hover when the cell is too narrow
    group_list: tuple[str, ...] = ()

    @property
    def in_sync(self) -> bool:
        return not self.differences and self.in_jumpcloud not in (ABSENT, NOT_AUTHORIZED) and self.in_blogin != ABSENT


def compare(
    jumpcloud_users: list[DirectoryUserView],
    blogin_users: list[BlogInUserView],
    *,
    idm_active: bool,
    application: str = "BlogIn",
    in_directory: set[str] | frozenset[str] = frozenset(),
) -> list[DriftRow]:
    """One row per person on either side, matched by userName (case-insensitive) or externalId.

    ``jumpcloud_users`` are those authorized for the application (or provisioned to it earlier);
    ``in_directory`` the usernames and emails, lower-case, of BlogIn users who are JumpCloud users all the
    same (imported, say) though in no user group bound to it. ``application`` is the application's display
    label, as the explanations name it.
    """
    by_name = {user.user_name.lower(): user for user in blogin_users}
    by_external = {user.external_id: user for user in blogin_users if user.external_id}
    matched: set[str] = set()
    rows = []
    for person in jumpcloud_users:
        blogin = by_external.get(person.id) or by_name.get(person.username.lower())
        if blogin is not None:
            matched.add(blogin.id)
        rows.append(_row(person, blogin, idm_active, application))
    for user in blogin_users:
        if user.id in matched:
            continue
        row = DriftRow(
            user_name=user.user_name,
            in_jumpcloud=ABSENT,
            in_blogin="Active" if user.active else "Inactive",
            source=user.source,
            differences=(),
            next_sync="Nothing: not managed from JumpCloud",
        )
        if {user.user_name.lower(), user.email.lower()} & in_directory:
            # A JumpCloud user all the same (a manual import): in no group bound to the application.
            row = replace(
                row,
                in_jumpcloud=NOT_AUTHORIZED,
                next_sync=f"Nothing: in no user group bound to {application}",
                why=(
                    f"{user.user_name} is a JumpCloud user but in no user group bound to {application}.\n"
                    "Imported users must be members of a user group bound to an application for JumpCloud "
                    "to manage their identity in, and access to, the application."
                ),
                groups=f"None bound to {application}",
            )
        rows.append(row)
    return sorted(rows, key=lambda row: row.user_name.lower())


def _row(person: DirectoryUserView, blogin: BlogInUserView | None, idm_active: bool, application: str) -> DriftRow:
    wanted = person.attributes
    differences: tuple[str, ...] = ()
    if blogin is not None:
        held = blogin.attributes()
        differences = tuple(
            f"{label}: {_shown(held.get(key))} in BlogIn, {_shown(wanted.get(key))} in JumpCloud"
            for key, label in ATTRIBUTE_LABELS.items()
            if key in wanted and _norm(held.get(key)) != _norm(wanted.get(key))
        )
    return DriftRow(
        user_name=person.username,
        in_jumpcloud="Authorized" if person.authorized else "No longer authorized",
        in_blogin="—" if blogin is None else ("Active" if blogin.active else "Inactive"),
        source=blogin.source if blogin is not None else "—",
        differences=differences,
        next_sync=_next_sync(person, blogin, idm_active),
        why=access_explanation(person, application),
        groups=groups_shown(person),
        group_list=person.groups,
    )


def _next_sync(person: DirectoryUserView, blogin: BlogInUserView | None, idm_active: bool) -> str:
    if not idm_active:
        return "Nothing: Identity Management is not active"
    if not person.authorized:
        if blogin is None:
            return "Nothing"
        if not blogin.active:
            return "Nothing: deactivated in BlogIn, kept (not deleted)"
        return "Deactivate (PATCH active false)"
    if blogin is None:
        return "Create (POST /Users)"
    if person.last_sent is None:
        return "Take over the existing user, then update what differs"
    changed = [
        ATTRIBUTE_LABELS[key]
        for key in ATTRIBUTE_LABELS
        if key in person.attributes and _norm(person.last_sent.get(key)) != _norm(person.attributes.get(key))
    ]
    if changed:
        return f"Update (PATCH replace {', '.join(changed)})"
    return (
        "Nothing: JumpCloud sends changes only, so edits made in BlogIn stay" if _differs(person, blogin) else "Nothing"
    )


def _differs(person: DirectoryUserView, blogin: BlogInUserView) -> bool:
    held = blogin.attributes()
    return any(
        _norm(held.get(key)) != _norm(person.attributes.get(key))
        for key in ATTRIBUTE_LABELS
        if key in person.attributes
    )


def _norm(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "active" if value else "inactive"
    return f"“{value}”" if value else "empty"
