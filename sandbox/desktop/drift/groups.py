"""The user groups behind a person's access, in the words of JumpCloud's group rules. Nothing here imports Qt."""

from __future__ import annotations

from sandbox.jumpcloud.services.integration_state import (
    GROUP_DELETED,
    GROUP_UNTICKED,
    MEMBERSHIP_REMOVED,
    AccessLoss,
    DirectoryUserView,
)


def groups_shown(person: DirectoryUserView) -> str:
    """The Groups cell: the granting groups, sorted; for someone with none, the one that went, when known."""
    if person.groups:
        names = ", ".join(person.groups)
        return f"{names} · suspended" if person.suspended else names
    if person.access_loss is not None and person.access_loss.group_name:
        return f"None left (was {person.access_loss.group_name})"
    return "None left"


def access_explanation(person: DirectoryUserView, application: str) -> str:
    """Why ``person`` has the application or not: through which groups, or which change took it away."""
    if person.groups and not person.suspended:
        return f"{person.username} gets {application} through {_and(person.groups)}."
    if person.groups:
        return (
            f"{person.username} is suspended in JumpCloud: a suspended user gets no application, though still in "
            f"{_and(person.groups)}. {_deactivated(application)}"
        )
    loss = person.access_loss
    if loss is None:
        return (
            f"No user group granting {application} is left for {person.username}; Directory Insights does not say "
            f"which change removed the last one. {_deactivated(application)}"
        )
    return f"{_loss_sentence(loss, person.username, application)} {_deactivated(application)}"


def _loss_sentence(loss: AccessLoss, username: str, application: str) -> str:
    last = f"the last group granting {application}"
    if loss.kind == MEMBERSHIP_REMOVED:
        what = f"{username} was removed from {loss.group_name} ({last})"
    elif loss.kind == GROUP_DELETED:
        what = f"User group {loss.group_name} was deleted ({last} for {username})"
    elif loss.kind == GROUP_UNTICKED:
        what = f"{loss.group_name} was unticked on {application}'s User Groups tab ({last} for {username})"
    else:
        what = f"{loss.group_name} stopped granting {application} to {username}"
    who = f" by {loss.initiated_by}" if loss.initiated_by else ""
    return f"{what}{who} at {loss.timestamp:%H:%M} UTC on {loss.timestamp:%d %b %Y}."


def _deactivated(application: str) -> str:
    return f"JumpCloud then deactivates the user in {application}; it never deletes them."


def _and(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
