"""The scenario file: one zip holding a manifest and both systems' database snapshots.

``manifest.json`` says what the file is (format name and version), when and from which addresses it
was saved; ``jumpcloud.json`` and ``blogin.json`` are :mod:`sandbox.snapshot` exports, keys included.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sandbox import __version__

FORMAT_NAME = "sso-sandbox-scenario"
FORMAT_VERSION = 1
FILE_SUFFIX = ".sandbox"
SYSTEMS = ("jumpcloud", "blogin")
# A scenario is a few MB at most; a far larger member is not one of ours.
MAX_MEMBER_BYTES = 256 * 1024 * 1024


class ScenarioError(Exception):
    """A scenario file cannot be read or written; ``str()`` is a message for the user."""


@dataclass
class ScenarioFile:
    """A scenario in memory: what the manifest says and each system's snapshot."""

    title: str
    description: str = ""
    saved_at: str = ""
    # Each system's base URL when saved (``http://host:port``), to move stored URLs to today's ports.
    base_urls: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "title": self.title,
            "description": self.description,
            "saved_at": self.saved_at or datetime.now(UTC).isoformat(timespec="seconds"),
            "saved_by": f"SSO Sandbox {__version__}",
            "base_urls": self.base_urls,
        }


def write_scenario(scenario: ScenarioFile, path: Path) -> None:
    """Write ``scenario`` to ``path`` (replaced only once the whole file is written)."""
    partial = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(scenario.manifest(), indent=2))
            for system in SYSTEMS:
                archive.writestr(f"{system}.json", json.dumps(scenario.snapshots[system], separators=(",", ":")))
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ScenarioError(f"The scenario cannot be saved to {path}: {error.strerror or error}.") from error


def read_scenario(source: Path | IO[bytes], name: str | None = None) -> ScenarioFile:
    """Read a scenario file; anything that is not one gives a :class:`ScenarioError` saying why."""
    shown = name or str(source)
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = _member_json(archive, "manifest.json", shown)
            _check_manifest(manifest, shown)
            snapshots = {system: _member_json(archive, f"{system}.json", shown) for system in SYSTEMS}
    except FileNotFoundError:
        raise ScenarioError(f"There is no scenario file at {shown}.") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise ScenarioError(f"{shown} is not an SSO Sandbox scenario file.") from None
    except OSError as error:
        raise ScenarioError(f"{shown} cannot be read: {error.strerror or error}.") from error
    base_urls = manifest.get("base_urls")
    return ScenarioFile(
        title=str(manifest.get("title") or ""),
        description=str(manifest.get("description") or ""),
        saved_at=str(manifest.get("saved_at") or ""),
        base_urls={str(k): str(v) for k, v in base_urls.items()} if isinstance(base_urls, dict) else {},
        snapshots=snapshots,
    )


def _member_json(archive: zipfile.ZipFile, member: str, shown: str) -> dict[str, Any]:
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise ScenarioError(f"{shown} is not a complete scenario: {member} is missing.") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ScenarioError(f"{shown} is not an SSO Sandbox scenario file ({member} is far too large).")
    try:
        value = json.loads(archive.read(member))
    except (ValueError, UnicodeDecodeError):
        raise ScenarioError(f"{shown} is damaged: {member} is not readable JSON.") from None
    if not isinstance(value, dict):
        raise ScenarioError(f"{shown} is damaged: {member} has the wrong shape.")
    return value


def _check_manifest(manifest: dict[str, Any], shown: str) -> None:
    if manifest.get("format") != FORMAT_NAME:
        raise ScenarioError(f"{shown} is not an SSO Sandbox scenario file.")
    version = manifest.get("version")
    if not isinstance(version, int) or version < 1:
        raise ScenarioError(f"{shown} is damaged: its format version is missing.")
    if version > FORMAT_VERSION:
        raise ScenarioError(
            f"{shown} was saved by a newer SSO Sandbox (scenario format {version}); this one reads up to "
            f"{FORMAT_VERSION}."
        )
