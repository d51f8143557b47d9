"""How the start-up benchmarks launch the app: the virtual environment's Python, in the app's environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python() -> str:
    """The virtual environment's Python, or this one's where there is none."""
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def environment(bytecode_cache: Path) -> dict[str, str]:
    """The app's environment: offscreen without a display, and Python's bytecode cache on.

    A shell with PYTHONDONTWRITEBYTECODE=1 would make every launch compile the app's own modules from
    source again (0.2-0.3 s of CPU on a 2-core machine), which an installed copy never does: the
    launches share a bytecode cache in the bench's temporary folder instead, filled by the first
    launch as a first run fills it.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    return env
