"""A launch is met at once by a splash saying what is starting; the window (or a clear error) replaces it."""

from __future__ import annotations

import socket
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from sandbox.desktop.main import run_desktop
from sandbox.desktop.splash import STARTING, StartupSplash
from sandbox.desktop.window import MainWindow
from sandbox.settings import Settings


def _visible_splashes() -> list[StartupSplash]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, StartupSplash) and w.isVisible()]


def _visible_windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def _close(window: MainWindow) -> None:
    window.close()  # as File › Quit does: the run ends


def test_the_splash_shows_while_the_systems_start_and_gives_way_to_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    seen: list[tuple[bool, bool, str]] = []  # (a splash on screen, the window on screen, the splash's message)
    closed: list[bool] = []

    def look() -> None:
        splashes, windows = _visible_splashes(), _visible_windows()
        seen.append((bool(splashes), bool(windows), splashes[0].message() if splashes else ""))
        if windows and not closed:
            closed.append(True)
            # A little later, so the first look at the window is taken before it closes.
            QTimer.singleShot(200, lambda: _close(windows[0]))
            return
        if not closed:
            QTimer.singleShot(10, look)

    def give_up() -> None:  # never leaves the test hanging in the window's event loop
        for window in _visible_windows():
            _close(window)

    QTimer.singleShot(0, look)
    QTimer.singleShot(60_000, give_up)
    assert run_desktop(Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)) == 0
    # On screen before the window, saying what is happening; gone once the window is.
    assert (True, False, STARTING) in seen
    assert seen[-1][1], "the window was shown"
    assert not seen[-1][0], "the splash closed when the window appeared"
    assert not _visible_splashes()


def test_a_start_up_error_replaces_the_splash(qtbot: QtBot, tmp_path: Path) -> None:
    splash_with_the_error: list[bool] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        splash_with_the_error.append(bool(_visible_splashes()))
        dialog.accept()

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        QTimer.singleShot(20, answer)
        assert run_desktop(Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=busy)) == 2
    assert splash_with_the_error == [False]
