"""SCIM creates run on one connection kept between them: SQLite's write lock is free between creates, a
reset and a closed database leave nothing behind on it, and an interrupted create leaves it usable."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from sandbox.app import Sandbox
from sandbox.blogin.scim import api
from sandbox.blogin.scim.gate import ScimGate
from sandbox.blogin.scim.settings import save_status
from sandbox.blogin.scim.wire import ScimRequest
from sandbox.direct_sql import DirectWork
from sandbox.http import http_client
from sandbox.settings import Settings
from tests.integration.blogin_scim.conftest import Scim, user_body


def _write_lock_free(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def _create_driver(sandbox: Sandbox, token: str) -> sqlite3.Connection:
    """The SQLite connection a create gets, the create then ended without a change."""
    system = sandbox.blogin
    gate = ScimGate(system.database.engine)
    with system.database.sessions() as session:
        gate.state(session)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/sso/scim/V2/Users",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(b""),
    }
    call = api.ScimCall(ScimRequest(environ, None), system)
    assert api.authenticate(call, gate) is None
    work = call.transaction
    assert isinstance(work, DirectWork)
    driver: sqlite3.Connection = work.driver
    api.end_unfinished(call)
    return driver


def _enable(sandbox: Sandbox) -> Scim:
    with sandbox.blogin.database.transaction() as session:
        token = save_status(session, True, actor="admin@acme.example").token
    assert token
    return Scim(http_client(), f"{sandbox.blogin.base_url}/sso/scim/V2", token)


def test_creates_share_one_connection_given_back_when_blogin_closes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        path = sandbox.blogin.database.path
        assert path is not None
        scim = _enable(sandbox)
        first = _create_driver(sandbox, scim.token)
        with scim.client:
            for n in range(3):
                assert scim.post("/Users", user_body(f"kept{n}@acme.example", externalId=f"k{n}")).status_code == 201
                assert _write_lock_free(path)
            listed = scim.get("/Users", params={"filter": 'userName sw "kept"'}).json()
            assert listed["totalResults"] == 3
        assert _create_driver(sandbox, scim.token) is first
    with pytest.raises(sqlite3.ProgrammingError):
        first.execute("SELECT 1")


def test_a_reset_keeps_creates_working_on_the_fresh_tables(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        scim = _enable(sandbox)
        with scim.client:
            assert scim.post("/Users", user_body("before.reset@acme.example")).status_code == 201
            sandbox.reset()
            scim = _enable(sandbox)
            scim.client = http_client()
            created = scim.post("/Users", user_body("after.reset@acme.example"))
            assert created.status_code == 201, created.text
            found = scim.get("/Users", params={"filter": 'userName co "reset"'}).json()
            assert [u["userName"] for u in found["Resources"]] == ["after.reset@acme.example"]


def test_an_interrupted_create_leaves_the_connection_usable(running: Sandbox, token: str, scim: Scim) -> None:
    system = running.blogin
    path = system.database.path
    assert path is not None
    gate = ScimGate(system.database.engine)
    with system.database.sessions() as session:
        gate.state(session)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/sso/scim/V2/Users",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(b""),
    }
    call = api.ScimCall(ScimRequest(environ, None), system)
    assert api.authenticate(call, gate) is None
    work = call.transaction
    assert isinstance(work, DirectWork)
    work.driver.execute(
        "INSERT INTO teams (id, display_name, display_name_key, source, created, last_modified, version) "
        "VALUES ('t-interrupted', 'Interrupted', 'interrupted', 'SCIM', '2026-01-01 00:00:00.000000', "
        "'2026-01-01 00:00:00.000000', 1)"
    )
    api.end_unfinished(call)
    assert _write_lock_free(path)
    assert scim.get("/Groups", params={"filter": 'displayName eq "Interrupted"'}).json()["totalResults"] == 0
    assert scim.post("/Users", user_body("after.interruption@acme.example")).status_code == 201
