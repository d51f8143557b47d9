"""The user groups behind a person's access, in the words of JumpCloud's group rules. Nothing here imports Qt."""

from __future__ import annotations

from sandbox.jumpcloud.services.access_history import GROUP_DELETED, GROUP_UNTICKED, MEMBERSHIP_REMOVED, AccessLoss
from sandbox.jumpcloud.services.integration_state import DirectoryUserView


def groups_shown(person: DirectoryUserView) -> str:
    """The Groups cell: the granting groups, sorted; for someone with none, the one that went, when known."""
    if person.groups:
        names = ", ".join(person.groups)
        return f"{names} · suspended" if person.suspended else names
    if person.access_loss is not None and person.access_loss.group_name:
        return f"None left (was {person.access_loss.group_name})"
    return "None left"


def access_explanation(person: DirectoryUserView, application: str) -> str:
    """Why ``person`` has the application or not: through which groups, or which change took it away.

    One sentence a line, so that the hover wraps where the sentences end.
    """
    if person.groups and not person.suspended:
        return f"{person.username} gets {application} through {_and(person.groups)}."
    deactivated = f"JumpCloud then deactivates the user in {application}; it never deletes them."
    if person.groups:
        return (
            f"Suspended in JumpCloud: a suspended user gets no application, though {person.username} is still in "
            f"{_and(person.groups)}.\n{deactivated}"
        )
    loss = person.access_loss
    if loss is None:
        what = (
            f"no granting group is left for {person.username}, and Directory Insights does not say which "
            "change removed the last one"
        )
    else:
        what = _loss(loss, person.username, application)
    return f"In no user group ticked for {application} any more: {what}.\n{deactivated}"


def _loss(loss: AccessLoss, username: str, application: str) -> str:
    who = f" by {loss.initiated_by}" if loss.initiated_by else ""
    when = f" at {loss.timestamp:%H:%M} UTC on {loss.timestamp:%d %b %Y}"
    if loss.kind == MEMBERSHIP_REMOVED:
        return f"{username} was removed from {loss.group_name}, the last group granting it,{who}{when}"
    if loss.kind == GROUP_DELETED:
        return f"user group {loss.group_name}, the last one granting it to {username}, was deleted{who}{when}"
    if loss.kind == GROUP_UNTICKED:
        return (
            f"{loss.group_name}, the last group granting it to {username}, was unticked on {application}'s "
            f"User Groups tab{who}{when}"
        )
    return f"{loss.group_name} stopped granting it to {username}{who}{when}"


def _and(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
