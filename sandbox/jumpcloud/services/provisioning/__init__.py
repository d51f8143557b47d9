"""Identity Management: SCIM provisioning of applications from JumpCloud's directory.

:class:`Provisioning` is what the ``JumpCloud`` system object holds: change tracking on its
sessions, the outbox worker, and background manual imports.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sandbox.db import Database
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.traces import TraceLog

if TYPE_CHECKING:
    from sandbox.jumpcloud.services.provisioning.worker import ProvisioningWorker

log = logging.getLogger("sandbox.jumpcloud.provisioning")


class Provisioning:
    """The provisioning engine of one JumpCloud."""

    def __init__(self, database: Database, traces: TraceLog) -> None:
        from sandbox.jumpcloud.services.provisioning.changes import install_change_tracking

        self.database = database
        self.traces = traces
        self._worker: ProvisioningWorker | None = None
        self._worker_lock = threading.Lock()
        install_change_tracking(database.sessions, self._wake)
        self._imports: list[threading.Thread] = []

    @property
    def worker(self) -> ProvisioningWorker:
        """The outbox worker, made on first use (when provisioning starts, or when asked for).

        Its module loads httpx and the SCIM client (about 0.1 s of CPU), which a desktop start does
        not need before its first page: the worker starts once both systems serve.
        """
        with self._worker_lock:
            if self._worker is None:
                from sandbox.jumpcloud.services.provisioning.worker import ProvisioningWorker

                self._worker = ProvisioningWorker(self.database, self.traces)
            return self._worker

    def _wake(self) -> None:
        # Before the worker exists there is nothing to wake: it reads the outbox when it starts.
        worker = self._worker
        if worker is not None:
            worker.wake()

    @property
    def running(self) -> bool:
        """Whether the outbox worker is delivering (False before it exists)."""
        return self._worker is not None and self._worker.running

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
        for thread in self._imports:
            thread.join(timeout=30)
        self._imports = [t for t in self._imports if t.is_alive()]

    def forget_deliveries(self) -> None:
        """The database was replaced while stopped: results of earlier deliveries are never recorded."""
        if self._worker is not None:
            self._worker.forget_deliveries()

    def start_import(self, application_id: str, scim_ids: list[str], initiator: Initiator, recipient: str) -> None:
        """A manual import of 100 users or more: runs in the background, reports to the Mailbox."""
        from sandbox.jumpcloud.services.provisioning.import_job import run_import

        thread = threading.Thread(
            target=run_import,
            args=(self.database, self.traces, application_id, scim_ids, initiator, recipient),
            name="jumpcloud-import",
            daemon=True,
        )
        self._imports = [t for t in self._imports if t.is_alive()] + [thread]
        thread.start()

    def wait_for_imports(self, timeout: float = 60.0) -> None:
        for thread in list(self._imports):
            thread.join(timeout)
