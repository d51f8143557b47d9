"""The three people a trainer plays, each with a browser of their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only a type here: the window is built before the systems load (see sandbox/desktop/startup.py).
    from sandbox.app import Sandbox

JUMPCLOUD_TEAL = "#1a9d9b"
BLOGIN_ORANGE = "#ff6a3d"
END_USER_INDIGO = "#4a5bb8"


@dataclass(frozen=True)
class Persona:
    """Who sits at a browser, what colour their header has and where their browser starts.

    ``system`` is the system serving the start page (``jumpcloud`` or ``blogin``).
    """

    key: str
    title: str
    subtitle: str
    colour: str
    start_url: Callable[[Sandbox], str]
    system: str


def _jumpcloud_admin_start(sandbox: Sandbox) -> str:
    return sandbox.addresses["jumpcloud"].admin_login_link()


def _end_user_start(sandbox: Sandbox) -> str:
    return f"{sandbox.addresses['jumpcloud'].base_url}/userconsole"


def _blogin_admin_start(sandbox: Sandbox) -> str:
    return sandbox.addresses["blogin"].admin_login_link()


JUMPCLOUD_ADMIN = Persona(
    "jumpcloud-admin", "JumpCloud Admin", "Admin Portal", JUMPCLOUD_TEAL, _jumpcloud_admin_start, "jumpcloud"
)
END_USER = Persona("end-user", "End User", "User Console and BlogIn", END_USER_INDIGO, _end_user_start, "jumpcloud")
BLOGIN_ADMIN = Persona("blogin-admin", "BlogIn Admin", "Admin console", BLOGIN_ORANGE, _blogin_admin_start, "blogin")

PERSONAS: tuple[Persona, ...] = (JUMPCLOUD_ADMIN, END_USER, BLOGIN_ADMIN)


def persona_by_key(key: str) -> Persona | None:
    """The persona named ``key``, or ``None`` for an unknown key (e.g. from an old settings file)."""
    return next((persona for persona in PERSONAS if persona.key == key), None)
