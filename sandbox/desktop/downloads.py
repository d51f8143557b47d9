"""Files a persona's page downloads, and the folder a page's file chooser opens in.

The guide has the user download metadata on one side and upload it on the other. QtWebEngine drops a
download nobody accepts, so clicking "Download Metadata as file (xml)" or "Export Metadata" did nothing.
Here a download is saved at once, as a browser does by default: into the user's Downloads folder (the
sandbox's own ``downloads`` folder when there is none to write to), under the name the server gives, with
" (1)", " (2)"… added when that name is taken, so that no file is ever replaced. The persona's pane and
the status bar then say where it went, or why it was not saved. A page's "Browse…" opens in that same
folder, where the file just downloaded is.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMimeDatabase, QObject, QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWebEngineCore import QWebEngineDownloadRequest, QWebEnginePage
from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from sandbox.desktop.panel_text import points

log = logging.getLogger("sandbox.desktop.downloads")

#: where a person's downloads go when it names a folder (xdg-user-dirs' name, also honoured by tests)
DOWNLOAD_DIR_VARIABLE = "XDG_DOWNLOAD_DIR"
#: the folder in the sandbox's data folder used when the user has no Downloads folder to write to
FALLBACK_FOLDER = "downloads"
#: how long the pane's bar stays after saying where a file went
BAR_SHOWN_MS = 12_000

Reason = QWebEngineDownloadRequest.DownloadInterruptReason
State = QWebEngineDownloadRequest.DownloadState
Mode = QWebEnginePage.FileSelectionMode
UNDER_WAY = (State.DownloadRequested, State.DownloadInProgress)


def download_folder(data_dir: Path) -> tuple[Path, str]:
    """The folder downloads go to, and its name for a message ("Downloads", or the whole path).

    The user's Downloads folder when it exists and can be written to; otherwise ``downloads`` in the
    sandbox's data folder ``data_dir`` (created), named by its whole path since nobody looks there.
    """
    named = os.environ.get(DOWNLOAD_DIR_VARIABLE, "").strip()
    users = os.path.expanduser(os.path.expandvars(named)) if named else ""
    if not users:
        users = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation)
    if users and os.path.isdir(users) and os.access(users, os.W_OK | os.X_OK):
        folder = Path(users)
        return folder, folder.name or str(folder)
    fallback = data_dir / FALLBACK_FOLDER
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback, str(fallback)


def data_folder(widget: QWidget) -> Path:
    """The data folder of the sandbox whose window shows ``widget`` (the platform's, outside a window)."""
    from sandbox.desktop.saved_files import main_window_of
    from sandbox.desktop.window import MainWindow  # the window imports the browser, which imports this lazily
    from sandbox.settings import default_data_dir

    window = main_window_of(widget)  # also from a dock floating in a window of its own
    return window.sandbox.settings.data_dir if isinstance(window, MainWindow) else default_data_dir()


def free_file_name(folder: Path, name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``name``, or ``name (1)``, ``name (2)``… before its extension: the first not in ``folder`` nor ``taken``."""
    name = Path(name.replace("\\", "/")).name.strip() or "download"
    stem, suffix = Path(name).stem, Path(name).suffix
    if stem.startswith(".") or not stem:  # ".profile": all stem
        stem, suffix = name, ""
    candidate, number = name, 0
    while candidate in taken or (folder / candidate).exists():
        number += 1
        candidate = f"{stem} ({number}){suffix}"
    return candidate


#: Chromium's reasons that QtWebEngine's enumeration lacks (download_interrupt_reason_values.h)
SERVER_NO_RANGE, SERVER_CONTENT_LENGTH_MISMATCH, SERVER_CROSS_ORIGIN_REDIRECT, USER_SHUTDOWN = 31, 38, 39, 41


def failure_words(reason: int, host: str, folder: Path) -> str:
    """Why a download stopped (Chromium's interrupt reason), in plain words finishing "… was not saved: "."""
    words = {
        Reason.FileAccessDenied.value: f"the folder {folder} cannot be written to",
        Reason.FileNoSpace.value: "the disk is full",
        Reason.FileNameTooLong.value: f"its name is too long for the folder {folder}",
        Reason.FileTooLarge.value: "it is too large for the disk",
        Reason.FileTooShort.value: f"{host} sent less than it announced",
        Reason.FileFailed.value: f"writing to the folder {folder} failed",
        Reason.FileTransientError.value: f"writing to the folder {folder} failed for a moment; try again",
        Reason.NetworkFailed.value: f"the connection to {host} broke off",
        Reason.NetworkTimeout.value: f"{host} stopped answering",
        Reason.NetworkDisconnected.value: "this computer is offline",
        Reason.NetworkServerDown.value: f"{host} is not answering",
        Reason.ServerFailed.value: f"{host} answered with an error",
        SERVER_NO_RANGE: f"{host} could not send the rest of it",
        Reason.ServerBadContent.value: f"{host} has no such file",
        Reason.ServerUnauthorized.value: f"{host} asks to sign in first",
        Reason.ServerForbidden.value: f"{host} refused it",
        Reason.ServerUnreachable.value: f"{host} cannot be reached",
        SERVER_CONTENT_LENGTH_MISMATCH: f"{host} sent less than it announced",
        SERVER_CROSS_ORIGIN_REDIRECT: f"{host} sent it on to another site",
        Reason.UserCanceled.value: "it was cancelled",
        USER_SHUTDOWN: "the window closed before it finished",
    }
    return words.get(reason, "the download stopped")


class PersonaDownloads(QObject):
    """One persona's downloads: each accepted into the download folder and reported once, when it ends."""

    #: words for the user (where the file went, or why it was not saved), the folder, whether it was saved
    finished = Signal(str, str, bool)

    def __init__(self, persona: str, data_dir: Callable[[], Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._persona = persona
        self._data_dir = data_dir
        #: each download under way: where it goes, and the folder's name for the message
        self._in_progress: dict[QWebEngineDownloadRequest, tuple[Path, str]] = {}

    def folder(self) -> Path:
        """Where downloads go now (the Downloads folder may come or go while the window is open)."""
        return download_folder(self._data_dir())[0]

    def accept(self, request: QWebEngineDownloadRequest) -> None:
        """Save ``request`` without a question; called from ``downloadRequested``, which needs the answer at once."""
        suggested = request.suggestedFileName() or request.downloadFileName()
        try:
            folder, folder_name = download_folder(self._data_dir())
        except OSError as error:
            request.cancel()
            words = f"{suggested} was not saved: there is no folder to save it in ({error.strerror})."
            log.warning("persona %s: %s", self._persona, words)
            self.finished.emit(words, "", False)
            return
        taken = {path.name for path, _ in self._in_progress.values() if path.parent == folder}
        name = free_file_name(folder, suggested, taken)
        request.setDownloadDirectory(str(folder))
        request.setDownloadFileName(name)
        self._in_progress[request] = (folder / name, folder_name)
        # Bound to this object (not a lambda), so that nothing is called once the browser has gone.
        request.stateChanged.connect(self._state_changed)
        request.accept()
        log.info("persona %s: downloading %s to %s", self._persona, request.url().toString(), folder / name)

    def _state_changed(self) -> None:
        for request in [request for request in self._in_progress if request.state() not in UNDER_WAY]:
            self._ended(request, *self._in_progress.pop(request))

    def _ended(self, request: QWebEngineDownloadRequest, path: Path, folder_name: str) -> None:
        if request.state() == State.DownloadCompleted:
            log.info("persona %s: saved %s (%d bytes)", self._persona, path, request.receivedBytes())
            self.finished.emit(f"Saved {path.name} to {folder_name}", str(path.parent), True)
        else:
            reason = request.interruptReason().value
            why = failure_words(reason, request.url().host(), path.parent)
            log.warning(
                "persona %s: %s not saved to %s: %s (Chromium's reason %d)",
                self._persona,
                request.url().toString(),
                path,
                why,
                reason,
            )
            self.finished.emit(f"{path.name} was not saved: {why}.", str(path.parent), False)
            # Chromium keeps an interrupted download to be resumed, which nobody here can: it is given up,
            # and its partial file removed.
            if request.state() == State.DownloadInterrupted:
                request.cancel()


class DownloadBar(QFrame):
    """A line at the foot of a persona's pane, as a browser's download shelf: what was saved where, a
    button that shows the folder, and one that closes the line. It goes by itself after a while."""

    def __init__(self, text_scale: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("downloadBar")
        self._text_scale = text_scale
        self._folder = ""
        self.message = QLabel()
        self.message.setObjectName("downloadMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_folder_button = QToolButton()
        self.show_folder_button.setText("Show in folder")
        self.show_folder_button.clicked.connect(self.show_folder)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Close")
        self.close_button.setAccessibleName("Close")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 6, 5)
        layout.setSpacing(8)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.show_folder_button)
        layout.addWidget(self.close_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(BAR_SHOWN_MS)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def report(self, words: str, folder: str, saved: bool) -> None:
        """Show ``words`` for a while; once a file is ``saved``, "Show in folder" opens ``folder``."""
        self._folder = folder
        background, border, colour = ("#e3f3f2", "#a9d8d6", "#0e5b59") if saved else ("#fdecec", "#f0b4b4", "#9b1c1c")
        size = points(self._text_scale())
        self.setStyleSheet(
            f"QFrame#downloadBar {{ background: {background}; border-top: 1px solid {border}; }}"
            f" QLabel#downloadMessage {{ color: {colour}; font-size: {size}; font-weight: 600; }}"
            f" QToolButton {{ font-size: {size}; border: none; border-radius: 4px; padding: 2px 8px;"
            f" color: {colour}; }} QToolButton:hover {{ background: rgba(0, 0, 0, 0.07); }}"
        )
        self.message.setText(f"✓ {words}" if saved else f"⚠ {words}")
        self.message.setToolTip(folder)
        self.show_folder_button.setVisible(saved and bool(folder))
        self.show_folder_button.setToolTip(folder)
        self.show()
        self._timer.start()

    def show_folder(self) -> bool:
        """Open the folder the file went to in the desktop's file manager."""
        return bool(self._folder) and QDesktopServices.openUrl(QUrl.fromLocalFile(self._folder))


def file_name_filters(accepted: Sequence[str]) -> list[str]:
    """A file dialog's filters for a file input's ``accept`` list (extensions and MIME types), then all files."""
    if not accepted:
        return []
    mime_types = QMimeDatabase()
    patterns: list[str] = []
    for kind in accepted:
        kind = kind.strip().lower()
        if kind.startswith("."):
            found = [f"*{kind}"]
        elif kind.endswith("/*"):
            group = kind[:-1]
            kinds = [mime for mime in mime_types.allMimeTypes() if mime.name().startswith(group)]
            found = [glob for mime in kinds for glob in mime.globPatterns()]
        else:
            found = mime_types.mimeTypeForName(kind).globPatterns()
        patterns.extend(pattern for pattern in found if pattern not in patterns)
    if not patterns:
        return []
    return [f"Accepted types ({' '.join(patterns)})", "All files (*)"]


def choose_files(
    parent: QWidget | None, mode: Mode, old_files: Sequence[str], accepted: Sequence[str], folder: Path
) -> list[str]:
    """What a page's file input asked for, chosen in the desktop's own file dialog opening in ``folder``.

    As QtWebEngine's own chooser does, with the folder downloads go to as the place it opens: one file,
    several, a folder to upload or a name to save as; cancelled, nothing.
    """
    filters = ";;".join(file_name_filters(accepted))
    start = str(folder)
    hide_details = QFileDialog.Option.HideNameFilterDetails
    if mode == Mode.FileSelectOpenMultiple:
        chosen, _ = QFileDialog.getOpenFileNames(parent, "", start, filters, "", hide_details)
        return list(chosen)
    if mode == Mode.FileSelectUploadFolder:
        picked = QFileDialog.getExistingDirectory(parent, "Select folder to upload", start)
        return [picked] if picked else []
    if mode == Mode.FileSelectSave:
        suggested = Path(old_files[0]).name if old_files else ""
        picked, _ = QFileDialog.getSaveFileName(parent, "", str(folder / suggested) if suggested else start)
        return [picked] if picked else []
    picked, _ = QFileDialog.getOpenFileName(parent, "", start, filters, "", hide_details)
    return [picked] if picked else []
