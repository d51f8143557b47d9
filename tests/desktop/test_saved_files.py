"""The panels' Export and Save buttons: the file chooser starts in Downloads, and the status bar says where
the file went, or that it could not be written."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sandbox.desktop.saved_files import suggested_path
from sandbox.desktop.window import MainWindow


def test_the_file_chooser_starts_in_the_downloads_folder(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(tmp_path))
    assert suggested_path(window.traffic_panels.flow, "sso-sandbox-flow.png") == str(tmp_path / "sso-sandbox-flow.png")
    # Floating in a window of its own, a panel's files still go there.
    tracer = window.traffic_panels.tracer
    tracer.setFloating(True)
    try:
        assert suggested_path(tracer, "response.xml") == str(tmp_path / "response.xml")
    finally:
        tracer.setFloating(False)


def test_an_exported_flow_is_said_where_it_went_and_a_failed_one_is_said_too(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    flow = window.traffic_panels.flow
    target = tmp_path / "flow.png"
    assert flow.export("png", str(target)) == target
    assert window.statusBar().currentMessage() == f"Flow diagram saved to {target}"
    missing = tmp_path / "no such folder" / "flow.png"
    assert flow.export("png", str(missing)) is None
    assert window.statusBar().currentMessage() == f"The flow diagram could not be saved to {missing}."


def test_exported_events_are_counted_in_the_status_bar(window: MainWindow, tmp_path: Path) -> None:
    exporter = window.traffic_panels.extras
    assert exporter is not None
    target = tmp_path / "events.json"
    assert exporter.export("json", str(target)) == target
    shown = window.event_log.model.rowCount()
    assert window.statusBar().currentMessage() == f"{shown:,} event{'' if shown == 1 else 's'} exported to {target}"
