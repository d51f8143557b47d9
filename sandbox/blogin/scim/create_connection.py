"""The SQLite connection SCIM creates run on, kept checked out of the pool from one create to the next.

Creates are serialised (each holds the trace log's write lock from ``BEGIN IMMEDIATE`` to its end), so
one connection serves them all. Checking a connection out of the pool and back in for every create cost
about as much CPU as the create's own INSERT; and a connection that made the last change keeps its page
cache, while one taken from the pool after other connections wrote must read the pages it needs again.

The connection is closed when the engine is disposed of (the database is closed, or removed for a fresh
start): a create after that checks out a connection of the new pool.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event

from sandbox.direct_sql import DirectWork, run_on_cursor

log = logging.getLogger("sandbox.blogin.scim")


class KeptWork(DirectWork):
    """A create's transaction on the kept connection: ``close`` rolls back what is left and keeps the
    connection for the next create."""

    __slots__ = ("_owner",)

    def __init__(self, owner: CreateConnection, engine: Engine, pooled: Any) -> None:
        # Not DirectWork's own: the connection is checked out already.
        self._owner = owner
        self.engine = engine
        self._pooled = pooled
        self.driver = pooled.driver_connection
        self.info = {}
        run_on_cursor(engine, None, self.driver, "BEGIN IMMEDIATE", ())

    def close(self) -> None:
        """End the create: roll back what was not committed; the connection stays for the next one."""
        self._owner.finished(self)


class CreateConnection:
    """Hands out :class:`KeptWork` on one pooled connection of ``engine``; one create at a time (the
    caller holds the trace log's write lock)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pooled: Any = None
        self._pool: Any = None
        # Held while a create uses the connection: a disposal then leaves it to that create to give back.
        self._in_use = threading.Lock()
        event.listen(engine, "engine_disposed", self._on_disposed)

    def begin(self) -> KeptWork:
        """``BEGIN IMMEDIATE`` on the kept connection (checked out first if there is none, or if the engine
        has a new pool since)."""
        self._in_use.acquire()
        try:
            if self._pooled is not None and self._pool is not self._engine.pool:
                self._give_back()
            if self._pooled is None:
                self._pooled = self._engine.raw_connection()
                self._pool = self._engine.pool
            return KeptWork(self, self._engine, self._pooled)
        except BaseException:
            self._give_back()
            self._in_use.release()
            raise

    def finished(self, work: KeptWork) -> None:
        """Called by ``work.close()``: roll back anything still open; a connection that cannot is dropped."""
        try:
            if work.driver.in_transaction:
                work.driver.rollback()
        except sqlite3.Error:
            log.exception("could not roll back a SCIM create; its connection is closed")
            self._give_back()
        finally:
            self._in_use.release()

    def _on_disposed(self, _engine: Engine) -> None:
        # The database is closed or about to be removed: nothing may stay open on it. A create running
        # right now finds the new pool when the next one begins.
        if self._in_use.acquire(blocking=False):
            try:
                self._give_back()
            finally:
                self._in_use.release()

    def _give_back(self) -> None:
        pooled, self._pooled, self._pool = self._pooled, None, None
        if pooled is not None:
            try:
                # Closed outright: a pool that was disposed of would keep it open once it came back.
                pooled.invalidate()
            except Exception:
                log.exception("could not close the SCIM create connection")
