"""A SCIM change holds SQLite's write lock from before its first read, so a sign-in's JIT update cannot land
between the change's read and its UPDATE of every SCIM-mapped column (and be overwritten)."""

from __future__ import annotations

import io
import sqlite3

import pytest

from sandbox.app import Sandbox
from sandbox.blogin.scim import api
from sandbox.blogin.scim.gate import ScimGate
from sandbox.blogin.scim.wire import ScimRequest


def test_a_scim_change_takes_sqlite_write_lock_before_reading(running: Sandbox, token: str) -> None:
    system = running.blogin
    path = system.database.path
    assert path is not None
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/sso/scim/V2/Users",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.input": io.BytesIO(b""),
    }
    call = api.ScimCall(ScimRequest(environ, None), system)
    assert api.authenticate(call, ScimGate(system.database.engine)) is None  # the gate lets the change in
    # A create reads its body first; the lock is taken with its transaction, before its first statement.
    call.transaction  # noqa: B018
    try:
        other = sqlite3.connect(path, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
    finally:
        session = call.take_session()
        assert session is not None
        session.rollback()
        session.close()
        api.release_write_lock(call)
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # free again once the change has ended
        other.rollback()
    finally:
        other.close()
