"""The desktop window over both systems; the only package that imports PySide6."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.settings import Settings


def run_desktop(settings: Settings) -> int:
    """Run the desktop app until its window closes (see :func:`sandbox.desktop.main.run_desktop`)."""
    # Imported here so that the package's light modules (models, themes) load without the whole app.
    from sandbox.desktop.main import run_desktop as run

    return run(settings)


__all__ = ["run_desktop"]
