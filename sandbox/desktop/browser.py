"""One persona's browser: navigation bar, address field and the web view."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sandbox.desktop.personas import Persona
from sandbox.desktop.theme import external_link_icon, home_icon

log = logging.getLogger("sandbox.desktop.browser")


def url_from_address(text: str) -> QUrl:
    """What the user typed in the address field, as a URL (``http://`` when no scheme is given)."""
    text = text.strip()
    url = QUrl.fromUserInput(text)
    if "://" not in text and not text.startswith(("about:", "data:")):
        url = QUrl(f"http://{text}")
    return url


class PersonaBrowser(QWidget):
    """A browser for one persona, on that persona's own profile (its own cookies)."""

    first_load_finished = Signal(str, bool)  # persona key, ok

    def __init__(self, persona: Persona, profile: QWebEngineProfile, start_url: Callable[[], str]) -> None:
        super().__init__()
        self.persona = persona
        self.setObjectName(f"persona-{persona.key}")
        self._start_url = start_url
        self._started_at: float | None = None
        self._first_load_reported = False

        self.view = QWebEngineView(self)
        self.page = QWebEnginePage(profile, self.view)
        self.view.setPage(self.page)

        style = self.style()
        self.back_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Back")
        self.forward_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_ArrowForward), "Forward")
        self.reload_button = self._tool_button(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "Reload")
        self.home_button = self._tool_button(home_icon(), f"Start page of {persona.title}")
        self.address = QLineEdit()
        self.address.setObjectName("address")
        self.address.setClearButtonEnabled(True)
        self.address.setPlaceholderText("Address")
        self.external_button = self._tool_button(external_link_icon(), "Open in system browser")

        self.back_button.clicked.connect(self.view.back)
        self.forward_button.clicked.connect(self.view.forward)
        self.reload_button.clicked.connect(self._reload_or_stop)
        self.home_button.clicked.connect(self.go_home)
        self.address.returnPressed.connect(self._navigate_to_address)
        self.external_button.clicked.connect(self.open_in_system_browser)

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
        layout.addWidget(self.view, 1)

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
            self.go_home()

    def go_home(self) -> None:
        """Open the start page afresh; for an admin persona this signs in again."""
        self.view.load(QUrl(self._start_url()))

    def restart(self) -> None:
        """Forget cookies and history, then open the start page: as after a first launch."""
        # Not clearHttpCache(): it runs asynchronously and cancels the navigation that follows.
        self.page.profile().cookieStore().deleteAllCookies()
        self.page.history().clear()
        self._started_at = time.monotonic()
        self.go_home()

    def navigate(self, address: str) -> None:
        self.view.load(url_from_address(address))

    def open_in_system_browser(self) -> None:
        """Hand the current page to the desktop's default browser (without this persona's cookies)."""
        QDesktopServices.openUrl(self.view.url())

    def _navigate_to_address(self) -> None:
        if self.address.text().strip():
            self.navigate(self.address.text())
            self.view.setFocus()

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
            log.info(
                "persona %s loaded its first page in %.0f ms (%s)",
                self.persona.key,
                (time.monotonic() - self._started_at) * 1000,
                "ok" if ok else "failed",
            )
            self.first_load_finished.emit(self.persona.key, ok)

    def _update_history_buttons(self) -> None:
        history = self.view.history()
        self.back_button.setEnabled(history.canGoBack())
        self.forward_button.setEnabled(history.canGoForward())
