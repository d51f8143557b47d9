"""A PostgreSQL server for the module's tests: the sandbox's databases on a server instead of SQLite files."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.databases.postgresql import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    # Not under pytest's own temporary folder: as root that is closed to the postgres account.
    folder = Path(tempfile.mkdtemp(prefix="sandbox-postgres-"))
    server = PostgresServer(folder)
    try:
        server.start()
        yield server
        server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
