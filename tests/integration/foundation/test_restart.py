"""A second start on the same data folder does no first-run work: no schema creation, no password hashing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData, inspect

import sandbox.blogin.services.seed
import sandbox.jumpcloud.system
from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.settings import Settings


def _first_run_work(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("first-run work on a database that already holds data")


def test_second_start_skips_schema_creation_and_seeding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path, jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings):
        pass

    monkeypatch.setattr(MetaData, "create_all", _first_run_work)
    monkeypatch.setattr(sandbox.jumpcloud.system, "hash_password", _first_run_work)
    monkeypatch.setattr(sandbox.blogin.services.seed, "hash_password", _first_run_work)
    with Sandbox(settings) as again, http_client() as client:
        # The seeded administrators are still there and can sign in.
        jumpcloud = client.post(
            f"{again.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "sandbox"}
        )
        assert jumpcloud.status_code == 302
        blogin = client.post(
            f"{again.blogin.base_url}/login", data={"email": "admin@acme.example", "password": "sandbox"}
        )
        assert blogin.status_code == 302


def test_a_new_table_is_created_on_an_older_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as first, first.blogin.database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE posts")
    with Sandbox(settings) as again, http_client() as client:
        assert "posts" in inspect(again.blogin.database.engine).get_table_names()
        assert client.get(f"{again.blogin.base_url}/health").status_code == 200
