"""One persona's browser: navigation bar, address field and the web view."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QChildEvent, QEvent, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QWheelEvent
from PySide6.QtWebEngineCore import (
    QWebEngineDownloadRequest,
    QWebEnginePage,
    QWebEnginePermission,
    QWebEngineProfile,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QStyle,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from sandbox.desktop.address import is_local_host, read_address
from sandbox.desktop.panel_text import chosen_text_scale
from sandbox.desktop.personas import Persona
from sandbox.desktop.theme import external_link_icon, home_icon
from sandbox.desktop.waiting import PageWaiting, PaintWatch
from sandbox.desktop.zoom import ACTUAL_SIZE, is_actual_size, zoom_label

if TYPE_CHECKING:
    from sandbox.desktop.downloads import DownloadBar, PersonaDownloads

log = logging.getLogger("sandbox.desktop.browser")


#: one notch of a mouse wheel (QWheelEvent.angleDelta)
WHEEL_NOTCH = 120
ZOOM_IN, ZOOM_OUT, ZOOM_RESET = 1, -1, 0


class PersonaPage(QWebEnginePage):
    """A persona's page: a link that opens a new tab or window (a Bookmark Application's tile in the
    User Console) opens in this same browser instead, where Back returns; without this, nothing happened.

    A page's request for a permission is answered at once, since nobody is shown a question: unanswered,
    it waits for ever (the Clipboard API's promise never settles, so a Copy button did nothing). Pages on
    this computer (the sandbox's portals, an app a developer runs beside them) may use the clipboard, as a
    browser lets a page copy on a click; every other request, and every other page, is refused, which
    the page hears as a refusal it can handle.

    A file input's chooser ("Browse…", Upload Metadata) opens in the folder downloads go to, where the
    metadata file just downloaded is.
    """

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.permissionRequested.connect(self._answer_permission)
        #: the folder a file chooser opens in (the browser points it at its downloads' folder)
        self.file_chooser_folder: Callable[[], Path] = Path.home

    def chooseFiles(
        self, mode: QWebEnginePage.FileSelectionMode, old_files: Sequence[str], accepted_types: Sequence[str]
    ) -> list[str]:
        from sandbox.desktop.downloads import choose_files  # loaded when first needed, not at start-up

        folder = self.file_chooser_folder()
        log.info("a page asked for files (%s): the chooser opens in %s", mode.name, folder)
        return choose_files(QWebEngineView.forPage(self), mode, old_files, accepted_types, folder)

    def createWindow(self, kind: QWebEnginePage.WebWindowType) -> QWebEnginePage:
        log.info("a page asked for a new %s: opened in the same persona browser", kind.name)
        return self

    def _answer_permission(self, permission: QWebEnginePermission) -> None:
        kind = permission.permissionType()
        origin = permission.origin()
        if kind == QWebEnginePermission.PermissionType.ClipboardReadWrite and is_local_host(origin.host()):
            permission.grant()
            return
        log.info("refused %s to %s", kind.name, origin.toString())
        permission.deny()


class PersonaBrowser(QWidget):
    """A browser for one persona, on that persona's own profile (its own cookies)."""

    first_load_finished = Signal(str, bool)  # persona key, ok
    #: ZOOM_IN, ZOOM_OUT (Ctrl+wheel over the page) or ZOOM_RESET (the zoom level next to the address clicked)
    zoom_requested = Signal(int)
    #: words for the status bar: why the address field's text was not opened, or that it leaves the sandbox
    status_message = Signal(str)

    def __init__(self, persona: Persona, profile: QWebEngineProfile, start_url: Callable[[], str]) -> None:
        super().__init__()
        self.persona = persona
        self.setObjectName(f"persona-{persona.key}")
        self._start_url = start_url
        self._started_at: float | None = None
        self._first_load_reported = False
        #: the sandbox's own host names and their ports, so an address typed without its port reaches them
        self.local_ports: Callable[[], dict[str, int]] = dict
        #: whether the start page is known to wait for its system (still starting): the pane says so at once
        self.start_page_waits: Callable[[], bool] = lambda: False
        #: whether the last thing said in the status bar was why a typed address was not opened
        self._refusal_said = False

        self.view = QWebEngineView(self)
        self.page = PersonaPage(profile, self.view)
        self.view.setPage(self.page)
        self.page.file_chooser_folder = lambda: self._persona_downloads().folder()
        profile.downloadRequested.connect(self._download_requested)
        self._downloads: PersonaDownloads | None = None
        self.download_bar: DownloadBar | None = None
        # Chromium zooms on Ctrl+wheel by steps of its own, unseen by the window: the window zooms instead.
        self._wheel_zoom = _WheelZoom(self)
        self.view.installEventFilter(self._wheel_zoom)
        self._wheel_zoom.watch(self.view.focusProxy())

        style = self.style()
        self.back_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Back")
        self.forward_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_ArrowForward), "Forward")
        self.reload_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "Reload")
        self.home_button = self._tool_button(home_icon(), f"Start page of {persona.title}")
        self.address = QLineEdit()
        self.address.setObjectName("address")
        self.address.setClearButtonEnabled(True)
        self.address.setPlaceholderText("Address")
        self.zoom_button = QToolButton()
        self.zoom_button.setObjectName("zoomLevel")
        self.zoom_button.setAutoRaise(True)
        self.zoom_button.hide()
        self.external_button = self._tool_button(external_link_icon(), "Open in system browser")

        self.back_button.clicked.connect(self.view.back)
        self.forward_button.clicked.connect(self.view.forward)
        self.reload_button.clicked.connect(self._reload_or_stop)
        self.home_button.clicked.connect(self.go_home)
        self.address.returnPressed.connect(self._navigate_to_address)
        # Escape in the address field: as in a browser, the page's address comes back and the page has the keys.
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.address, context=Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(self.leave_address)
        self.external_button.clicked.connect(self.open_in_system_browser)
        self.zoom_button.clicked.connect(lambda: self.zoom_requested.emit(ZOOM_RESET))

        bar = QFrame()
        bar.setObjectName("navigationBar")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(6, 4, 6, 4)
        bar_layout.setSpacing(2)
        for button in (self.back_button, self.forward_button, self.reload_button, self.home_button):
            bar_layout.addWidget(button)
        bar_layout.addSpacing(4)
        bar_layout.addWidget(self.address, 1)
        bar_layout.addSpacing(4)
        bar_layout.addWidget(self.zoom_button)
        bar_layout.addWidget(self.external_button)

        self.progress = QProgressBar()
        self.progress.setObjectName("loadProgress")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(2)
        self.progress.setRange(0, 100)
        self.progress.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.progress)
        # The waiting state shares the page's place, above it.
        self.waiting = PageWaiting(persona.colour, self._waiting_text_scale)
        self._paint_watch = PaintWatch(self.view, self.waiting, persona.key, lambda: self.start_page_waits())
        page_place = QGridLayout()
        page_place.addWidget(self.view, 0, 0)
        page_place.addWidget(self.waiting, 0, 0)
        layout.addLayout(page_place, 1)

        self.view.urlChanged.connect(self._show_url)
        self.view.loadStarted.connect(self._load_started)
        self.view.loadProgress.connect(self.progress.setValue)
        self.view.loadFinished.connect(self._load_finished)
        self._update_history_buttons()

    def _tool_button(self, icon: object, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(icon)  # type: ignore[arg-type]
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        return button

    @property
    def started(self) -> bool:
        return self._started_at is not None

    def start(self) -> None:
        """Open the persona's start page (once; later calls do nothing)."""
        if self._started_at is None:
            self._started_at = time.monotonic()
            # Until the start page has loaded (its system may still be starting), the empty field says so.
            self.address.setPlaceholderText(f"Opening {self.persona.subtitle}…")
            self.go_home()

    def go_home(self) -> None:
        """Open the start page afresh; for an admin persona this signs in again."""
        url = QUrl(self._start_url())
        self.view.load(url)
        self._paint_watch.opening_start_page(url)

    def restart(self) -> None:
        """Forget cookies and history, then open the start page: as after a first launch."""
        # Not clearHttpCache(): it runs asynchronously and cancels the navigation that follows.
        self.page.profile().cookieStore().deleteAllCookies()
        self.page.history().clear()
        self._started_at = time.monotonic()
        # The page shown is of the state just replaced: the pane waits as on a first launch.
        self._paint_watch.forget_page()
        self.go_home()

    def navigate(self, address: str) -> bool:
        """Open ``address`` (a URL, or what a user typed); refused when it is no web address (see address.py)."""
        read = read_address(address, self.local_ports())
        if not read.accepted:
            log.info("persona %s: address not opened (%s)", self.persona.key, read.refusal)
            QToolTip.showText(self.address.mapToGlobal(QPoint(0, self.address.height())), read.refusal, self.address)
            self.status_message.emit(read.refusal)
            self._refusal_said = True
            return False
        if self._refusal_said:
            # The address now typed is opened: the reason the one before was not no longer stands beside it.
            self._refusal_said = False
            self.status_message.emit("")
        host = read.url.host()
        if read.url.scheme() != "about" and not is_local_host(host, self.local_ports()):
            # A typo in a sandbox host name reaches for the internet: said, so it is not a mystery.
            self.status_message.emit(f"{host} is outside the sandbox: the page comes from the internet, if any.")
        self.view.load(read.url)
        return True

    # -- zoom ---------------------------------------------------------------------------------

    @property
    def zoom_factor(self) -> float:
        return self.view.zoomFactor()

    def set_zoom(self, factor: float) -> None:
        """Zoom this persona's pages to ``factor`` (1.0 = 100 %); a level other than 100 % shows by the address."""
        self.view.setZoomFactor(factor)
        self.waiting.rescale()
        if is_actual_size(factor):
            self.zoom_button.hide()
        else:
            self.zoom_button.setText(zoom_label(factor))
            tip = f"Zoom {zoom_label(factor)} — click to go back to {zoom_label(ACTUAL_SIZE)}"
            self.zoom_button.setToolTip(tip)
            self.zoom_button.setAccessibleName(tip)
            self.zoom_button.show()

    def focus_address(self) -> None:
        """Ctrl+L: the address field takes the keyboard with its text selected, ready to type over."""
        self.address.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.address.selectAll()

    def leave_address(self) -> None:
        """Escape: what was typed is dropped, the current page's address shown again, the page focused."""
        self.address.setText(self.view.url().toDisplayString())
        self.address.setModified(False)
        self.address.setCursorPosition(0)
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_in_system_browser(self) -> bool:
        """Hand the current page to the desktop's default browser (without this persona's cookies).

        When no browser can be started, a dialog says so and offers the address to copy.
        """
        from sandbox.desktop.dialogs import open_in_system_browser  # loaded when first needed, not at start-up

        note = f"That browser does not share {self.persona.title}'s sign-in: it starts signed out."
        return open_in_system_browser(self, self.view.url(), note)

    def _navigate_to_address(self) -> None:
        if self.navigate(self.address.text()):
            self.address.setModified(False)
            self.view.setFocus()
        else:
            self.address.selectAll()

    def _reload_or_stop(self) -> None:
        if self.progress.isVisible():
            self.view.stop()
        else:
            self.view.reload()

    def _show_url(self, url: QUrl) -> None:
        # While the user is typing, the field is theirs.
        if not self.address.hasFocus() or not self.address.isModified():
            self.address.setText(url.toDisplayString())
            self.address.setModified(False)
            self.address.setCursorPosition(0)
        self._update_history_buttons()

    def _load_started(self) -> None:
        self.progress.setValue(0)
        self.progress.show()
        self.reload_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserStop))
        self.reload_button.setToolTip("Stop")

    def _load_finished(self, ok: bool) -> None:
        self.progress.hide()
        self.reload_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.reload_button.setToolTip("Reload")
        self._update_history_buttons()
        if not self._first_load_reported and self._started_at is not None:
            self._first_load_reported = True
            self.address.setPlaceholderText("Address")
            log.info(
                "persona %s loaded its first page in %.0f ms (%s)",
                self.persona.key,
                (time.monotonic() - self._started_at) * 1000,
                "ok" if ok else "failed",
            )
            self.first_load_finished.emit(self.persona.key, ok)

    # -- downloads ----------------------------------------------------------------------------

    def _persona_downloads(self) -> PersonaDownloads:
        if self._downloads is None:
            from sandbox.desktop.downloads import PersonaDownloads, data_folder  # loaded when first needed

            self._downloads = PersonaDownloads(self.persona.key, lambda: data_folder(self), self)
            self._downloads.finished.connect(self._download_finished)
        return self._downloads

    def _download_requested(self, request: QWebEngineDownloadRequest) -> None:
        # The profile is this persona's; a page of another browser on it (none in the window) has its own.
        if request.page() in (None, self.page):
            self._persona_downloads().accept(request)

    def _download_finished(self, words: str, folder: str, saved: bool) -> None:
        if self.download_bar is None:
            from sandbox.desktop.downloads import DownloadBar

            self.download_bar = DownloadBar(self._waiting_text_scale, self)
            layout = self.layout()
            if layout is not None:
                layout.addWidget(self.download_bar)
        self.download_bar.report(words, folder, saved)
        self.status_message.emit(words)

    def _update_history_buttons(self) -> None:
        history = self.view.history()
        self.back_button.setEnabled(history.canGoBack())
        self.forward_button.setEnabled(history.canGoForward())

    def _waiting_text_scale(self) -> float:
        # As large as the page would be, or as the panels' text when that is chosen larger.
        return max(self.view.zoomFactor(), chosen_text_scale(self))


class _WheelZoom(QObject):
    """Ctrl+wheel over the page asks for a zoom step (Chromium would otherwise zoom by 10 % steps of its own).

    Chromium's input widget inside the view is replaced at times (a crashed renderer), so the filter
    follows whichever child the view gets.
    """

    def __init__(self, browser: PersonaBrowser) -> None:
        super().__init__(browser)
        self._browser = browser
        self._pending = 0  # a touchpad sends small deltas: they add up to a notch

    def watch(self, widget: QObject | None) -> None:
        # Installing it again on the same widget only moves it to the front.
        if isinstance(widget, QWidget):
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ChildAdded and isinstance(event, QChildEvent) and watched is self._browser.view:
            self.watch(event.child())
        elif kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                return False
            self._pending += event.angleDelta().y()
            while abs(self._pending) >= WHEEL_NOTCH:
                step = ZOOM_IN if self._pending > 0 else ZOOM_OUT
                self._pending -= step * WHEEL_NOTCH
                self._browser.zoom_requested.emit(step)
            event.accept()
            return True
        return False
