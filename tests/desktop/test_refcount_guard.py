"""PySide6 6.12 on Python 3.11 over-releases ``None`` and ``True``: the guard keeps a long session alive."""

from __future__ import annotations

import subprocess
import sys

import pytest

# More signals than True has references in the app (about 9,000), and more void calls than None has.
_SESSION = """
import sys
from PySide6.QtCore import QObject, QTimer, Signal
if sys.argv[1] == "guarded":
    from sandbox.desktop.none_refcount import keep_none_alive
    keep_none_alive()

class Source(QObject):
    changed = Signal(str)

source, timer = Source(), QTimer()
for _ in range(30_000):
    source.changed.emit("event")
    timer.setInterval(5)
print("still running")
"""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and the booleans are immortal from Python 3.12 on")
def test_a_long_session_of_signals_and_qt_calls_does_not_abort_the_interpreter() -> None:
    guarded = subprocess.run([sys.executable, "-c", _SESSION, "guarded"], capture_output=True, text=True, timeout=60)
    assert guarded.returncode == 0, guarded.stderr[-1000:]
    assert guarded.stdout.strip() == "still running"
    # Without the guard the same session aborts: what the guard is for.
    bare = subprocess.run([sys.executable, "-c", _SESSION, "bare"], capture_output=True, text=True, timeout=60)
    assert bare.returncode != 0 and "_dealloc" in bare.stderr
