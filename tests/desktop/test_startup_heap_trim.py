"""The desktop gives its free heap back once start-up is over, and again after its state is replaced."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.heap_trim import HeapTrim
from sandbox.desktop.main import close_window
from sandbox.desktop.theme import apply_theme
from sandbox.desktop.window import MainWindow
from tests.desktop.conftest import LOAD_TIMEOUT_MS

START_UP = "start-up"
REPLACED = "the sandbox's state was replaced"


class _Systems:
    """Which systems serve, as the window's sandbox would answer while BlogIn is still starting."""

    def __init__(self, *serving: str) -> None:
        self.keys = set(serving)

    def serving(self, key: str) -> bool:
        return key in self.keys


def test_the_heap_is_trimmed_once_every_persona_has_loaded_and_after_each_replacement(
    qtbot: QtBot, qapp: QApplication, module_sandbox: Sandbox
) -> None:
    apply_theme(qapp)
    window = MainWindow(module_sandbox)
    trims: list[str] = []
    HeapTrim(window, module_sandbox, trim=lambda reason: trims.append(reason) or True, settle_ms=50)
    try:
        window.show()
        window.start()
        qtbot.waitUntil(lambda: window.all_personas_loaded, timeout=LOAD_TIMEOUT_MS)
        qtbot.waitUntil(lambda: trims == [START_UP], timeout=5_000)

        # A burst of replacements (a reset, then a scenario) gives one trim once it is over.
        window.sandbox_replaced.emit()
        window.sandbox_replaced.emit()
        qtbot.waitUntil(lambda: len(trims) == 2, timeout=5_000)
        qtbot.wait(200)
        assert trims == [START_UP, REPLACED]
    finally:
        close_window(window)


def test_start_up_is_over_only_once_the_system_started_after_the_window_serves(
    qtbot: QtBot, qapp: QApplication, module_sandbox: Sandbox
) -> None:
    apply_theme(qapp)
    window = MainWindow(module_sandbox)
    systems = _Systems("jumpcloud")
    trims: list[str] = []
    heap_trim = HeapTrim(window, systems, trim=lambda reason: trims.append(reason) or True, settle_ms=0)  # type: ignore[arg-type]
    try:
        window.show()
        window.start()
        qtbot.waitUntil(lambda: window.all_personas_loaded, timeout=LOAD_TIMEOUT_MS)
        qtbot.wait(200)
        assert trims == [] and not heap_trim.start_up_over

        systems.keys.add("blogin")
        heap_trim.system_served("blogin")
        qtbot.waitUntil(lambda: trims == [START_UP], timeout=5_000)
        heap_trim.system_served("blogin")  # start-up ends once
        qtbot.wait(200)
        assert trims == [START_UP]
    finally:
        close_window(window)
