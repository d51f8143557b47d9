"""A faster start: QtWebEngine warms up while both systems start in a worker thread.

Chromium's helper processes (zygote, GPU, a first renderer) take a good part of a second to come
up, and so does starting both systems (databases, seeding, servers). Neither needs the other, so
they overlap: the GUI thread runs an event loop (releasing the GIL) while a throw-away page makes
QtWebEngine start its processes, and a worker thread starts the systems. The first persona pages
are JumpCloud's, so JumpCloud is served first and BlogIn's web layer is built once the first page
has loaded (both ports are bound and both databases open before the window appears).

The worker thread also imports the window's modules (a few seconds of CPU on a slow machine), so
that work overlaps Chromium's start too. Only ``xmlsec`` is imported first, on the GUI thread: it
refuses to load ("lxml & xmlsec libxml2 library version mismatch") once Chromium has initialised,
and everything that signs or verifies SAML messages needs it.
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
    first_served = Signal()
    served = Signal(str)  # system key
    failed = Signal(str)  # message


class SandboxStarter:
    """Imports the app and starts the sandbox in a worker thread; the GUI thread keeps turning.

    The worker binds both systems' ports and opens both databases (so every start-up error is
    reported before the window opens), serves ``first`` and imports ``preload`` (the window's
    modules); :meth:`run` returns then. The other system is served once :meth:`continue_start`
    is called (the desktop calls it when its first page has loaded, or at once when a persona
    on screen needs that system), so building it does not compete with the first page for the
    interpreter. :attr:`served` tells when it serves; :meth:`finish` waits for the worker.
    """

    def __init__(self, settings: Settings, first: str = "jumpcloud", preload: tuple[str, ...] = ()) -> None:
        self.settings = settings
        self.first = first
        self.preload = preload
        self.sandbox: Sandbox | None = None
        self.error: BaseException | None = None
        self._progress = _Progress()
        self.served = self._progress.served
        self.failed = self._progress.failed
        self._first_done = threading.Event()
        self._go_on = threading.Event()
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="sandbox-start", daemon=True)

    def _run(self) -> None:
        try:
            from sandbox.app import Sandbox

            running = Sandbox(self.settings)
            running.bind()
            running.serve(self.first)
            self.sandbox = running
            for module in self.preload:
                importlib.import_module(module)
        except BaseException as error:
            self.error = error
            return
        finally:
            self._first_done.set()
            self._progress.first_served.emit()
        self._serve_the_rest(running)

    def _serve_the_rest(self, running: Sandbox) -> None:
        from sandbox.app import SYSTEMS

        try:
            running.prepare(self.first)
        except Exception:  # the first request would meet the same error, and report it
            log.exception("could not set up %s's mappers ahead of its first request", self.first)
        self._go_on.wait()
        for key in SYSTEMS:
            if running.serving(key):
                continue
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

    def continue_start(self) -> None:
        """Serve the other system now (once; later calls do nothing)."""
        self._go_on.set()

    def finish(self) -> None:
        """Before stopping the sandbox: let the worker end (a system being served finishes first)."""
        self._cancelled = True
        self._go_on.set()
        if self._thread.is_alive():
            self._thread.join()

    def run(self) -> Sandbox:
        """Start and wait until the first system serves, processing GUI events meanwhile.

        Re-raises what the start raised (nothing is left running then).
        """
        loop = QEventLoop()
        self._progress.first_served.connect(loop.quit)
        self._thread.start()
        # The signal may have fired before the loop runs; the worker's state decides.
        if not self._first_done.is_set():
            loop.exec()
        if self.error is not None:
            self._thread.join()
            if self.sandbox is not None:
                self.sandbox.stop()
                self.sandbox = None
            raise self.error
        assert self.sandbox is not None
        return self.sandbox
