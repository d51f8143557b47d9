"""The userName search index on databases of every age: an older data folder gets it (filled with the users
it already holds), a reset keeps it, and a database that cannot hold it answers ``co`` as before."""

from __future__ import annotations

from pathlib import Path

import pytest

import sandbox.blogin.models.user_name_search as user_name_search
from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import save_status
from sandbox.http import http_client
from sandbox.settings import Settings
from tests.integration.blogin_scim.conftest import Scim, user_body

INDEX = "users_user_name_fts"


def tables(running: Sandbox) -> set[str]:
    with running.blogin.database.engine.connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master")}


def co(running: Sandbox, value: str) -> list[str]:
    with running.blogin.database.transaction() as session:
        token = save_status(session, True, actor="admin@acme.example").token
    assert token
    with http_client() as client:
        scim = Scim(client, f"{running.blogin.base_url}/sso/scim/V2", token)
        response = scim.get("/Users", params={"filter": f'userName co "{value}"', "count": 1000})
        assert response.status_code == 200, response.text
        return sorted(r["userName"] for r in response.json()["Resources"])


def create(running: Sandbox, *names: str) -> None:
    with running.blogin.database.transaction() as session:
        token = save_status(session, True, actor="admin@acme.example").token
    assert token
    with http_client() as client:
        scim = Scim(client, f"{running.blogin.base_url}/sso/scim/V2", token)
        for name in names:
            assert scim.post("/Users", user_body(name)).status_code == 201


def test_an_older_database_gets_the_index_with_its_users(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as first:
        create(first, "kept.one@older.example")
        # What a database made before the index looks like: no index table, no triggers.
        with first.blogin.database.engine.begin() as connection:
            for trigger in ("insert", "delete", "update"):
                connection.exec_driver_sql(f"DROP TRIGGER {INDEX}_{trigger}")
            connection.exec_driver_sql(f"DROP TABLE {INDEX}")
        create(first, "kept.two@older.example")
        assert INDEX not in tables(first)
    with Sandbox(settings) as again:
        assert {INDEX, f"{INDEX}_insert", f"{INDEX}_delete", f"{INDEX}_update"} <= tables(again)
        assert co(again, "kept.") == ["kept.one@older.example", "kept.two@older.example"]
        create(again, "kept.three@older.example")
        assert co(again, "t.t") == ["kept.three@older.example", "kept.two@older.example"]


def test_an_index_that_kept_positions_is_written_anew(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as first, first.blogin.database.engine.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE {INDEX}")
        connection.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {INDEX} USING fts5(user_name_key, content='users', content_rowid='rowid', "
            "tokenize='trigram')"
        )
    with Sandbox(settings) as again:
        with again.blogin.database.engine.connect() as connection:
            created = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (INDEX,)).scalar()
        assert "detail=none" in str(created)
        create(again, "written.anew@acme.example")
        assert co(again, "admin@") == ["admin@acme.example"]
        assert co(again, "tten.an") == ["written.anew@acme.example"]


def test_a_reset_keeps_the_index_in_step(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as running:
        create(running, "before.reset@acme.example")
        assert co(running, "before.res") == ["before.reset@acme.example"]
        running.blogin.reset()
        assert INDEX in tables(running)
        assert co(running, "before.res") == []
        create(running, "after.reset@acme.example")
        assert co(running, "er.res") == ["after.reset@acme.example"]


def test_without_the_trigram_tokenizer_co_walks_the_userName_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_name_search, "trigram_available", lambda _connection: False)
    settings = Settings(data_dir=tmp_path, jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as running:
        assert INDEX not in tables(running)
        create(running, "no.index@acme.example", "NO.INDEX.EITHER@acme.example", "elsewhere@acme.example")
        assert co(running, "O.InD") == ["NO.INDEX.EITHER@acme.example", "no.index@acme.example"]
