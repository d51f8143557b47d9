"""A SCIM change holds SQLite's write lock from before its first read, so a sign-in's JIT update cannot land
between the change's read and its UPDATE of every SCIM-mapped column (and be overwritten)."""

from __future__ import annotations

import sqlite3

import pytest

from sandbox.app import Sandbox
from sandbox.blogin import create_app
from sandbox.blogin.scim import api
from sandbox.webcommon import db


def test_a_scim_change_takes_sqlite_write_lock_before_reading(running: Sandbox, token: str) -> None:
    app = create_app(running.blogin)
    path = running.blogin.database.path
    assert path is not None
    with app.test_request_context("/sso/scim/V2/Users", method="POST", headers={"Authorization": f"Bearer {token}"}):
        assert api.authenticate() is None  # the gate lets the change in and takes the locks
        other = sqlite3.connect(path, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        db().rollback()
        api._release_write_lock()
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # free again once the change has ended
        other.rollback()
    finally:
        other.close()
