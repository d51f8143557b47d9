"""A guard against a PySide6 reference-counting bug on Python 3.11.

Measured with PySide6 6.12 on CPython 3.11: every call into a Qt function that returns nothing
(``widget.setEnabled(True)``, ``app.processEvents()``, ``beginInsertRows()`` …) or an invalid
QVariant (``combo.currentData()`` of an item without data) drops one reference to ``None``
that it never took. After some tens of thousands of such calls ``None`` is "deallocated" and
the interpreter aborts with ``Fatal Python error: none_dealloc``. From Python 3.12 on, ``None``
is immortal and the bug is harmless. Here ``None`` gets a reference count no session can
exhaust, which is what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 48


def keep_none_alive() -> None:
    """Give ``None`` enough references that PySide6's over-release can never free it."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < _HEADROOM // 2:
        refcount.value += _HEADROOM
