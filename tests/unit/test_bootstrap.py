"""The set-up scripts' choice of interpreter for a new virtual environment."""

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
