"""The desktop tests' ``wait_for`` refuses at once without a QApplication instead of waiting for ever."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WITHOUT_APPLICATION = """
from tests.desktop.conftest import wait_for
try:
    wait_for(lambda: False, 60_000)
except RuntimeError as refused:
    print("refused:", refused)
"""


def test_wait_for_without_an_application_fails_fast_and_says_why() -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_APPLICATION],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )
    assert done.returncode == 0, done.stderr
    assert "refused: wait_for needs a running QApplication" in done.stdout
    assert "'qapp' fixture" in done.stdout
    # The condition's own timeout was a minute: the refusal came long before it.
    assert time.monotonic() - started < 45


def test_wait_for_with_the_application_still_waits_for_the_condition(qapp: object) -> None:
    from tests.desktop.conftest import wait_for

    moment = time.monotonic() + 0.2
    wait_for(lambda: time.monotonic() > moment, 5_000)
    assert time.monotonic() > moment
