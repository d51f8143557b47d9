"""Benchmark: initial SCIM provisioning of 10,000 users in 100 groups into the mock BlogIn.

Prints users/s for the initial sync (target: at most 30 s), the time to list 10,000 application
users for a manual import (target: at most 10 s), and both portals' latency while the sync runs.
The machine's load average, the CPU seconds each side spent on the sync and the SCIM requests per
second are printed too, so a figure from a busy machine can be read.

    .venv/bin/python scripts/bench_provisioning.py [--users 10000] [--groups 100]
        [--stub [--stub-latency S] [--stub-cpu S]]

With ``--stub`` a minimal SCIM answerer (asyncio, one thread, in its own process) stands in for
BlogIn, so JumpCloud's own CPU per user and its throughput against a quick server can be read; with
``--stub-cpu S`` it spends S seconds of CPU on each request, one at a time, like a server bound by
one core, and prints how much of the sync it spent answering (the rest it waited for requests).

Over the sync it samples the server's CPU and JumpCloud's, and prints the server's busy fraction (its
CPU seconds per wall second) and a timeline of both beside the SCIM requests in flight (read from the
exchanges JumpCloud recorded), so a server left waiting shows where it waited.

BlogIn runs in a separate ``sso-sandbox serve`` process, as a real application would, so the
figures measure JumpCloud's client and BlogIn's server rather than one interpreter's lock.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from sandbox.app import Sandbox
from sandbox.collector import paused_while_starting, settle_after_start_up
from sandbox.events import utc_now
from sandbox.http import http_client
from sandbox.jumpcloud.models import (
    ProvisionedResource,
    SsoApplication,
    SystemUser,
    Trace,
    UserGroup,
    group_members,
)
from sandbox.jumpcloud.models.base import new_object_id
from sandbox.jumpcloud.services.insights import Initiator
from sandbox.jumpcloud.services.provisioning import connection
from sandbox.jumpcloud.services.provisioning.import_job import list_application_users
from sandbox.saml.idp import WARM_UP_DELAY_S
from sandbox.settings import Settings

ADMIN = Initiator("", "admin", "admin@example.com")


def populate(sandbox: Sandbox, users: int, groups: int) -> str:
    """Users and groups written in bulk (the directory's own pages are not what is measured)."""
    now = utc_now()
    database = sandbox.jumpcloud.database
    with database.transaction() as s:
        user_rows = [
            {
                "id": new_object_id(),
                "username": f"bench.user{n:05d}",
                "email": f"bench.user{n:05d}@example.com",
                "firstname": "Bench",
                "lastname": f"User {n:05d}",
                "displayname": "",
                "job_title": "Tester",
                "work_phone": "",
                "timezone": "",
                "password_pending": False,
                "state": "ACTIVATED",
                "created": now,
                "updated": now,
            }
            for n in range(users)
        ]
        s.execute(insert(SystemUser), user_rows)
        group_rows = [
            {"id": new_object_id(), "name": f"bench-group-{g:03d}", "description": "", "created": now, "updated": now}
            for g in range(groups)
        ]
        s.execute(insert(UserGroup), group_rows)
        s.execute(
            insert(group_members),
            [{"group_id": group_rows[n % groups]["id"], "user_id": row["id"]} for n, row in enumerate(user_rows)],
        )
        app = SsoApplication(
            catalog_key="blogin", name="blogin-bench", display_label="BlogIn", sso_idp_url="https://sso/x"
        )
        s.add(app)
        s.flush()
        app.groups.extend(s.scalars(select(UserGroup).where(UserGroup.name.like("bench-group-%"))).all())
        return app.id


def process_cpu(pid: int, *, task: bool = False) -> float | None:
    """CPU seconds (user + system) a process, or with ``task`` one of this process's threads, has
    used so far; None where /proc is not available."""
    path = Path(f"/proc/self/task/{pid}/stat") if task else Path(f"/proc/{pid}/stat")
    try:
        fields = path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of stat(5), counted after the command name's ")".
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def provisioning_threads_cpu() -> dict[str, float] | None:
    """CPU seconds so far of JumpCloud's provisioning threads, apart from the rest of the process (its
    web server, this script's probes): the dispatcher (claims, snapshots, results in the database)
    and the delivery threads (HTTP, JSON, exchange records)."""
    totals = {"dispatcher": 0.0, "deliveries": 0.0}
    for thread in threading.enumerate():
        if thread.name.startswith("jumpcloud-provisioning"):
            part = "dispatcher"
        elif thread.name.startswith("jumpcloud-scim"):
            part = "deliveries"
        else:
            continue
        cpu = process_cpu(thread.native_id or 0, task=True)
        if cpu is None:
            return None
        totals[part] += cpu
    return totals


def web_server_cpu() -> float:
    """CPU seconds so far of JumpCloud's web server threads (in this process: answering the portal
    probe while the sync runs)."""
    total = 0.0
    for thread in threading.enumerate():
        if thread.name.startswith("waitress-") or thread.name.endswith("-http"):
            total += process_cpu(thread.native_id or 0, task=True) or 0.0
    return total


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "load average not available"
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def scim_requests(sandbox: Sandbox) -> int:
    with sandbox.jumpcloud.database.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Trace).where(Trace.kind == "scim")) or 0)


