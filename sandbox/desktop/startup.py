"""A faster start: QtWebEngine warms up while both systems start in a worker thread.

Chromium's helper processes (zygote, GPU, a first renderer) take a good part of a second to come
up, and so does starting both systems (databases, seeding, servers). Neither needs the other, so
they overlap: the GUI thread runs an event loop (releasing the GIL) while a throw-away page makes
QtWebEngine start its processes, and a worker thread starts the systems.

The worker thread also imports the window's modules (a few seconds of CPU on a slow machine), so
that work overlaps Chromium's start too. Only ``xmlsec`` is imported first, on the GUI thread: it
refuses to load ("lxml & xmlsec libxml2 library version mismatch") once Chromium has initialised,
and everything that signs or verifies SAML messages needs it.
"""

from __future__ import annotations

import importlib
import os
import threading
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QUrl, Signal
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile

from sandbox.settings import Settings

if TYPE_CHECKING:
    from sandbox.app import Sandbox


def configure_chromium(environ: dict[str, str] | None = None) -> None:
    """Chromium flags for this run; call before QtWebEngine initialises.

    Offscreen there is no GPU to use: Chromium would emulate one in software, which costs about
    60 MB (PSS) and buys nothing for these pages. With a display, the GPU is left alone.
    """
    env = os.environ if environ is None else environ
    if not env.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
        return
    flags = env.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "-gpu" not in flags:
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --disable-gpu".strip()


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


class _Finished(QObject):
    done = Signal()


class SandboxStarter:
    """Imports the app and starts the sandbox in a worker thread; the GUI thread keeps turning.

    ``preload`` names modules the worker imports once the sandbox runs (the window's), so that
    the GUI thread finds them loaded.
    """

    def __init__(self, settings: Settings, preload: tuple[str, ...] = ()) -> None:
        self.settings = settings
        self.preload = preload
        self.sandbox: Sandbox | None = None
        self.error: BaseException | None = None
        self._finished = _Finished()
        self._thread = threading.Thread(target=self._run, name="sandbox-start", daemon=True)

    def _run(self) -> None:
        try:
            from sandbox.app import Sandbox

            running = Sandbox(self.settings)
            running.start()
            self.sandbox = running
            for module in self.preload:
                importlib.import_module(module)
        except BaseException as error:
            self.error = error
        finally:
            self._finished.done.emit()

    def run(self) -> Sandbox:
        """Start and wait, processing GUI events meanwhile; re-raises what the start raised."""
        loop = QEventLoop()
        self._finished.done.connect(loop.quit)
        self._thread.start()
        # The signal may have fired before the loop runs; the thread's state decides.
        if self._thread.is_alive():
            loop.exec()
        self._thread.join()
        if self.error is not None:
            if self.sandbox is not None:
                self.sandbox.stop()
                self.sandbox = None
            raise self.error
        assert self.sandbox is not None
        return self.sandbox
