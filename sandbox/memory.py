"""Giving the C heap's free pages back to the system once a burst of one-off work is over.

Start-up builds and throws away a great deal (imports, both systems' apps, the window and its first
pages, each in its own thread), and glibc keeps most of what was freed inside its heaps, where it
still counts in the process's memory. ``malloc_trim(0)`` hands every whole free page of every
heap back (it keeps what is in use: no object moves). Other C libraries and platforms have no such
call, and there nothing is done.
"""

from __future__ import annotations

import ctypes
import logging
import os
import time
from collections.abc import Callable

log = logging.getLogger("sandbox.memory")


def _glibc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on another C library or platform."""
    try:
        # "glibc 2.36" under glibc; musl and other systems have no such name (ValueError) or no answer.
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, ValueError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_heap(reason: str) -> bool:
    """Give glibc's free heap pages back to the system; False where the C library cannot.

    A few milliseconds of CPU for a heap of tens of megabytes: call it after one-off work (start-up,
    a reset), not per request. ``reason`` is logged with the time it took.
    """
    trim = _glibc_malloc_trim()
    if trim is None:
        return False
    started = time.process_time()
    trim(0)
    log.debug("free heap pages given back after %s (%.1f ms of CPU)", reason, (time.process_time() - started) * 1000)
    return True