def process_age_s(pid: int) -> float | None:
    """Seconds since process ``pid`` started (Linux ``/proc``), or ``None`` where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime - started


def wait_until_settled(pid: int, *, quiet_s: float = 0.05, window_s: float = 0.5, limit_s: float = 60.0) -> None:
    """Wait until process ``pid`` spends less than ``quiet_s`` CPU seconds in ``window_s``: the server
    process finishes its start-up work (the JumpCloud it also runs warms its SAML IdP up in a thread,
    importing pysaml2, ``WARM_UP_DELAY_S`` after it serves) before its CPU is counted, so that work is
    not charged to the sync's users."""
    age = process_age_s(pid)
    if age is not None and age < WARM_UP_DELAY_S + 1:
        time.sleep(WARM_UP_DELAY_S + 1 - age)
    deadline = time.monotonic() + limit_s
    previous = process_cpu(pid)
    while previous is not None and time.monotonic() < deadline:
        time.sleep(window_s)
        current = process_cpu(pid)
        if current is None or current - previous < quiet_s:
            return
        previous = current


def wait_for_own_start_up(limit_s: float = 60.0) -> None:
    """Wait until this process's own start-up threads are done: the JumpCloud it runs warms its SAML
    IdP up in a thread (importing pysaml2, about 1 s of CPU), which is not the sync's work."""
    deadline = time.monotonic() + limit_s
    for thread in threading.enumerate():
        if thread.name == "saml-idp-warm-up":
            thread.join(max(0.0, deadline - time.monotonic()))


def start_blogin(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "serve",
            "--data-dir",
            str(data_dir),
            "--jumpcloud-port",
            "0",
            "--blogin-port",
            "0",
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return process, ready["blogin"]


class CpuSampler(threading.Thread):
    """Samples the server's and this process's CPU seconds every ``period`` seconds while the sync runs,
    for the busy fractions over time (a server left waiting for requests shows as a dip)."""

    def __init__(self, server_pid: int, period: float = 0.25) -> None:
        super().__init__(daemon=True, name="bench-cpu-sampler")
        self.server_pid = server_pid
        self.period = period
        # (monotonic seconds, the server's CPU seconds, this process's CPU seconds)
        self.samples: list[tuple[float, float, float]] = []
        self.stop = threading.Event()

    def sample(self) -> None:
        server = process_cpu(self.server_pid)
        own = process_cpu(os.getpid())
        if server is not None and own is not None:
            self.samples.append((time.monotonic(), server, own))

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.period)
        self.sample()


