"""``sso-sandbox serve`` stops on SIGINT and SIGTERM, whenever they arrive."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from sandbox.cli import _StopSignals


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_that_arrives_before_the_wait_still_ends_it(signum: int) -> None:
    stop = _StopSignals()
    try:
        os.kill(os.getpid(), signum)
        started = time.monotonic()
        stop.wait()
        assert time.monotonic() - started < 1.0
    finally:
        stop.close()


def test_a_signal_during_the_wait_ends_it() -> None:
    stop = _StopSignals()
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        started = time.monotonic()
        timer.start()
        stop.wait()
        assert 0.15 < time.monotonic() - started < 5.0
    finally:
        timer.cancel()
        stop.close()


def _wakeup_fd() -> int:
    current = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(current)
    return current


def test_closing_gives_the_signals_back() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), _wakeup_fd()
    stop = _StopSignals()
    assert signal.getsignal(signal.SIGTERM) is not before[0]
    assert _wakeup_fd() != before[2]
    stop.close()
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), _wakeup_fd()) == before
