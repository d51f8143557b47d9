"""BlogIn's write-ahead log written to disk while SCIM changes run, ahead of the checkpoints that wait for it.

In WAL mode with ``synchronous=NORMAL`` a commit only appends to the ``-wal`` file; every 1,000 pages the
commit that crosses the mark checkpoints, and a checkpoint first waits for an ``fdatasync`` of the whole
log (tens of milliseconds on this disk for a thousand pages) before it copies the pages back and syncs the
database. That commit runs under the SCIM write lock, so during a provisioning sync every other change
waits for that disk flush too, and BlogIn's process sits idle. A flusher thread syncs the log every few
milliseconds while changes are being made, outside the lock: when the checkpoint's own sync comes, almost
nothing is left to write. An extra ``fdatasync`` never weakens what SQLite guarantees; it only moves the
disk's work to a thread nobody waits for.

Only where ``os.fdatasync`` exists (Linux, the BSDs); elsewhere there is nothing to do.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger("sandbox.blogin.scim")

# How long after a change the log is synced, and how often while changes keep coming: a few commits'
# worth of pages each time, while a checkpoint comes only every 50-60 creates.
FLUSH_PERIOD_S = 0.02

_fdatasync = getattr(os, "fdatasync", None)


def can_flush(database_path: Path | None) -> bool:
    """Whether a database at ``database_path`` (None: not a file) gets a flusher here."""
    return database_path is not None and _fdatasync is not None


class WalFlusher:
    """Syncs ``<database>-wal`` to disk about every :data:`FLUSH_PERIOD_S` while :meth:`kick` is being called.

    The thread starts with the first :meth:`kick` and sleeps while no change is made. The log is opened for
    each sync and closed after it, so no descriptor outlives the sync (a wipe may unlink the file; SQLite
    deletes it when its last connection closes).
    """

    def __init__(self, database_path: Path, *, period: float = FLUSH_PERIOD_S) -> None:
        self.path = f"{database_path}-wal"
        self.period = period
        # Syncs made so far (read by tests and diagnostics).
        self.flushes = 0
        self._activity = threading.Event()
        self._closed = threading.Event()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """A change was committed (or is about to be): sync the log shortly."""
        if self._activity.is_set():
            return
        if self._thread is None:
            self._start()
        self._activity.set()

    def _start(self) -> None:
        with self._guard:
            if self._thread is not None or self._closed.is_set():
                return
            thread = threading.Thread(target=self._run, name="blogin-wal-flush", daemon=True)
            thread.start()
            self._thread = thread

    def _run(self) -> None:
        while True:
            self._activity.wait()
            if self._closed.is_set():
                return
            # Changes made from here on ask for the next sync.
            self._activity.clear()
            if self._closed.wait(self.period):
                return
            self.flush()

    def flush(self) -> None:
        """Sync the log now (nothing when there is none: no change since the last connection closed)."""
        if _fdatasync is None:
            return
        try:
            descriptor = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return
        try:
            _fdatasync(descriptor)
            self.flushes += 1
        except OSError as error:
            # Never fatal: the checkpoint syncs the log itself.
            log.debug("could not sync %s: %s", self.path, error)
        finally:
            os.close(descriptor)

    def close(self) -> None:
        """Stop the thread (before the database closes)."""
        self._closed.set()
        self._activity.set()
        with self._guard:
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
