"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.blogin.models import Base
from sandbox.db import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """BlogIn's schema in a fresh SQLite file."""
    database = Database(f"sqlite:///{tmp_path / 'blogin.db'}", Base.metadata, label="BlogIn")
    database.open()
    yield database
    database.close()