def in_flight_intervals(sandbox: Sandbox, after_seq: int) -> list[tuple[float, float]]:
    """(sent, answered) of every SCIM exchange JumpCloud recorded after trace ``after_seq``, in epoch
    seconds: from the ``sent_at`` and ``latency_ms`` each exchange keeps."""
    intervals: list[tuple[float, float]] = []
    with sandbox.jumpcloud.database.sessions() as s:
        rows = s.execute(
            select(func.json_extract(Trace.data, "$.sent_at"), func.json_extract(Trace.data, "$.latency_ms")).where(
                Trace.kind == "scim", Trace.seq > after_seq
            )
        ).all()
    for sent_text, latency in rows:
        if not sent_text or latency is None:
            continue
        sent = datetime.fromisoformat(sent_text).timestamp()
        intervals.append((sent, sent + float(latency) / 1000))
    return intervals


def last_trace_seq(sandbox: Sandbox) -> int:
    with sandbox.jumpcloud.database.sessions() as s:
        return int(s.scalar(select(func.max(Trace.seq))) or 0)


def timeline(
    samples: list[tuple[float, float, float]],
    intervals: list[tuple[float, float]],
    epoch_offset: float,
    server_name: str,
    rows: int = 20,
) -> list[str]:
    """The sync cut into ``rows`` equal spans: each span's CPU share of the server and of JumpCloud's
    process (1.00 = one whole core) and the SCIM requests in flight on average and at least.

    ``epoch_offset`` turns the samples' monotonic seconds into epoch seconds (the exchanges' clock).
    """
    if len(samples) < 2:
        return []
    start, end = samples[0][0], samples[-1][0]
    span = (end - start) / rows
    if span <= 0:
        return []
    lines = [f"  {'seconds':>11}  {server_name + ' CPU':>10}  {'JumpCloud CPU':>13}  {'in flight (mean, min)':>21}"]
    step = max(span / 50, 0.005)
    for n in range(rows):
        low, high = start + n * span, start + (n + 1) * span
        inside = [s for s in samples if low <= s[0] <= high]
        before = [s for s in samples if s[0] <= low]
        first = before[-1] if before else samples[0]
        last = inside[-1] if inside else first
        seconds = max(last[0] - first[0], 1e-9)
        server_share = (last[1] - first[1]) / seconds
        own_share = (last[2] - first[2]) / seconds
        # Requests in flight, sampled at ``step`` intervals across the span (epoch clock).
        counts = []
        moment = low + epoch_offset
        while moment < high + epoch_offset:
            counts.append(sum(1 for sent, answered in intervals if sent <= moment < answered))
            moment += step
        mean = sum(counts) / len(counts) if counts else 0.0
        lines.append(
            f"  {low - start:5.1f}-{high - start:5.1f}  {server_share:10.2f}  {own_share:13.2f}  "
            f"{mean:14.1f}, {min(counts, default=0):4d}"
        )
    return lines


class LatencyProbe(threading.Thread):
    """Requests a portal page every 100 ms and keeps the latencies."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.samples: list[float] = []
        self.stop = threading.Event()

    def cpu(self) -> float:
        """CPU seconds this probe's own thread (its HTTP client, not the portal it asks) has used."""
        return (process_cpu(self.native_id or 0, task=True) or 0.0) if self.is_alive() else 0.0

    def run(self) -> None:
        with http_client(timeout=30) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                client.get(self.url)
                self.samples.append((time.perf_counter() - started) * 1000)
                self.stop.wait(0.1)

    def report(self, name: str) -> str:
        if not self.samples:
            return f"{name}: no samples"
        ordered = sorted(self.samples)
        p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) > 1 else ordered[0]
        return (
            f"{name}: {len(ordered)} requests, median {statistics.median(ordered):.0f} ms, "
            f"p95 {p95:.0f} ms, max {ordered[-1]:.0f} ms"
        )


