"""A guard against PySide6 reference-counting bugs on Python 3.11.

Measured with PySide6 6.12 on CPython 3.11:

- every call into a Qt function that returns nothing (``widget.setEnabled(True)``,
  ``app.processEvents()``, ``beginInsertRows()`` …) or an invalid QVariant (``combo.currentData()`` of
  an item without data) drops one reference to ``None`` that it never took;
- every ``signal.emit(...)`` returns ``True`` without taking a reference to it, so each emit drops one
  reference to ``True``. With the app's modules loaded ``True`` has about 9,000 references: a long
  session's event log, traffic and provisioning signals would use them up.

Once such an object is "deallocated" the interpreter aborts (``Fatal Python error: none_dealloc`` or
``bool_dealloc``). From Python 3.12 on, ``None``, ``True`` and ``False`` are immortal and the bugs are
harmless. Here they get a reference count no session can exhaust, which is what 3.12 does by design.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 48


def keep_none_alive() -> None:
    """Give ``None``, ``True`` and ``False`` enough references that PySide6's over-releases never free them."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < _HEADROOM // 2:
            refcount.value += _HEADROOM
