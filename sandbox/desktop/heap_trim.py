"""When the desktop gives its free heap pages back: once start-up has settled, and after each reset."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from sandbox.memory import release_free_heap

if TYPE_CHECKING:
    from sandbox.app import Sandbox
    from sandbox.desktop.window import MainWindow

#: How long after the last piece of start-up (or a reset) the heap is trimmed: the page that just
#: loaded is painted and its renderer's messages are handled by then.
SETTLE_MS = 500


class HeapTrim(QObject):
    """Trims the C heap (:func:`sandbox.memory.release_free_heap`) after the window's one-off work.

    Start-up is over once every persona's first page has loaded and both systems serve (BlogIn may
    be served after the first pages); a reset or a scenario that replaces the sandbox's state frees
    the old state's objects. ``trim`` is called with the reason, once per such moment.
    """

    def __init__(
        self,
        window: MainWindow,
        sandbox: Sandbox,
        trim: Callable[[str], bool] = release_free_heap,
        settle_ms: int = SETTLE_MS,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._sandbox = sandbox
        self._trim = trim
        self._started = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(settle_ms)
        self._timer.timeout.connect(self._run)
        self._reason = ""
        for browser in window.browsers.values():
            browser.first_load_finished.connect(self._persona_loaded)
        window.sandbox_replaced.connect(self._sandbox_replaced)

    @property
    def start_up_over(self) -> bool:
        """Whether every persona has loaded its first page and both systems serve."""
        from sandbox.app import SYSTEMS

        return self._window.all_personas_loaded and all(self._sandbox.serving(key) for key in SYSTEMS)

    @Slot(str)
    def system_served(self, _key: str) -> None:
        """A system served after the window opened: start-up may be over now."""
        self._check_start_up()

    @Slot(str, bool)
    def _persona_loaded(self, _key: str, _ok: bool) -> None:
        self._check_start_up()

    def _check_start_up(self) -> None:
        if not self._started and self.start_up_over:
            self._started = True
            self._schedule("start-up")

    @Slot()
    def _sandbox_replaced(self) -> None:
        self._schedule("the sandbox's state was replaced")

    def _schedule(self, reason: str) -> None:
        self._reason = reason
        self._timer.start()  # a later call restarts the wait: one trim after a burst

    @Slot()
    def _run(self) -> None:
        self._trim(self._reason)