def serve_stub(latency: float, cpu: float = 0.0) -> None:
    """A SCIM answerer as cheap as can be: creates echo the user or group with a new id, lookups
    find nobody, other requests succeed empty. Prints its port, then serves until killed.

    ``cpu``: seconds of CPU it spends on each request before answering, one request at a time (a
    server bound by one core, as BlogIn's one interpreter is): its busy fraction then shows how well
    JumpCloud keeps such a server fed, whatever BlogIn's own code costs. ``GET /bench-stats`` answers
    the wall seconds it has spent answering so far (one request at a time, so the rest of the time
    it had nothing to answer)."""
    import asyncio
    import uuid

    answering = [0.0]

    def answer(method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if method == "POST":
            created = {**json.loads(body), "id": uuid.uuid4().hex}
            created.pop("password", None)
            created["meta"] = {"resourceType": "User" if path.endswith("/Users") else "Group", "version": 'W/"1"'}
            return 201, json.dumps(created).encode()
        if method == "GET":
            empty = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0}
            return 200, json.dumps({**empty, "startIndex": 1, "itemsPerPage": 0, "Resources": []}).encode()
        return 204, b""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                method, target = head[0].split(" ")[:2]
                length = next((int(h.split(":")[1]) for h in head if h.lower().startswith("content-length:")), 0)
                body = await reader.readexactly(length) if length else b""
                if target == "/bench-stats":
                    content = json.dumps({"answering_s": answering[0]}).encode()
                    writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {len(content)}\r\n\r\n".encode() + content)
                    await writer.drain()
                    continue
                began = time.perf_counter()
                if latency:
                    await asyncio.sleep(latency)
                if cpu:
                    until = time.thread_time() + cpu
                    while time.thread_time() < until:
                        continue  # spending CPU, as a server bound by one core would
                status, content = answer(method, target.split("?")[0], body)
                reason = {200: "OK", 201: "Created", 204: "No Content"}[status]
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/scim+json\r\n"
                    f"Content-Length: {len(content)}\r\n\r\n".encode()
                    + content
                )
                answering[0] += time.perf_counter() - began
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed its kept-alive connection: this connection is done
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
        await server.serve_forever()

    asyncio.run(serve())


def stub_answering_s(stub_url: str) -> float:
    """Wall seconds the stub has spent answering requests so far (see ``serve_stub``)."""
    with http_client(timeout=10) as client:
        return float(client.get(f"{stub_url}/bench-stats").json()["answering_s"])


