"""``sso-sandbox --help`` and the command line's answers to bad input, as a first user meets them."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.cli import build_parser, main
from sandbox.scenarios import SHIPPED

README = Path(__file__).resolve().parents[2] / "README.md"


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _readme_options() -> list[tuple[str, str | None]]:
    """Each option of README's Options table with the word after it (``--data-dir DIR`` → DIR)."""
    section = README.read_text(encoding="utf-8").split("## Options", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"`(--[a-z-]+)(?: ([A-Z]+))?`", section)


def test_help_names_every_option_of_the_readme_as_the_readme_writes_it() -> None:
    help_text = build_parser().format_help()
    options = _readme_options()
    assert len(options) >= 8
    for option, metavar in options:
        assert (f"{option} {metavar}" if metavar else option) in help_text
    assert help_text.startswith("usage: sso-sandbox [desktop|serve] [options]\n")


def test_help_gives_the_defaults_the_shipped_scenarios_and_how_serve_stops() -> None:
    help_text = " ".join(build_parser().format_help().split())
    assert "default 47801" in help_text and "default 47802" in help_text and "(default INFO)" in help_text
    assert "jumpcloud.sqlite in the data folder" in help_text and "blogin.sqlite in the data folder" in help_text
    for scenario in SHIPPED:
        assert scenario.key in help_text
    assert '{"event": "ready"' in help_text and "Ctrl+C" in help_text


@pytest.mark.parametrize("columns", ["60", "80", "100"])
def test_help_breaks_lines_between_words_never_after_a_hyphen(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    lines = build_parser().format_help().splitlines()
    for scenario in SHIPPED:  # "fully-provisioned", never "fully-" over "provisioned"
        assert any(scenario.key in line for line in lines), (scenario.key, lines)
    assert not [line for line in lines if line.rstrip().endswith("-") and not line.rstrip().endswith(" -")]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--jumpcloud-port", "70000"], "argument --jumpcloud-port: 70000 is not between 0 and 65535"),
        (["--blogin-port", "abc"], "argument --blogin-port: 'abc' is not a port number"),
        (["--log-level", "LOUD"], "argument --log-level: invalid choice: 'LOUD'"),
        (["--loud"], "unrecognized arguments: --loud"),
    ],
)
def test_a_bad_option_is_refused_in_one_line_naming_it(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["serve", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    first, second = err.splitlines()
    assert first == "usage: sso-sandbox [desktop|serve] [options]"
    assert second.startswith("sso-sandbox: error: ") and expected in second


def test_a_data_folder_that_is_a_file_is_refused_naming_the_option(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    result = _run("serve", "--data-dir", str(a_file), "--jumpcloud-port", "0", "--blogin-port", "0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"sso-sandbox: cannot use the data folder {a_file} (it is a file, not a folder). "
        "Choose a folder you can write to with --data-dir DIR."
    ]
    assert a_file.read_text(encoding="utf-8") == "mine"


def test_a_busy_port_is_said_once_and_kept_in_the_log(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = _run("serve", "--data-dir", str(tmp_path), "--jumpcloud-port", str(port), "--blogin-port", "0")
    assert result.returncode == 2
    assert result.stdout == ""
    message = f"Port {port} for the mock JumpCloud is already in use."
    assert result.stderr.count(message) == 1
    assert f"sso-sandbox: {message}" in result.stderr
    assert "--jumpcloud-port" in result.stderr and "Traceback" not in result.stderr
    assert message in (tmp_path / "sso-sandbox.log").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--db-url-jumpcloud", "nonsense://"],
            "argument --db-url-jumpcloud: 'nonsense://': SQLAlchemy has no database type 'nonsense'; "
            "give a URL such as",
        ),
        (
            ["--db-url-blogin", "nonsense"],
            "argument --db-url-blogin: 'nonsense' is not a SQLAlchemy URL; give a URL such as",
        ),
        (
            ["--db-url-blogin", "postgresql+nodriver://u:secret@h/db"],
            "argument --db-url-blogin: 'postgresql+nodriver://u:***@h/db': SQLAlchemy has no database type",
        ),
        (
            ["--scenario", "fully-provisoned"],
            "argument --scenario: there is no scenario file at fully-provisoned; give a .sandbox file or a shipped "
            "scenario's name: fresh, sso-configured, fully-provisioned",
        ),
    ],
)
def test_an_unusable_database_url_or_scenario_is_refused_before_anything_starts(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--data-dir", str(data_dir), "--jumpcloud-port", "0", "--blogin-port", "0", *args])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    first, second = captured.err.splitlines()
    assert first == "usage: sso-sandbox [desktop|serve] [options]"
    assert second.startswith(f"sso-sandbox: error: {expected}")
    assert "secret" not in second
    assert not data_dir.exists()


def test_a_shipped_scenario_by_name_and_a_database_url_that_works_start_as_before(tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--data-dir", str(tmp_path), "--jumpcloud-port", "0",
         "--blogin-port", "0", "--scenario", "sso-configured", "--db-url-blogin", f"sqlite:///{db}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        assert ready["event"] == "ready"
        assert db.exists()
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert json.loads(out.splitlines()[-1]) == {"event": "stopped"}
    assert process.returncode == 0
