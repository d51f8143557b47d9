"""PySide6 reads the source of every module imported after it: this keeps it from keeping them all.

PySide6 supports ``from __feature__ import snake_case, true_property`` by replacing ``__import__``:
each module imported once PySide6 is loaded is asked whether its source mentions "PySide6" (only
those can select features), through ``inspect.getsource``. That reads the file through
``linecache``, which keeps every line of it: after the desktop's start-up, the full source of 770
files (stdlib, SQLAlchemy, Flask, the sandbox's own), 27 MB of anonymous memory that clearing the
cache later gives back only in part (the lines are scattered among long-lived objects in Python's
allocator), and splitting every file into lines costs start-up CPU.

:func:`read_sources_without_caching` gives PySide6 the same answer from the module's loader (its
``get_source``, as ``inspect`` uses for a file it cannot find), without the cache. Should a PySide6
release drop or rename the check, nothing is replaced and it keeps its own.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

log = logging.getLogger("sandbox.desktop.startup")


def read_sources_without_caching() -> bool:
    """Replace PySide6's "does this module use PySide6?" check by one that caches nothing.

    Call once PySide6 is imported and before the app's modules are; True if the check was replaced.
    """
    try:
        # Loaded by PySide6 itself from its embedded support files (no type stubs describe it).
        feature = importlib.import_module("PySide6.support.feature")
    except ImportError:
        return False
    if not callable(getattr(feature, "_mod_uses_pyside", None)):
        log.debug("PySide6 has no per-module source check to replace")
        return False
    setattr(feature, "_mod_uses_pyside", mentions_pyside)  # noqa: B010 (a module without stubs)
    return True


def mentions_pyside(module: ModuleType) -> bool:
    """Whether ``module``'s source mentions PySide6 (False without source, as PySide6 answers)."""
    get_source = getattr(getattr(module, "__loader__", None), "get_source", None)
    spec = getattr(module, "__spec__", None)
    # The name the loader knows the module by (``__main__`` is loaded under its own name).
    name = getattr(spec, "name", None) or getattr(module, "__name__", None)
    if get_source is None or not isinstance(name, str):
        return False
    try:
        source = get_source(name)
    except (ImportError, OSError, SyntaxError, UnicodeDecodeError):
        return False
    return isinstance(source, str) and "PySide6" in source