def start_stub(latency: float, cpu: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-stub", "--stub-latency", str(latency), "--stub-cpu", str(cpu)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    port = json.loads(process.stdout.readline())["port"]
    return process, f"http://stub.localhost:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument(
        "--delivery-threads", type=int, default=None, help="deliveries in flight at once (default: the worker's)"
    )
    parser.add_argument("--stub", action="store_true", help="provision into a minimal SCIM answerer, not BlogIn")
    parser.add_argument("--stub-latency", type=float, default=0.0, help="seconds the stub waits before answering")
    parser.add_argument(
        "--stub-cpu",
        type=float,
        default=0.0,
        help="seconds of CPU the stub spends on each request, one at a time (a server bound by one core)",
    )
    parser.add_argument("--serve-stub", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stub:
        serve_stub(args.stub_latency, args.stub_cpu)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-provisioning-") as tmp:
        root = Path(tmp)
        if args.stub:
            stub_process, stub_url = start_stub(args.stub_latency, args.stub_cpu)
            try:
                return run(root, stub_process.pid, stub_url, args.users, args.groups, args.delivery_threads, stub=True)
            finally:
                stub_process.terminate()
                stub_process.wait(30)
        blogin_process, blogin_url = start_blogin(root / "blogin-side")
        try:
            return run(root, blogin_process.pid, blogin_url, args.users, args.groups, args.delivery_threads)
        finally:
            blogin_process.terminate()
            blogin_process.wait(30)


def run(
    root: Path,
    blogin_pid: int,
    blogin_url: str,
    users: int,
    groups: int,
    delivery_threads: int | None,
    *,
    stub: bool = False,
) -> int:
    """The sync into the server at ``blogin_url`` (process ``blogin_pid``): BlogIn, or the stub."""
    from sandbox.blogin import BlogIn
    from sandbox.blogin.scim.settings import save_status
    from sandbox.events import EventBus

    token: str | None = "stub-token"
    if not stub:
        # BlogIn's provisioning switched on in its own database (the other process serves it).
        blogin = BlogIn(f"sqlite:///{root / 'blogin-side' / 'blogin.sqlite'}", EventBus())
        with blogin.database.transaction() as s:
            token = save_status(s, True, actor="admin@acme.example").token
        blogin.close()
    assert token
    base_url = f"{blogin_url}/sso/scim/V2"

    settings = Settings(data_dir=root / "jumpcloud-side", jumpcloud_port=0, blogin_port=0)
    # Started as ``sso-sandbox serve`` starts it (BlogIn's side is one): the cyclic collector paused
    # meanwhile, then settled.
    with paused_while_starting():
        sandbox = Sandbox(settings)
        sandbox.start()
    settle_after_start_up()
    with contextlib.ExitStack() as running:
        running.callback(sandbox.stop)
        worker = sandbox.jumpcloud.provisioning.worker
        if delivery_threads is not None:
            worker.stop()
            worker.delivery_threads = delivery_threads
            worker.start()
        print(f"JumpCloud delivers with {worker.delivery_threads} threads")
        started = time.perf_counter()
        application_id = populate(sandbox, users, groups)
        print(f"directory: {users} users in {groups} groups written in {time.perf_counter() - started:.1f} s")

        test = None if stub else connection.test_connection(base_url, token)
        if test is not None and not test.ok:
            print(f"activation failed: {test.message}")
            return 1
        wait_until_settled(blogin_pid)
        wait_for_own_start_up()
        probes = [LatencyProbe(f"{sandbox.jumpcloud.base_url}/login")]
        if not stub:
            probes.append(LatencyProbe(f"{blogin_url}/login"))
        for probe in probes:
            probe.start()
        print(f"before the sync: {load_average()}")
        sampler = CpuSampler(blogin_pid)
        trace_seq_before = last_trace_seq(sandbox)
        requests_before = scim_requests(sandbox)
        answering_before = stub_answering_s(blogin_url) if stub else 0.0
        blogin_cpu_before = process_cpu(blogin_pid)
        probes_cpu_before = sum(probe.cpu() for probe in probes)
        web_cpu_before = web_server_cpu()
        jumpcloud_cpu_before = time.process_time()
        epoch_offset = time.time() - time.monotonic()
        sampler.start()
        started = time.perf_counter()
        with sandbox.jumpcloud.database.transaction() as s:
            app = s.get(SsoApplication, application_id)
            assert app is not None
            idm = connection.identity_management(s, app)
            connection.mark_tested(idm, base_url, token, True)
            connection.save(s, app, idm, group_management=True, initiator=ADMIN)
        queued = time.perf_counter() - started
        if not worker.wait_until_idle(timeout=600):
            print("the sync did not finish within 10 minutes")
            return 1
        elapsed = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        answering = stub_answering_s(blogin_url) - answering_before if stub else 0.0
        # The probes play the browsers: their client CPU is this process's but not JumpCloud's.
        probes_cpu = sum(probe.cpu() for probe in probes) - probes_cpu_before
        jumpcloud_cpu = time.process_time() - jumpcloud_cpu_before - probes_cpu
        web_cpu = web_server_cpu() - web_cpu_before
        # The threads are the worker's own, started before the sync: their whole CPU time counts.
        worker_cpu = provisioning_threads_cpu()
        blogin_cpu_after = process_cpu(blogin_pid)
        blogin_cpu = (
            blogin_cpu_after - blogin_cpu_before
            if blogin_cpu_after is not None and blogin_cpu_before is not None
            else None
        )
        requests = scim_requests(sandbox) - requests_before
        for probe in probes:
            probe.stop.set()
            probe.join()
        with sandbox.jumpcloud.database.sessions() as s:
            provisioned = len(
                s.scalars(
                    select(ProvisionedResource.jumpcloud_id).where(
                        ProvisionedResource.application_id == application_id,
                        ProvisionedResource.resource_type == "user",
                    )
                ).all()
            )
        print(
            f"initial provisioning: {provisioned} users and {groups} groups in {elapsed:.1f} s "
            f"({provisioned / elapsed:.0f} users/s; queuing took {queued:.1f} s) — target 30 s: "
            f"{'met' if elapsed <= 30 else 'MISSED'}"
        )
        per_user = 1000 / max(provisioned, 1)
        print(f"after the sync: {load_average()}")
        print(f"SCIM requests: {requests} in {elapsed:.1f} s ({requests / elapsed:.0f} requests/s)")
        if worker_cpu is not None:
            print(
                "CPU of JumpCloud's provisioning threads per user: "
                f"dispatcher {worker_cpu['dispatcher'] * per_user:.2f} ms, "
                f"deliveries {worker_cpu['deliveries'] * per_user:.2f} ms; "
                f"JumpCloud's web server (answering the portal probe) {web_cpu * per_user:.2f} ms"
            )
        print(
            f"CPU spent on the sync: JumpCloud {jumpcloud_cpu:.1f} s ({jumpcloud_cpu * per_user:.2f} ms per user), "
            + (
                f"{'the stub' if stub else 'BlogIn'} {blogin_cpu:.1f} s ({blogin_cpu * per_user:.2f} ms per user)"
                if blogin_cpu is not None
                else "the server not measured (no /proc)"
            )
            + f"; wall {elapsed:.1f} s (the latency probes' own client CPU, {probes_cpu:.1f} s, left out)"
        )
        if blogin_cpu is not None:
            server_name = "the stub" if stub else "BlogIn"
            intervals = in_flight_intervals(sandbox, trace_seq_before)
            print(
                f"{server_name} busy: {blogin_cpu / elapsed:.2f} of a core over the sync "
                f"(its CPU seconds / wall seconds); over time, with JumpCloud's whole process and the SCIM "
                "requests in flight:"
            )
            if stub:
                print(
                    f"the stub was answering {answering / elapsed:.2f} of the sync's wall time "
                    "(one request at a time: the rest of the time it had none to answer)"
                )
            for line in timeline(sampler.samples, intervals, epoch_offset, "BlogIn" if not stub else "stub"):
                print(line)
        print("portal latency while syncing:")
        for probe, name in zip(probes, ("JumpCloud /login", "BlogIn /login"), strict=False):
            print("  " + probe.report(name))
        if stub:
            return 0 if provisioned == users else 2

        with sandbox.jumpcloud.database.sessions() as s:
            app = s.get(SsoApplication, application_id)
            assert app is not None
            idm = connection.identity_management(s, app)
            blogin_cpu_before = process_cpu(blogin_pid)
            listing_cpu = time.process_time()
            started = time.perf_counter()
            listed = list_application_users(idm).users
            listing = time.perf_counter() - started
            listing_cpu = time.process_time() - listing_cpu
            blogin_cpu_after = process_cpu(blogin_pid)
        blogin_listing = (
            f", BlogIn {blogin_cpu_after - blogin_cpu_before:.1f} s"
            if blogin_cpu_after is not None and blogin_cpu_before is not None
            else ""
        )
        print(
            f"manual import listing: {len(listed)} application users in {listing:.1f} s "
            f"({len(listed) // 100 + 1} pages of 100; CPU: JumpCloud {listing_cpu:.1f} s{blogin_listing}) — "
            f"target 10 s: {'met' if listing <= 10 else 'MISSED'}"
        )
        return 0 if provisioned == users and elapsed <= 30 and listing <= 10 else 2


if __name__ == "__main__":
    sys.exit(main())
