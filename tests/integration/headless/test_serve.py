"""``sso-sandbox serve``: the ready line, both systems answering, a clean stop, side-by-side instances."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.http import http_client


def _spawn(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--data-dir",
            str(data_dir),
            "--jumpcloud-port",
            "0",
            "--blogin-port",
            "0",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _ready(process: subprocess.Popen[str]) -> dict[str, str]:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else "no output"
    return dict(json.loads(line))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    process = _spawn(tmp_path / "a")
    try:
        yield process, _ready(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def test_ready_line_names_both_systems_with_real_ports(served: tuple[subprocess.Popen[str], dict[str, str]]) -> None:
    _process, ready = served
    assert ready["event"] == "ready"
    assert ready["jumpcloud"].startswith("http://console.jumpcloud.localhost:")
    assert ready["blogin"].startswith("http://acme.blogin.localhost:")
    assert not ready["jumpcloud"].endswith(":0")
    with http_client() as client:
        assert client.get(f"{ready['jumpcloud']}/health").json()["system"] == "jumpcloud"
        assert client.get(f"{ready['blogin']}/health").json()["system"] == "blogin"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(served: tuple[subprocess.Popen[str], dict[str, str]], signum: int) -> None:
    process, ready = served
    process.send_signal(signum)
    assert process.wait(15) == 0
    assert process.stdout is not None
    assert json.loads(process.stdout.readline())["event"] == "stopped"
    port = int(ready["blogin"].rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the port is still served after the stop"


def test_two_instances_with_their_own_data_side_by_side(tmp_path: Path) -> None:
    first, second = _spawn(tmp_path / "one"), _spawn(tmp_path / "two")
    try:
        a, b = _ready(first), _ready(second)
        assert a["jumpcloud"] != b["jumpcloud"] and a["blogin"] != b["blogin"]
        with http_client() as client:
            for url in (a["jumpcloud"], a["blogin"], b["jumpcloud"], b["blogin"]):
                assert client.get(f"{url}/health").status_code == 200
        assert (tmp_path / "one" / "jumpcloud.sqlite").exists()
        assert (tmp_path / "two" / "blogin.sqlite").exists()
    finally:
        for process in (first, second):
            process.terminate()
            process.wait(15)


def test_busy_port_is_named_with_the_option_to_change_it(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox",
                "serve",
                "--data-dir",
                str(tmp_path),
                "--jumpcloud-port",
                "0",
                "--blogin-port",
                str(busy),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert process.returncode == 2
    assert f"Port {busy}" in process.stderr
    assert "--blogin-port" in process.stderr
    assert "ready" not in process.stdout
    assert "Traceback" not in process.stderr


def test_corrupt_database_is_reported_and_left_untouched(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    corrupt = tmp_path / "blogin.sqlite"
    garbage = b"this is not a database" * 200
    corrupt.write_bytes(garbage)
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--data-dir",
            str(tmp_path),
            "--jumpcloud-port",
            "0",
            "--blogin-port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert "BlogIn database" in process.stderr and "cannot be read" in process.stderr
    assert "Traceback" not in process.stderr
    assert corrupt.read_bytes() == garbage


def test_reset_brings_back_first_run_state(tmp_path: Path) -> None:
    process = _spawn(tmp_path)
    _ready(process)
    process.terminate()
    process.wait(15)
    with sqlite3.connect(tmp_path / "blogin.sqlite") as connection:
        connection.execute("UPDATE users SET given_name = 'Changed'")
    process = _spawn(tmp_path, "--reset")
    try:
        _ready(process)
        with sqlite3.connect(tmp_path / "blogin.sqlite") as connection:
            names = [row[0] for row in connection.execute("SELECT given_name FROM users")]
        assert names == ["Acme"]
    finally:
        process.terminate()
        process.wait(15)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    process = _spawn(tmp_path)
    ready = _ready(process)
    with http_client() as client:
        client.post(f"{ready['jumpcloud']}/login", data={"email": "admin@example.com", "password": "wrong"})
    process.terminate()
    process.wait(15)
    process = _spawn(tmp_path)
    try:
        ready = _ready(process)
        with sqlite3.connect(tmp_path / "jumpcloud.sqlite") as connection:
            failed = connection.execute("SELECT count(*) FROM directory_insights_events WHERE success = 0").fetchone()[
                0
            ]
        assert failed == 1
    finally:
        process.terminate()
        process.wait(15)
