"""Reset with confirmation, a remembered layout, a clear start-up error and a quit that leaves nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.main import close_window, run_desktop
from sandbox.desktop.panel_text import EXTRA_LARGE, PANEL_TEXT_KEY
from sandbox.desktop.persona_area import TABS
from sandbox.desktop.startup import SandboxStarter, configure_chromium
from sandbox.desktop.window import LAYOUT_FILE, MainWindow
from sandbox.errors import SAID_ON_THE_TERMINAL
from sandbox.http import http_client
from sandbox.settings import Settings
from tests.desktop.conftest import answer_next_dialog, page_text


def _summaries(window: MainWindow) -> list[str]:
    model = window.event_model
    return [model.index(row, 3).data() for row in range(model.rowCount())]


def test_reset_asks_first_and_cancel_keeps_everything(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, client: httpx.Client
) -> None:
    client.post(f"{module_sandbox.blogin.base_url}/login", data={"email": "kept@acme.example", "password": "x"})
    qtbot.waitUntil(lambda: any("kept@acme.example" in s for s in _summaries(window)), timeout=10_000)
    seen: list[str] = []
    reloaded: list[str] = []
    window.sandbox_replaced.connect(lambda: reloaded.append("replaced"))
    window.traffic_panels.saml_model.modelReset.connect(lambda: reloaded.append("tracer"))
    answer_next_dialog("Cancel", seen)
    window.reset_action.trigger()
    assert not reloaded  # nothing was reset, so no panel starts again
    assert seen and "Reset both systems to their first-run state?" in seen[0]
    assert "cannot be undone" in seen[0]
    assert any("kept@acme.example" in s for s in _summaries(window))
    assert any("kept@acme.example" in e.summary for e in module_sandbox.blogin.recent_events())


def test_confirmed_reset_empties_both_systems_and_signs_the_admins_in_again(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, client: httpx.Client
) -> None:
    client.post(f"{module_sandbox.jumpcloud.base_url}/login", data={"email": "gone@jc.example", "password": "x"})
    qtbot.waitUntil(lambda: any("gone@jc.example" in s for s in _summaries(window)), timeout=10_000)
    module_sandbox.blogin.set_scim_fault("Users", status=503)
    indicator = window.panels.indicator
    qtbot.waitUntil(lambda: not indicator.isHidden() and "503" in indicator.text(), timeout=10_000)
    seen: list[str] = []
    answer_next_dialog("Reset sandbox", seen)
    admin = window.browsers["jumpcloud-admin"]
    with qtbot.waitSignal(admin.view.loadFinished, timeout=30_000):
        window.reset_action.trigger()
        # The panels read the reset systems at once, not at their next event.
        assert indicator.isHidden()
    assert seen
    assert not any("gone@jc.example" in s or "kept@acme.example" in s for s in _summaries(window))
    assert not any("gone@jc.example" in e.summary for e in module_sandbox.jumpcloud.recent_events())
    qtbot.waitUntil(lambda: "admin@example.com" in page_text(qtbot, admin), timeout=10_000)
    blogin_admin = window.browsers["blogin-admin"]
    qtbot.waitUntil(lambda: "User Authentication" in page_text(qtbot, blogin_admin), timeout=30_000)


def test_the_layout_is_remembered_for_the_next_window(window: MainWindow, module_sandbox: Sandbox) -> None:
    window.area.set_mode(TABS)
    window.area.tabs.setCurrentIndex(2)
    window.resize(760, 700)  # the offscreen screen is 800 wide; the default size is 1600 × 1000
    window.save_layout()
    window.area.set_mode("split")
    window.area.choose(1, "blogin-admin")
    window.area.set_split_sizes([700, 500])
    window.save_layout()
    layout_file = module_sandbox.settings.data_dir / "desktop.ini"
    assert layout_file.exists()

    second = MainWindow(module_sandbox)
    try:
        assert second.area.mode == "split"
        assert second.area.split_keys() == ["jumpcloud-admin", "blogin-admin"]
        assert second.area.tabs.currentIndex() == 2
        # Not the default 1600 × 1000 (the offscreen screen may narrow what a window gets).
        assert second.height() == 700 and second.width() < 1600
        second.show()
        sizes = second.area.splitter.sizes()
        assert sizes[0] > sizes[1] > 0
    finally:
        close_window(second)
        window.area.choose(1, "end-user")


def test_a_busy_port_shows_a_clear_message_and_starts_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    free = _free_port()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        seen: list[str] = []
        answer_next_dialog("OK", seen)
        settings = Settings(data_dir=tmp_path / "data", jumpcloud_port=free, blogin_port=busy)
        assert run_desktop(settings) == 2
    assert seen and f"Port {busy}" in seen[0] and "--blogin-port" in seen[0]
    # The JumpCloud half, which did bind, was released again.
    _assert_unbound(free)


def test_the_start_up_error_reads_at_the_panel_text_size_chosen_last_time(qtbot: QtBot, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    layout = QSettings(str(data_dir / LAYOUT_FILE), QSettings.Format.IniFormat)
    layout.setValue(PANEL_TEXT_KEY, EXTRA_LARGE.key)
    layout.sync()
    sizes: list[float] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        label = box.findChild(QLabel, "qt_msgbox_label")
        assert isinstance(label, QLabel)
        sizes.append(label.font().pointSizeF())
        box.buttons()[0].click()

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        QTimer.singleShot(20, read_and_close)
        settings = Settings(data_dir=data_dir, jumpcloud_port=holder.getsockname()[1], blogin_port=0)
        assert run_desktop(settings) == 2
    assert sizes == [pytest.approx(QApplication.font().pointSizeF() * EXTRA_LARGE.scale, abs=0.05)]


def test_an_unreadable_database_is_named_and_left_untouched(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "blogin.sqlite"
    garbage = b"this is not a database" * 200
    database.write_bytes(garbage)
    seen: list[str] = []
    answer_next_dialog("OK", seen)
    assert run_desktop(Settings(data_dir=data_dir, jumpcloud_port=0, blogin_port=0)) == 2
    assert seen and "BlogIn database" in seen[0] and "left untouched" in seen[0]
    assert database.read_bytes() == garbage
    # Said once on the terminal: the logged copy is marked for the log file alone (the console handler skips it).
    assert capsys.readouterr().err.count("BlogIn database") == 1
    logged = [record for record in caplog.records if "BlogIn database" in record.getMessage()]
    assert logged and all(
        getattr(record, SAID_ON_THE_TERMINAL, False) for record in logged if record.levelname == "ERROR"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _assert_unbound(port: int) -> None:
    # SO_REUSEADDR: connections in TIME_WAIT do not count, only a socket still listening does.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _launch(data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--data-dir", str(data_dir), "--jumpcloud-port", "0", "--blogin-port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _log_until_all_personas_loaded(process: subprocess.Popen[str]) -> list[str]:
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    for line in process.stderr:
        lines.append(line)
        if "all personas loaded" in line or time.monotonic() > deadline:
            break
    return lines


def _quit(process: subprocess.Popen[str]) -> None:
    try:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_quitting_leaves_no_process_or_port_behind(tmp_path: Path) -> None:
    process = _launch(tmp_path)
    try:
        lines = _log_until_all_personas_loaded(process)
        ports = [int(line.rsplit(":", 1)[1]) for line in lines if "listening on 127.0.0.1:" in line]
        assert any("all personas loaded" in line for line in lines), lines[-20:]
        engine_processes = _descendants(process.pid)
        assert engine_processes, "QtWebEngine runs in child processes"
    finally:
        _quit(process)
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{pid}").exists() for pid in engine_processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in engine_processes if Path(f"/proc/{pid}").exists()]
    assert len(ports) == 2
    for port in ports:
        _assert_unbound(port)


def test_from_the_second_start_the_end_users_page_shows_before_the_systems_load(tmp_path: Path) -> None:
    first = _launch(tmp_path)
    try:
        _log_until_all_personas_loaded(first)
    finally:
        _quit(first)
    second = _launch(tmp_path)
    try:
        lines = _log_until_all_personas_loaded(second)
    finally:
        _quit(second)

    def at(text: str) -> int:
        return next(number for number, line in enumerate(lines) if text in line)

    # The login page the first start's JumpCloud answered, before SQLAlchemy, a database or Flask loaded.
    shown = at("persona end-user loaded its first page")
    assert shown < at("JumpCloud database ready") < at("JumpCloud serving at") < at("BlogIn serving at")
    assert shown < at("BlogIn database ready")
    assert "all personas loaded" in lines[-1]


def test_the_ports_are_bound_first_and_the_systems_load_once_asked(qtbot: QtBot, tmp_path: Path) -> None:
    starter = SandboxStarter(Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0))
    sandbox = starter.run()
    try:
        assert not sandbox.opened and not sandbox.serving("jumpcloud") and not sandbox.serving("blogin")
        # Both ports are bound already, so a page asked for now waits for its system instead of failing.
        _assert_bound(sandbox.addresses["jumpcloud"].port)
        _assert_bound(sandbox.addresses["blogin"].port)
        # The worker's signals reach this thread queued, in the order it sent them; what the sandbox
        # says when a slot runs is already later than the signal.
        told: list[str] = []
        starter.opened.connect(lambda: told.append("opened"))
        starter.served.connect(lambda key: told.append(f"serving {key}"))
        with qtbot.waitSignal(starter.served, timeout=30_000) as served:
            starter.open_now()
        assert told == ["opened", "serving jumpcloud"], "the databases open before JumpCloud serves"
        assert served.args == ["jumpcloud"]
        assert sandbox.opened and sandbox.serving("jumpcloud") and not sandbox.serving("blogin")
        with http_client() as client:
            assert client.get(f"{sandbox.jumpcloud.base_url}/health").status_code == 200
            with qtbot.waitSignal(starter.served, timeout=30_000) as served:
                starter.continue_start()
            assert served.args == ["blogin"]
            assert sandbox.serving("blogin")
            assert client.get(f"{sandbox.blogin.base_url}/login").status_code == 200
    finally:
        starter.finish()
        sandbox.stop()
    _assert_unbound(sandbox.addresses["blogin"].port)


def test_quitting_before_the_systems_load_leaves_nothing_behind(qtbot: QtBot, tmp_path: Path) -> None:
    starter = SandboxStarter(Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0))
    sandbox = starter.run()
    ports = [address.port for address in sandbox.addresses.values()]
    starter.finish()
    sandbox.stop()
    assert not sandbox.opened and not sandbox.serving("jumpcloud")
    assert not (tmp_path / "data" / "jumpcloud.sqlite").exists()
    for port in ports:
        _assert_unbound(port)


def _assert_bound(port: int) -> None:
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_blogin_persona_on_screen_at_launch_loads_first(tmp_path: Path) -> None:
    # The saved layout shows only the BlogIn Admin tab: BlogIn must not wait for a JumpCloud page.
    layout = QSettings(str(tmp_path / LAYOUT_FILE), QSettings.Format.IniFormat)
    layout.setValue("personas/mode", TABS)
    layout.setValue("personas/tab", 2)
    layout.sync()
    process = _launch(tmp_path)
    try:
        lines = _log_until_all_personas_loaded(process)
    finally:
        _quit(process)
    loaded = [line.split("persona ", 1)[1].split()[0] for line in lines if "loaded its first page" in line]
    assert loaded[0] == "blogin-admin"
    assert sorted(loaded) == ["blogin-admin", "end-user", "jumpcloud-admin"]


def test_chromium_keeps_its_zygote_and_the_flags_given_and_skips_the_gpu_offscreen() -> None:
    unsandboxed = {"QTWEBENGINE_DISABLE_SANDBOX": "1", "QTWEBENGINE_CHROMIUM_FLAGS": "--lang=de"}
    configure_chromium(unsandboxed)
    assert unsandboxed["QTWEBENGINE_CHROMIUM_FLAGS"].split() == ["--lang=de"]
    sandboxed = {"QT_QPA_PLATFORM": "offscreen"}
    configure_chromium(sandboxed)
    assert sandboxed["QTWEBENGINE_CHROMIUM_FLAGS"].split() == ["--disable-gpu"]
    on_a_display: dict[str, str] = {}
    configure_chromium(on_a_display)
    assert "QTWEBENGINE_CHROMIUM_FLAGS" not in on_a_display


def test_blogin_failing_to_start_after_the_window_opened_is_reported(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_app(_blogin: object) -> None:
        raise RuntimeError("templates missing")

    monkeypatch.setattr("sandbox.blogin.web.create_app", broken_app)
    starter = SandboxStarter(Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0))
    sandbox = starter.run()
    try:
        with qtbot.waitSignal(starter.failed, timeout=30_000) as failed:
            starter.continue_start()
        assert failed.args == ["BlogIn could not start: templates missing"]
        assert sandbox.serving("jumpcloud") and not sandbox.serving("blogin")
    finally:
        starter.finish()
        sandbox.stop()
