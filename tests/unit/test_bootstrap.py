"""The set-up scripts: the interpreter of a new virtual environment, and what ``scripts/run`` says without a display."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().parents[2] / "scripts" / "_bootstrap.sh"


def choose_python(**environment: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "SSO_SANDBOX_PYTHON"}
    env.update(environment)
    done = subprocess.run(
        ["bash", "-c", f'source "{BOOTSTRAP}"; choose_python'], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_interpreter_named_in_the_environment_is_used() -> None:
    assert choose_python(SSO_SANDBOX_PYTHON="/opt/python3.13/bin/python3") == "/opt/python3.13/bin/python3"


def test_the_chosen_interpreter_is_new_enough_and_can_make_a_virtual_environment() -> None:
    python = choose_python()
    check = "import sys, ensurepip, venv; print(sys.version_info >= (3, 11))"
    assert subprocess.run([python, "-c", check], capture_output=True, text=True, check=True).stdout.strip() == "True"


def test_the_distributions_python_is_preferred_when_it_can_serve() -> None:
    system = Path("/usr/bin/python3")
    check = "import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))"
    usable = system.exists() and subprocess.run([str(system), "-c", check], capture_output=True).returncode == 0
    assert (choose_python() == str(system)) is usable


RUN = BOOTSTRAP.parent / "run"


def run_script(tmp_path: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """``scripts/run`` with a stand-in virtual environment whose ``sso-sandbox`` prints its arguments."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    for name, body in (
        ("python", "exit 0"),
        ("sso-sandbox", 'echo "sso-sandbox $* (QT_QPA_PLATFORM=$QT_QPA_PLATFORM)"'),
    ):
        script = venv / "bin" / name
        script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        script.chmod(0o755)
    (venv / ".sso-sandbox-installed").touch()
    hidden = {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    env.update(SSO_SANDBOX_VENV=str(venv), **environment)
    return subprocess.run([str(RUN), *args], env=env, capture_output=True, text=True, timeout=60, check=True)


def test_run_without_a_display_says_the_window_cannot_be_seen_and_names_serve(tmp_path: Path) -> None:
    done = run_script(tmp_path, "--data-dir", str(tmp_path / "data"))
    assert done.stdout == f"sso-sandbox --data-dir {tmp_path / 'data'} (QT_QPA_PLATFORM=offscreen)\n"
    assert "No display" in done.stderr and "cannot be seen" in done.stderr
    assert "./scripts/run serve runs both systems headless" in done.stderr


def test_run_says_nothing_of_the_display_for_serve_for_help_or_with_a_display(tmp_path: Path) -> None:
    for args, environment in (
        (("serve", "--jumpcloud-port", "0"), {}),
        (("--help",), {}),
        ((), {"DISPLAY": ":0"}),
        ((), {"QT_QPA_PLATFORM": "offscreen"}),
    ):
        done = run_script(tmp_path, *args, **environment)
        assert done.stdout.startswith(f"sso-sandbox {' '.join(args)}".rstrip() + " ")
        assert "No display" not in done.stderr
