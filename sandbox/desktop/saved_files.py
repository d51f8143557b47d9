"""Where the panels' Export and Save buttons offer to put a file, and how the window says it was saved.

A file chooser given a bare name opens in the program's working directory, which for a window started
from a menu is somewhere nobody looks; the persona browsers' downloads go to the Downloads folder, and so
do the panels' files. Once a file is written, the status bar says where, as it does for a scenario.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget

#: how long the status bar says where a file went
SAVED_MESSAGE_MS = 8000


def suggested_path(widget: QWidget, name: str) -> str:
    """``name`` in the folder the file chooser opened from ``widget`` starts in: the user's Downloads."""
    from sandbox.desktop.downloads import data_folder, download_folder  # with QtWebEngine: loaded when first used

    folder, _name = download_folder(data_folder(widget))
    return str(folder / name)


def main_window_of(widget: QWidget) -> QMainWindow | None:
    """The main window ``widget`` belongs to, also while its dock floats in a window of its own."""
    current: QWidget | None = widget
    while current is not None:
        if isinstance(current, QMainWindow):
            return current
        current = current.parentWidget()
    return None


def say_in_status_bar(widget: QWidget, words: str) -> None:
    """Show ``words`` in the status bar of ``widget``'s main window (none outside a window)."""
    window = main_window_of(widget)
    if window is not None:
        window.statusBar().showMessage(words, SAVED_MESSAGE_MS)
