"""The three scenarios shipped with SSO Sandbox, found as package data of an installed package."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from sandbox.scenarios.format import FILE_SUFFIX


@dataclass(frozen=True)
class ShippedScenario:
    """A ready-made starting point for a demo."""

    key: str
    title: str
    description: str

    @property
    def file_name(self) -> str:
        return f"{self.key}{FILE_SUFFIX}"

    def resource(self) -> Traversable:
        """The scenario file inside the installed package."""
        return resources.files("sandbox.scenarios").joinpath("resources", self.file_name)

    def available(self) -> bool:
        return self.resource().is_file()


FRESH = ShippedScenario(
    "fresh",
    "Fresh",
    "Nothing configured: both systems as on first run, with their sandbox administrators.",
)
SSO_CONFIGURED = ShippedScenario(
    "sso-configured",
    "SSO configured",
    "The BlogIn application added in JumpCloud and metadata exchanged both ways; "
    "5 users in 2 groups authorized. Ready to validate IdP- and SP-initiated sign-in.",
)
FULLY_PROVISIONED = ShippedScenario(
    "fully-provisioned",
    "Fully provisioned",
    "Identity Management active: 50 users in 5 groups synced to BlogIn, with events in the log.",
)

SHIPPED: tuple[ShippedScenario, ...] = (FRESH, SSO_CONFIGURED, FULLY_PROVISIONED)


def shipped_scenario(key: str) -> ShippedScenario | None:
    """The shipped scenario named ``key`` (``fresh``, ``sso-configured``, ``fully-provisioned``)."""
    return next((scenario for scenario in SHIPPED if scenario.key == key), None)
