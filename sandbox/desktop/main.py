"""``run_desktop``: bind both ports, open the window, then load the systems; stop everything when it closes."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QTimer

from sandbox.collector import paused_while_starting, settle_after_start_up
from sandbox.desktop.none_refcount import keep_none_alive
from sandbox.desktop.pyside_sources import read_sources_without_caching
from sandbox.errors import SAID_ON_THE_TERMINAL, SandboxStartupError
from sandbox.settings import Settings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from sandbox.desktop.window import MainWindow

log = logging.getLogger("sandbox.desktop")


def run_desktop(settings: Settings) -> int:
    """Run the desktop app until its window closes; 0 on a normal quit, 2 if the sandbox cannot start."""
    # Start-up imports several thousand modules' worth of classes and functions, which sets the
    # cyclic garbage collector off again and again for nothing to collect (a tenth of the import
    # time); it is switched back on once the first persona page has loaded.
    with paused_while_starting():
        return _run_desktop(settings)


def _run_desktop(settings: Settings) -> int:
    keep_none_alive()
    # Before the app's modules load: PySide6 would keep the source of each of them.
    read_sources_without_caching()
    from sandbox.desktop.startup import SandboxStarter, WebEngineWarmUp, configure_chromium, load_before_chromium

    configure_chromium()
    # QtWebEngine must be imported before the QApplication exists.
    from PySide6 import QtWebEngineWidgets  # noqa: F401
    from PySide6.QtWidgets import QApplication

    from sandbox.desktop.theme import apply_theme

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("SSO Sandbox")
    app.setApplicationDisplayName("SSO Sandbox")
    app.setOrganizationName("sso-sandbox")
    apply_theme(app)

    load_before_chromium()
    from sandbox.desktop.personas import END_USER
    from sandbox.desktop.splash import StartupSplash

    # Painted by the event loop the start below runs while it waits for JumpCloud.
    splash = StartupSplash()
    splash.show()
    warm_up = WebEngineWarmUp()
    # Both ports are bound first (a busy port is reported before the window opens); the systems load
    # once the first persona page is up (see startup.py). The window's modules load in the worker
    # meanwhile, while Chromium starts.
    starter = SandboxStarter(settings, first="jumpcloud", preload=("sandbox.desktop.window",))
    try:
        sandbox = starter.run()
    except SandboxStartupError as error:
        splash.close()
        warm_up.dispose()
        _cannot_start(None, settings, str(error))
        return 2

    from sandbox.desktop.heap_trim import HeapTrim
    from sandbox.desktop.window import MainWindow

    # The docks below the personas are built once the first persona page is up and the systems are open.
    window = MainWindow(sandbox, docks_after_first_page=True)
    window.first_page_loaded.connect(warm_up.dispose)
    window.first_page_loaded.connect(settle_after_start_up)
    window.first_page_loaded.connect(starter.continue_start)
    starter.opened.connect(window.systems_opened)
    starter.served.connect(window.system_served)
    # Start-up frees much of what it built (glibc keeps it): given back once every page and system is up.
    heap_trim = HeapTrim(window, sandbox)
    starter.served.connect(heap_trim.system_served)
    starter.failed.connect(window.system_failed)

    # The window's own loop rather than app.exec(): leaving it (the window closed, or the systems could not
    # be opened) ends the run without QCoreApplication.exit(), whose aboutToQuit QtWebEngine answers by
    # tearing itself down for good: nothing in the process could use it afterwards (the tests run the
    # desktop many times in one process).
    running = QEventLoop()
    window.closed.connect(lambda: running.exit(0))

    over = threading.Event()

    def cannot_start(message: str) -> None:
        if over.is_set():
            return  # the window has closed meanwhile: the run is over, there is nothing to say it over
        _cannot_start(window, settings, message)
        running.exit(2)

    starter.cannot_start.connect(cannot_start)
    stop_on_signal = _QuitOnSignal(window.close)
    try:
        window.show()
        splash.hand_over_to(window)
        window.start()
        visible = window.area.visible_browsers()
        if not (sandbox.answers_first_page and any(b.persona.key == END_USER.key for b in visible)):
            # No page on screen can be answered before the systems load: they load now.
            starter.open_now()
            if any(browser.persona.system != starter.first for browser in visible):
                starter.continue_start()  # a persona on screen waits for the system served second
        code = running.exec()
    finally:
        over.set()
        stop_on_signal.restore()
        warm_up.dispose()
        close_window(window)
        starter.finish()
        sandbox.stop()
    log.info("desktop closed")
    return int(code)


def _cannot_start(window: QWidget | None, settings: Settings, message: str) -> None:
    """The "SSO Sandbox cannot start" message, logged, on standard error and in a dialog; answered OK."""
    from PySide6.QtWidgets import QMessageBox

    from sandbox.desktop.dialogs import answered, message_box
    from sandbox.desktop.panel_text import stored_text_size
    from sandbox.desktop.window import LAYOUT_FILE

    log.error("%s", message, extra={SAID_ON_THE_TERMINAL: True})  # in the log file; the terminal gets the print
    print(f"sso-sandbox: {message}", file=sys.stderr)
    # The text size the reader chose in the window last time, from its layout file.
    scale = stored_text_size(settings.data_dir / LAYOUT_FILE).scale
    box = message_box(
        window, "startupError", "SSO Sandbox cannot start", message, icon=QMessageBox.Icon.Critical, scale=scale
    )
    box.addButton(QMessageBox.StandardButton.Ok)
    answered(box)


def close_window(window: MainWindow) -> None:
    """Close the window (saving its layout) and free every browser before the servers stop."""
    window.close()
    window.shutdown()
    _settle(QCoreApplication.instance())  # type: ignore[arg-type]


def _settle(app: QCoreApplication, milliseconds: int = 300) -> None:
    """Run the event loop briefly so QtWebEngine finishes tearing down and closes its connections."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class _QuitOnSignal:
    """SIGINT/SIGTERM close the window like File › Quit (so the layout is saved and all stops).

    Python only runs signal handlers between bytecodes, which never happens while Qt sleeps in
    its event loop; a wake-up socket watched by Qt lets the handler run promptly.
    """

    def __init__(self, quit_app: object) -> None:
        from PySide6.QtCore import QSocketNotifier

        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._quit = quit_app
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d received, closing the window", signum)
        self._quit()  # type: ignore[operator]

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self._reader.recv(64)

    def restore(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()
