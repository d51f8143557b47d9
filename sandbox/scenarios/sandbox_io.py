"""Saving a running sandbox to a scenario and loading one into it, through the systems' own
snapshot entry points."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from sandbox.scenarios.format import ScenarioError, ScenarioFile, read_scenario, write_scenario
from sandbox.scenarios.shipped import ShippedScenario, shipped_scenario
from sandbox.snapshot import SnapshotError

if TYPE_CHECKING:
    from sandbox.app import Sandbox

log = logging.getLogger("sandbox.scenarios")


def capture_scenario(sandbox: Sandbox, *, title: str, description: str = "") -> ScenarioFile:
    """Both systems' state right now, keys included."""
    return ScenarioFile(
        title=title,
        description=description,
        base_urls={"jumpcloud": sandbox.jumpcloud.base_url, "blogin": sandbox.blogin.base_url},
        snapshots={"jumpcloud": sandbox.jumpcloud.export_snapshot(), "blogin": sandbox.blogin.export_snapshot()},
    )


def save_scenario(sandbox: Sandbox, path: Path, *, title: str = "", description: str = "") -> None:
    """File › Save scenario…: write both systems' state to ``path``."""
    scenario = capture_scenario(sandbox, title=title or path.stem, description=description)
    write_scenario(scenario, path)
    log.info("scenario %r saved to %s", scenario.title, path)


def open_scenario(source: Path | ShippedScenario) -> ScenarioFile:
    """Read a scenario file, or one of the shipped ones."""
    if isinstance(source, ShippedScenario):
        if not source.available():
            raise ScenarioError(f"The shipped scenario {source.title!r} is missing from this installation.")
        with source.resource().open("rb") as stream:
            return read_scenario(stream, name=source.title)
    return read_scenario(source)


def apply_scenario(sandbox: Sandbox, scenario: ScenarioFile) -> None:
    """Replace both systems' state with ``scenario``'s.

    Stored URLs that name the other system (metadata URL, SCIM Base URL, ACS URL, ...) are moved to
    the ports in use now. JumpCloud's background provisioning is paused meanwhile, so nothing is sent
    from a half-loaded state.
    """
    rewrite = _port_rewrite(
        scenario.base_urls, {"jumpcloud": sandbox.jumpcloud.base_url, "blogin": sandbox.blogin.base_url}
    )
    with sandbox.jumpcloud.background_paused():
        try:
            sandbox.jumpcloud.import_snapshot(scenario.snapshots["jumpcloud"], rewrite=rewrite)
            sandbox.blogin.import_snapshot(scenario.snapshots["blogin"], rewrite=rewrite)
        except SnapshotError as error:
            raise ScenarioError(str(error)) from error
    log.info("scenario %r loaded", scenario.title)


def load_scenario(sandbox: Sandbox, source: Path | IO[bytes] | ShippedScenario) -> ScenarioFile:
    """Open ``source`` and apply it to ``sandbox``; returns what was loaded.

    A path that names no file but a shipped scenario's key (``--scenario fully-provisioned``) opens
    that shipped scenario.
    """
    if isinstance(source, Path) and not source.exists():
        shipped = shipped_scenario(source.name)
        if shipped is not None:
            source = shipped
    scenario = open_scenario(source) if isinstance(source, Path | ShippedScenario) else read_scenario(source)
    apply_scenario(sandbox, scenario)
    return scenario


def _port_rewrite(saved: dict[str, str], now: dict[str, str]) -> Callable[[str], str]:
    """A function moving ``host:savedport`` to ``host:nowport`` for each system whose port changed."""
    moves: list[tuple[re.Pattern[str], str]] = []
    for system, current in now.items():
        before = saved.get(system)
        if not before:
            continue
        old, new = urlsplit(before).netloc, urlsplit(current).netloc
        if old and new and old != new:
            # Not followed by a digit: port 4780 must not match inside 47801.
            moves.append((re.compile(re.escape(old) + r"(?!\d)", re.IGNORECASE), new))

    def rewrite(value: str) -> str:
        for old, new in moves:
            value = old.sub(new, value)
        return value

    return rewrite
