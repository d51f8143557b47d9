"""The background worker that delivers the ProvisioningOutbox.

One dispatcher thread owns every database write of the worker: it claims due operations (the first
pending one of each resource, so one resource's operations stay in order), snapshots what they need,
hands them to a pool of delivery threads that only speak HTTP (users about to be provisioned are
first looked up a few dozen per request, see ``lookups``), and writes each outcome — the DI
events, the traces, the id mapping and the operation's new status — in one transaction. A crash
between an HTTP answer and that transaction leaves the operation pending; delivering it again is
harmless because a user or group is always looked up before it is created.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import httpx
from sqlalchemy import func, select

from sandbox.db import Database
from sandbox.events import utc_now
from sandbox.jumpcloud.models import ProvisioningOutbox
from sandbox.jumpcloud.models.provisioning import PENDING, USER
from sandbox.jumpcloud.services.provisioning.delivery import deliver
from sandbox.jumpcloud.services.provisioning.jobs import Connection, Job, Outcome
from sandbox.jumpcloud.services.provisioning.lookups import look_up, plan
from sandbox.jumpcloud.services.provisioning.results import ResultWriters, record_outcomes
from sandbox.jumpcloud.services.provisioning.snapshot import Key, build_jobs
from sandbox.scim.client import REJECTED, ScimClient, ScimRequestError
from sandbox.scim.http11 import KeepAlivePool
from sandbox.traces import TraceLog

log = logging.getLogger("sandbox.jumpcloud.provisioning")

#: Longest wait between two looks at the outbox while nothing is in flight (see ``_next_due_in``).
IDLE_WAIT_S = 10.0


class ProvisioningWorker:
    """Delivers queued operations to every application whose Identity Management is active.

    ``delivery_threads`` is how many requests are in flight at once. Eight leave four of the mock BlogIn's
    twelve server threads to its console and health check, even when its SCIM endpoint is made slow on
    purpose. Sixteen gained it under a tenth in users/s (its CPU is the limit) while its portal pages,
    queued behind the SCIM requests, took twice as long (p95 90 → 355 ms). A
    server that is slow to answer rather than busy gains from more (25 ms per answer: 169 users/s
    with eight, 312 with sixteen).
    """

    def __init__(
        self,
        database: Database,
        traces: TraceLog,
        *,
        delivery_threads: int = 8,
        max_attempts: int = 6,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        timeout: float = 10.0,
        batch_window: float = 0.03,
    ) -> None:
        self.database = database
        self.traces = traces
        self.delivery_threads = delivery_threads
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self.batch_window = batch_window
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        # A SimpleQueue: every delivery passes through it, and it takes no Python-level lock.
        self._finished: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._inflight: dict[Key, Job] = {}
        self._thread: threading.Thread | None = None
        # The delivery threads and what they take in turn: a job to deliver, a chunk of jobs to look
        # up first, or None to stop. Plain threads and one SimpleQueue, not an executor: a Future per
        # job (its Condition, the done callback, the executor's wake-ups) cost about 35 microseconds
        # of CPU a job, and a looked-up user went through it twice.
        self._tasks: queue.SimpleQueue[Job | list[Job] | None] = queue.SimpleQueue()
        self._delivery_threads: list[threading.Thread] = []
        self.writers = ResultWriters(database.engine.dialect, traces)
        # Base URLs of servers that refused a batched lookup: their users are looked up one by one.
        self._batch_lookup_refused: set[str] = set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        # A stop event of its own for each dispatcher: one that outlived a stop's timeout never resumes.
        self._stopping = threading.Event()
        # Each delivery thread keeps its own connections: one shared pool makes the threads queue on
        # its lock, and plain-http SCIM requests skip httpx (see sandbox.scim.http11).
        self._http = KeepAlivePool(per_origin=2)
        # Each delivery thread's ScimClient per connection (see _deliver).
        self._local = threading.local()
        self._tasks = queue.SimpleQueue()
        self._delivery_threads = [
            threading.Thread(
                target=self._deliveries, args=(self._tasks, self._finished), name=f"jumpcloud-scim_{n}", daemon=True
            )
            for n in range(self.delivery_threads)
        ]
        for thread in self._delivery_threads:
            thread.start()
        self._thread = threading.Thread(
            target=self._run, args=(self._stopping,), name="jumpcloud-provisioning", daemon=True
        )
        self._thread.start()
        log.info("provisioning worker started with %d delivery threads", self.delivery_threads)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is in flight (its results are kept), then stop."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wakeup.set()
        self._thread.join(timeout)
        self._thread = None
        # Tasks not started are dropped (their operations stay pending in the outbox); a delivery
        # still under way finishes and leaves its outcome in the finished queue, for the next start.
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        for _thread in self._delivery_threads:
            self._tasks.put(None)
        self._delivery_threads = []
        self._http.close()
        log.info("provisioning worker stopped")

    def forget_deliveries(self) -> None:
        """The database was replaced (a reset, a scenario loaded) while the worker was stopped: results of
        deliveries from before, finished or still under way, belong to the state that is gone and are
        never recorded. Their delivery threads report to a queue nobody reads any more."""
        if self.running:
            raise RuntimeError("stop the provisioning worker before replacing its database")
        self._finished = queue.SimpleQueue()
        self._inflight.clear()

    def wake(self) -> None:
        """New operations were committed."""
        self._wakeup.set()

    def wait_until_idle(self, timeout: float = 30.0) -> bool:
        """Until nothing is pending or in flight (operations waiting for a retry count as pending)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._inflight and self._finished.empty() and self.pending() == 0:
                return True
            time.sleep(0.05)
        return False

    def pending(self) -> int:
        with self.database.sessions() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(ProvisioningOutbox).where(ProvisioningOutbox.status == PENDING)
                )
                or 0
            )

    # -- the dispatcher thread -------------------------------------------------------------------

    def _run(self, stop: threading.Event) -> None:
        while True:
            try:
                # Cleared before looking for work, so a wake-up arriving meanwhile is not lost.
                self._wakeup.clear()
                stopping = stop.is_set()
                if stopping and stop is not self._stopping:
                    return  # stopped, and a newer dispatcher has taken over: what is left is its own
                self._apply_finished()
                if stopping:
                    if not self._inflight:
                        return
                    self._wakeup.wait(0.1)
                    continue
                claimed = self._claim() if self._room_to_claim() else 0
                if claimed and self._room_to_claim():
                    continue
                # Deliveries wake the dispatcher as they finish; with none in flight, the earliest
                # retry falling due does.
                self._wakeup.wait(1.0 if self._inflight else self._next_due_in())
                if self._inflight:
                    self._gather()
            except Exception:
                # A database hiccup (locked, disk full) must not end delivery: try again shortly.
                log.exception("provisioning worker cycle failed")
                time.sleep(1.0)

    def _gather(self) -> None:
        """Let results arrive so one transaction records many: until a claim's worth has finished,
        or ``batch_window`` has passed (thirty times that while the pipeline is at least half full: a
        busy sync's results come steadily, each transaction has a fixed cost of a few milliseconds,
        and against a slow server a short window would record a few results at a time). A busy sync
        then records a batch and claims the next in turn."""
        full = len(self._inflight) >= self._capacity // 2
        deadline = time.monotonic() + self.batch_window * (30 if full else 1)
        while self._finished.qsize() < self._claim_size and not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._stopping.wait(min(remaining, self.batch_window))

    @property
    def _capacity(self) -> int:
        """Operations claimed and not yet recorded, at most: 64 per delivery thread. The delivery
        threads must never run out of work while the dispatcher records a batch and claims the next
        (against a quick server, 32 per thread ran dry between claims: a tenth to a half of a second
        at a time with nothing in flight)."""
        return self.delivery_threads * 64

    @property
    def _claim_size(self) -> int:
        """Operations per claim, at most: 16 per delivery thread. Claims come as soon as there is
        that much room, so the first requests go out after one claim, not after a whole pipeline's."""
        return self.delivery_threads * 16

    def _room_to_claim(self) -> bool:
        """Claim in batches (a claim's size at least) unless the pipeline is nearly empty: every
        claim reads the outbox's head and the state of the resources, whatever their number."""
        room = self._capacity - len(self._inflight)
        return room > 0 and (room >= self._claim_size or len(self._inflight) < self.delivery_threads)

    def _claim(self) -> int:
        room = min(self._capacity - len(self._inflight), self._claim_size)
        users_in_flight: dict[str, int] = {}
        for job in self._inflight.values():
            if job.resource_type == USER:
                application_id = job.application["id"]
                users_in_flight[application_id] = min(users_in_flight.get(application_id, job.seqs[0]), job.seqs[0])
        seqs = [seq for job in self._inflight.values() for seq in job.seqs]
        with self.database.transaction() as session:
            jobs = build_jobs(session, room, set(self._inflight), users_in_flight, seqs)
        for job in jobs:
            self._inflight[job.key] = job
        direct, chunks = plan(jobs, self._batch_lookup_refused)
        for job in direct:
            self._tasks.put(job)
        for chunk in chunks:
            self._tasks.put(chunk)
        return len(jobs)

    def _deliveries(
        self, tasks: queue.SimpleQueue[Job | list[Job] | None], finished: queue.SimpleQueue[Outcome]
    ) -> None:
        """A delivery thread: jobs delivered and chunks looked up as they come, until told to stop; each
        outcome goes to ``finished``, the results queue of the state the job was claimed from."""
        while True:
            task = tasks.get()
            if task is None:
                return
            if isinstance(task, list):
                self._look_up_then_deliver(task, tasks)
                continue
            try:
                outcome = self._deliver(task)
            except Exception as error:  # the outcome must come back, or the job stays in flight
                log.exception("delivery of %s %s failed unexpectedly", task.operation, task.resource_id)
                outcome = _unexpected(task, error)
            finished.put(outcome)
            self._wakeup.set()

    def _deliver(self, job: Job) -> Outcome:
        """On a delivery thread: ``job`` delivered with this thread's client for its connection."""
        clients: dict[Connection, ScimClient] | None = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        client = clients.get(job.connection)
        if client is None:
            # Made once per thread and connection: the request head's fixed part, the recorded
            # headers and the origin are worked out once, not for every delivery.
            client = clients[job.connection] = ScimClient(
                job.connection.base_url, job.connection.token_key, timeout=self.timeout, client=self._http
            )
        return _deliver_safely(job, self._http, self.timeout, client)

    def _look_up_then_deliver(self, chunk: list[Job], tasks: queue.SimpleQueue[Job | list[Job] | None]) -> None:
        """On a delivery thread: one lookup for the chunk, then each job queued for the delivery
        threads (delivered concurrently)."""
        try:
            look_up(chunk, self._http, self.timeout, self._batch_lookup_refused)
        except Exception:
            log.exception("batched lookup failed unexpectedly; the users are looked up one at a time")
            for job in chunk:
                job.looked_up, job.found, job.lookup_error = False, None, None
        for job in chunk:
            tasks.put(job)

    def _apply_finished(self) -> None:
        outcomes: list[Outcome] = []
        while len(outcomes) < 500:
            try:
                outcomes.append(self._finished.get_nowait())
            except queue.Empty:
                break
        if not outcomes:
            return
        try:
            with self.database.transaction() as session:
                record_outcomes(self, session, outcomes, set(self._inflight))
        finally:
            for outcome in outcomes:
                self._inflight.pop(outcome.job.key, None)

    def retry_delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff from ``backoff_base``; a server's ``Retry-After`` is honoured as given."""
        if retry_after is not None:
            return min(retry_after, self.backoff_cap)
        return float(min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1))))

    def _next_due_in(self) -> float:
        """How long to wait with nothing in flight: until the earliest retry falls due, at most
        ``IDLE_WAIT_S``. New work wakes the dispatcher at once (every commit that queues operations
        does, and a scenario load restarts the worker), so the limit is only a safety net; each idle
        look at the outbox costs a few milliseconds of CPU, which a one-second limit spent every
        second while the app sat idle."""
        with self.database.sessions() as session:
            due = session.scalar(
                select(func.min(ProvisioningOutbox.next_attempt_at)).where(
                    ProvisioningOutbox.status == PENDING, ProvisioningOutbox.next_attempt_at.is_not(None)
                )
            )
        if due is None:
            return IDLE_WAIT_S
        return max(0.01, min(IDLE_WAIT_S, (due - utc_now()).total_seconds()))


def _deliver_safely(job: Job, http: httpx.BaseTransport, timeout: float, client: ScimClient) -> Outcome:
    try:
        return deliver(job, http, timeout, client=client)
    except Exception as error:
        log.exception("delivery of %s %s failed unexpectedly", job.operation, job.resource_id)
        return _unexpected(job, error)


def _unexpected(job: Job, error: Exception) -> Outcome:
    """The outcome of a delivery that failed on something other than the application's answer."""
    outcome = Outcome(job)
    outcome.error = ScimRequestError(REJECTED, f"Delivery failed unexpectedly ({type(error).__name__}).")
    return outcome
