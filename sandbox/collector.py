"""When Python's cyclic garbage collector runs in a sandbox process.

Start-up imports and builds some hundred thousand long-lived objects (modules, classes, functions,
SQLAlchemy's mappers and compiled statements, Flask's apps) and frees almost nothing, so the
collector runs again and again during it for nothing to collect: the entry points pause it while
starting. Once the systems serve, those objects are moved out of the collector's sight
(``gc.freeze``): every later full collection would otherwise walk all of them again. Serving then
leaves few objects in reference cycles per request (SQLAlchemy Sessions and Flask's request objects
mostly), so the youngest generation is collected after more allocations than Python's default 700.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.memory import release_free_heap

#: Net container allocations before a young collection (Python's default is 700). With start-up's
#: objects frozen, the collector's CPU per SSO round trip went from 1.1-1.4 ms to 0.6-0.8 ms at
#: 700 or 5,000 alike (and full collections, 100 ms and more over an unfrozen heap, became rare);
#: 20,000 did worse, each young collection then finding more survivors to walk.
YOUNG_THRESHOLD = 5_000


@contextmanager
def paused_while_starting() -> Iterator[None]:
    """Pause the collector for a start-up; it comes back on at the end whether or not start-up worked.

    A start-up that succeeded should call :func:`settle_after_start_up` once it serves; this only
    makes sure the collector is never left off.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def settle_after_start_up() -> None:
    """Collect for the running app: start-up's objects frozen, young collections less often, on.

    What start-up freed and glibc kept in its heaps goes back to the system too (4 MB for
    ``sso-sandbox serve`` on a first run; the desktop trims again once all its pages are up).
    """
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
    gc.enable()
    release_free_heap("start-up")
