"""A database URL that cannot be used stops the start with a message saying so, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.databases.postgresql import PostgresServer


def serve_with_blogin_database(url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sandbox", "serve", "--data-dir", str(data_dir)]
    command += ["--jumpcloud-port", "0", "--blogin-port", "0", "--db-url-blogin", url]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        ("nonsense://", "'nonsense://'", "SQLAlchemy has no database type 'nonsense'"),
        (
            "mysql+nodriver://ada:secret@db.example/blogin",
            "'mysql+nodriver://ada:***@db.example/blogin'",
            "no database type 'mysql+nodriver'",
        ),
        ("not a url", "'not a url'", "is not a SQLAlchemy URL"),
        ("ada:secret@db.example", "it is", "not a SQLAlchemy URL"),
    ],
)
def test_a_url_sqlalchemy_cannot_use_is_refused_by_name(url: str, shown: str, reason: str, tmp_path: Path) -> None:
    process = serve_with_blogin_database(url, tmp_path)
    assert process.returncode == 2
    # Refused with the other options, before anything starts: the option and the URL (its password hidden) named.
    assert f"argument --db-url-blogin: {shown}" in process.stderr, process.stderr
    assert reason in process.stderr and "Traceback" not in process.stderr
    assert "cret" not in process.stderr and not (tmp_path / "blogin.sqlite").exists()
    assert '"ready"' not in process.stdout


def test_a_database_the_server_lacks_is_reported_with_advice_for_a_server(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.create_database("exists").replace("/exists", "/missing")
    process = serve_with_blogin_database(url, tmp_path)
    assert process.returncode == 2
    assert "The BlogIn database at postgresql+psycopg://" in process.stderr
    assert "cannot be read" in process.stderr and "database server is running" in process.stderr
    assert "--data-dir" not in process.stderr and "Traceback" not in process.stderr
