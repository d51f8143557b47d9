"""A faster start: the first persona page comes first, the systems load after it.

Chromium's helper processes (zygote, GPU, a first renderer) take a good part of a second to come up,
and loading both systems (SQLAlchemy, their models, databases, Flask apps) takes about as long in the
window's own process, whose interpreter lock the window's start shares. So the start goes in steps:

1. a worker thread binds both ports (a busy port is reported before the window opens) and imports the
   window's modules, while the GUI thread runs an event loop and a throw-away page makes QtWebEngine
   start its processes;
2. the window opens; the End User's first page (the User Console's login) is answered on JumpCloud's
   port from what JumpCloud answered in an earlier run (``sandbox.first_page``); the other personas'
   pages wait on their ports;
3. once that page has loaded (:meth:`SandboxStarter.continue_start`), the worker loads both systems,
   opens their databases (an unreadable one is reported then, :attr:`SandboxStarter.cannot_start`)
   and serves JumpCloud, then BlogIn.

When nothing on screen can be answered before the systems load (a first run, or only an admin persona
on screen), the desktop lets the worker go on at once (:meth:`SandboxStarter.open_now`): JumpCloud is
served first and BlogIn once the first page is up, unless a BlogIn persona is on screen.

Only ``xmlsec`` is imported first, on the GUI thread: it refuses to load ("lxml & xmlsec libxml2
library version mismatch") once Chromium has initialised, and everything that signs or verifies SAML
messages needs it.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile

from sandbox.settings import Settings

if TYPE_CHECKING:
    from sandbox.app import Sandbox

log = logging.getLogger("sandbox.desktop.startup")


def configure_chromium(environ: dict[str, str] | None = None) -> None:
    """Chromium flags for this run; call before QtWebEngine initialises.

    Offscreen there is no GPU to use: Chromium would emulate one in software, which costs about
    60 MB (PSS) and buys nothing for these pages. With a display, the GPU is left alone.

    Renderers are started by Chromium's zygote even with its sandbox off (as it must be for root):
    each of the three renderers started directly holds its own relocated copy of QtWebEngine's
    read-only data (5.8 MB), which renderers forked from the zygote share. That is 7 MB less for the
    whole app (unshared, steady state, zygotes included) for about 0.1 s longer in QtWebEngine's
    start, spent waiting (0.01 s of CPU). A ``--no-zygote`` given in ``QTWEBENGINE_CHROMIUM_FLAGS``
    is kept.
    """
    env = os.environ if environ is None else environ
    flags = env.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    if env.get("QT_QPA_PLATFORM", "").startswith("offscreen") and not any("-gpu" in flag for flag in flags):
        flags.append("--disable-gpu")
    if flags:
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)


def load_before_chromium() -> None:
    """Import the native libraries that cannot load once Chromium has initialised; call before the warm-up."""
    import xmlsec  # noqa: F401


class WebEngineWarmUp:
    """A blank page on its own off-the-record profile, deleted once real pages have loaded."""

    def __init__(self) -> None:
        self._profile: QWebEngineProfile | None = QWebEngineProfile()
        self._page: QWebEnginePage | None = QWebEnginePage(self._profile)
        self._page.load(QUrl("about:blank"))

    def dispose(self) -> None:
        # The page goes before its profile, or QtWebEngine complains and may crash on exit.
        if self._page is not None:
            shiboken6.delete(self._page)
            self._page = None
        if self._profile is not None:
            shiboken6.delete(self._profile)
            self._profile = None


class _Progress(QObject):
    bound = Signal()
    opened = Signal()
    served = Signal(str)  # system key
    failed = Signal(str)  # message
    cannot_start = Signal(str)  # message


class SandboxStarter:
    """Binds the ports and starts the sandbox in a worker thread; the GUI thread keeps turning.

    :meth:`run` returns the :class:`Sandbox` once both ports are bound and ``preload`` (the window's
    modules) is imported; it raises the start-up error (a port in use) if binding failed. The worker
    then waits: :meth:`open_now` lets it load both systems and serve ``first``, :meth:`continue_start`
    lets it go on to the end (the desktop calls it once the first page has loaded). :attr:`opened`
    tells when both databases are open, :attr:`served` when a system serves, :attr:`failed` when one
    could not be served and :attr:`cannot_start` when the systems could not be opened (an unreadable
    database, a scenario that cannot be loaded): nothing is left running then.
    :meth:`finish` waits for the worker.
    """

    def __init__(self, settings: Settings, first: str = "jumpcloud", preload: tuple[str, ...] = ()) -> None:
        self.settings = settings
        self.first = first
        self.preload = preload
        self.sandbox: Sandbox | None = None
        self.error: BaseException | None = None
        self._progress = _Progress()
        self.opened = self._progress.opened
        self.served = self._progress.served
        self.failed = self._progress.failed
        self.cannot_start = self._progress.cannot_start
        self._bound = threading.Event()
        self._open = threading.Event()
        self._go_on = threading.Event()
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="sandbox-start", daemon=True)

    def _run(self) -> None:
        try:
            from sandbox.app import Sandbox

            running = Sandbox(self.settings, first_page=True)
            running.bind_ports()
            self.sandbox = running
            for module in self.preload:
                importlib.import_module(module)
        except BaseException as error:
            self.error = error
            return
        finally:
            self._bound.set()
            self._progress.bound.emit()
        self._open.wait()
        if self._cancelled:
            return
        try:
            running.open_systems()
        except Exception as error:
            log.exception("the sandbox could not open its systems")
            self.cannot_start.emit(str(error))
            return
        self.opened.emit()
        self._serve(running)

    def _serve(self, running: Sandbox) -> None:
        from sandbox.app import SYSTEMS

        for key in (self.first, *(key for key in SYSTEMS if key != self.first)):
            if key != self.first:
                self._go_on.wait()
            if self._cancelled:
                return
            try:
                running.serve(key)
            except Exception as error:
                label = "JumpCloud" if key == "jumpcloud" else "BlogIn"
                log.exception("%s could not start", label)
                self.failed.emit(f"{label} could not start: {error}")
                return
            self.served.emit(key)

    def open_now(self) -> None:
        """Load the systems and serve the first now, without waiting for a first page (once)."""
        self._open.set()

    def continue_start(self) -> None:
        """Load the systems, if not yet, and serve both (once; later calls do nothing)."""
        self._open.set()
        self._go_on.set()

    def finish(self) -> None:
        """Before stopping the sandbox: let the worker end (a system being opened or served finishes first)."""
        self._cancelled = True
        self._open.set()
        self._go_on.set()
        if self._thread.is_alive():
            self._thread.join()

    def run(self) -> Sandbox:
        """Bind the ports and wait until they are, processing GUI events meanwhile.

        Re-raises what binding raised (nothing is left bound then).
        """
        loop = QEventLoop()
        self._progress.bound.connect(loop.quit)
        self._thread.start()
        # The signal may have fired before the loop runs; the worker's state decides.
        if not self._bound.is_set():
            loop.exec()
        if self.error is not None:
            self._thread.join()
            if self.sandbox is not None:
                self.sandbox.stop()
                self.sandbox = None
            raise self.error
        assert self.sandbox is not None
        return self.sandbox
