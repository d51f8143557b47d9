"""How the start-up benchmarks launch the app: the virtual environment's Python, in the app's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


def run_child(code: str, args: list[str], bytecode_cache: Path, timeout: float) -> tuple[float, dict[str, Any]]:
    """Run ``code`` in a fresh Python with ``args``; its launch time and the last JSON object it printed.

    Exits with the child's error output when it fails or prints no JSON line.
    """
    started = time.monotonic()
    done = subprocess.run(
        [python(), "-c", code, *args],
        cwd=ROOT,
        env=environment(bytecode_cache),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the launch failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return started, result
