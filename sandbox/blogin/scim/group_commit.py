"""Concurrent SCIM creates committed together: one transaction, one ``BEGIN IMMEDIATE`` and one commit for
the creates that were waiting for each other anyway.

Changes are serialised (the trace log's write lock, then SQLite's), so while provisioning several creates
are always queued. Here each one still runs alone, in order, and answers only once its own rows are
committed — but the transaction stays open while another create is waiting for its turn: that one's
statements go into the same transaction, and the last create of the run (nobody waiting, or the run is
long enough) commits for all of them. A commit and the ``BEGIN IMMEDIATE`` cost about as much CPU as a
create's own statements, and SQLite writes each touched page once per commit instead of once per create
(the userName trigram index above all).

A create refused before it wrote anything (a taken userName, a bad body) leaves the run as it is. One that
fails after writing cannot be undone alone, so the whole run is rolled back and every create in it answers
that nothing was saved — exactly what happened to each of them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from sandbox.direct_sql import DirectWork

log = logging.getLogger("sandbox.blogin.scim")

# Creates in one transaction at most: the trace writer and other changes wait for the write lock meanwhile.
RUN_LIMIT = 32


class _Run:
    """One open transaction and the creates whose rows are in it."""

    __slots__ = ("done", "kept", "saved", "spoiled", "work")

    def __init__(self, work: DirectWork) -> None:
        self.work = work
        # Creates whose rows are in the transaction, in order: their events are published after the commit.
        self.kept: list[CreateShare] = []
        self.done = threading.Event()
        self.saved = False
        # A create failed after writing: nothing of this run may be committed.
        self.spoiled = False


class CreateShare(DirectWork):
    """One create's part of a run: the run's connection and transaction, its own ``info`` (queued events,
    audit ids). The direct statements run on it as on a :class:`DirectWork`; only :class:`GroupCommit` ends it.
    """

    __slots__ = ("changes", "opener", "run")

    def __init__(self, run: _Run, opener: bool) -> None:
        # No pooled connection of its own: the run's is used and given back by the run.
        self.engine = run.work.engine
        self.driver = run.work.driver
        self.info = {}
        self.run = run
        # The create that began the run holds the trace log's write lock for it.
        self.opener = opener
        # SQLite's count of rows written on the connection so far: a refused create that wrote nothing
        # leaves the others' rows alone.
        self.changes: int = run.work.driver.total_changes

    def commit(self) -> None:
        raise RuntimeError("a create in a run is committed by GroupCommit.leave")

    def rollback(self) -> None:
        raise RuntimeError("a create in a run is ended by GroupCommit.leave")

    def close(self) -> None:
        raise RuntimeError("a create in a run is ended by GroupCommit.leave")


class GroupCommit:
    """Runs concurrent creates one at a time in a shared transaction, committed by the last of them."""

    def __init__(self, write_lock: threading.RLock, publish: Callable[[dict[Any, Any]], None]) -> None:
        """``write_lock`` is taken for a whole run; ``publish`` delivers a committed create's queued events."""
        self._write_lock = write_lock
        self._publish = publish
        # Whose turn it is to run statements; held from ``join`` to ``leave``.
        self._turn = threading.Lock()
        self._counting = threading.Lock()
        self._waiting = 0
        self._run: _Run | None = None

    @property
    def waiting(self) -> int:
        """How many creates are waiting for their turn."""
        return self._waiting

    def join(self, engine: Engine) -> CreateShare:
        """Wait for this create's turn, then begin a run (the write lock, ``BEGIN IMMEDIATE`` on a pooled
        connection) or join the open one. Every share must be given to :meth:`leave`."""
        with self._counting:
            self._waiting += 1
        try:
            self._turn.acquire()
        finally:
            with self._counting:
                self._waiting -= 1
        try:
            run = self._run
            if run is not None:
                return CreateShare(run, opener=False)
            self._write_lock.acquire()
            try:
                run = self._run = _Run(DirectWork(engine))
            except BaseException:
                self._write_lock.release()
                raise
            return CreateShare(run, opener=True)
        except BaseException:
            self._turn.release()
            raise

    def leave(self, share: CreateShare, keep: bool) -> bool:
        """End the create's turn with its rows kept (``keep``) or not; returns once they are committed or
        rolled back, True when they were saved."""
        run = share.run
        try:
            if keep:
                run.kept.append(share)
            elif share.driver.total_changes != share.changes:
                run.spoiled = True
            if run.spoiled or len(run.kept) >= RUN_LIMIT or not self.waiting:
                self._end(run)
            else:
                # The next create continues the transaction; this one answers after the commit.
                self._turn.release()
                run.done.wait()
        finally:
            if share.opener:
                self._write_lock.release()
        return keep and run.saved

    def _end(self, run: _Run) -> None:
        """Commit the run (or roll it back), wake its creates, publish their events in order."""
        try:
            if run.kept and not run.spoiled:
                run.work.commit()
                run.saved = True
        except sqlite3.Error:
            log.exception("SCIM commit failed for %d creates", len(run.kept))
        finally:
            try:
                run.work.close()  # rolls back what was not committed
            finally:
                self._run = None
                run.done.set()
                try:
                    if run.saved:
                        for share in run.kept:
                            self._publish(share.info)
                finally:
                    self._turn.release()
