"""Benchmark BlogIn's SCIM server against a bare Flask "hello" (the ceiling) and scim2-server.

All three are served by waitress on loopback and measured by the same sequential httpx client, with
10,000 users and 500 groups loaded (SQLite for BlogIn, memory for scim2-server). Each operation is
measured in rounds that alternate BlogIn, the hello ceiling and scim2-server, so the ratios stay
meaningful on a machine whose load changes during the run. Prints every figure with both ratios.
Run: ``.venv/bin/python scripts/bench_scim.py [--users N] [--creates N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from flask import Flask
from sqlalchemy import insert

from sandbox.blogin import BlogIn
from sandbox.blogin import create_app as create_blogin_app
from sandbox.blogin.models import Team, User, team_members
from sandbox.blogin.scim.settings import save_status
from sandbox.events import EventBus, utc_now
from sandbox.http import http_client
from sandbox.server import ServerThread

logging.getLogger("waitress.queue").setLevel(logging.ERROR)

Call = Callable[[httpx.Client, int], httpx.Response]


def user_body(n: int, prefix: str = "user") -> dict[str, Any]:
    name = f"{prefix}{n:05d}@bench.example"
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "active": True,
        "displayName": f"User {n}",
        "name": {"givenName": "User", "familyName": f"Number{n}"},
        "emails": [{"value": name, "type": "work", "primary": True}],
        "externalId": f"{n:024x}",
    }


def load_blogin(system: BlogIn, users: int, groups: int) -> tuple[list[str], str]:
    """Bulk-load through SQLAlchemy Core (the benchmark measures the API, not the loading)."""
    now = utc_now()
    rows = []
    for n in range(users):
        body = user_body(n)
        rows.append(
            {
                "id": f"{n:032x}",
                "user_name": body["userName"],
                "user_name_key": body["userName"],
                "email": body["userName"],
                "given_name": "User",
                "family_name": f"Number{n}",
                "formatted_name": "",
                "display_name": body["displayName"],
                "title": "",
                "phone": "",
                "timezone": "",
                "active": True,
                "role": "Reader",
                "source": "SCIM",
                "external_id": body["externalId"],
                "scim_extra": {"emails": body["emails"]},
                "created": now,
                "last_modified": now,
                "version": 1,
            }
        )
    with system.database.transaction() as session:
        session.execute(insert(User), rows)
        teams = [
            {
                "id": f"{n:031x}g",
                "display_name": f"Team {n}",
                "display_name_key": f"team {n}",
                "source": "SCIM",
                "created": now,
                "last_modified": now,
                "version": 1,
            }
            for n in range(groups)
        ]
        session.execute(insert(Team), teams)
        members = [{"team_id": teams[n % groups]["id"], "user_id": rows[n]["id"]} for n in range(users)]
        session.execute(insert(team_members), members)
        token = save_status(session, True, actor="bench").token
    assert token
    return [r["id"] for r in rows], token


def scim2_server_app(users: int, groups: int) -> tuple[Any, list[str]]:
    from scim2_models import Group
    from scim2_models import User as ScimUser
    from scim2_server.memory import InMemoryStorage
    from scim2_server.testserver.application import BearerTokenApplication
    from scim2_server.utils import load_default_provider

    storage = InMemoryStorage()
    app = BearerTokenApplication(storage, load_default_provider(), bearer_tokens=["bench-token"])
    user_type = app.service.get_resource_type("User")
    group_type = app.service.get_resource_type("Group")
    ids = [storage.create(user_type, ScimUser.model_validate(user_body(n))).id for n in range(users)]
    for n in range(groups):
        members = [{"value": ids[i]} for i in range(n, users, groups)]
        storage.create(group_type, Group.model_validate({"displayName": f"Team {n}", "members": members}))
    return app, [str(i) for i in ids]


class Tally:
    """Timings of one target for one operation, gathered over several rounds."""

    def __init__(self) -> None:
        self.timings: list[float] = []
        self.elapsed = 0.0
        self.cpu = 0.0

    def run(self, client: httpx.Client, call: Call, start: int, count: int, expect: int | tuple[int, ...]) -> None:
        wanted = expect if isinstance(expect, tuple) else (expect,)
        started, cpu_started = time.perf_counter(), time.process_time()
        for i in range(start, start + count):
            t0 = time.perf_counter()
            response = call(client, i)
            self.timings.append((time.perf_counter() - t0) * 1000)
            if response.status_code not in wanted:
                raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
        self.elapsed += time.perf_counter() - started
        self.cpu += time.process_time() - cpu_started

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def rate(self) -> float:
        return len(self.timings) / self.elapsed

    @property
    def cpu_ms(self) -> float:
        """CPU time of this process per request: client and server, without the time spent waiting for a CPU."""
        return self.cpu * 1000 / len(self.timings)


def measure_interleaved(
    client: httpx.Client, calls: dict[str, Call], count: int, expect: int | tuple[int, ...], rounds: int
) -> dict[str, Tally]:
    """Each target in turn, ``rounds`` times, so a load that comes and goes weighs on all of them alike."""
    tallies = {name: Tally() for name in calls}
    per_round = max(1, count // rounds)
    done = 0
    while done < count:
        step = min(per_round, count - done)
        for name, call in calls.items():
            tallies[name].run(client, call, done, step, 200 if name == "hello" else expect)
        done += step
    return tallies


def scenarios(
    base: str, token: str, ids: list[str], users: int, tag: str
) -> dict[str, tuple[Call, int, int | tuple[int, ...]]]:
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    rng = random.Random(7)
    names = [user_body(rng.randrange(users))["userName"] for _ in range(2000)]
    picks = [rng.choice(ids) for _ in range(2000)]

    def get_by_id(c: httpx.Client, i: int) -> httpx.Response:
        return c.get(f"{base}/Users/{picks[i % len(picks)]}", headers=auth)

    def filter_eq(c: httpx.Client, i: int) -> httpx.Response:
        return c.get(f"{base}/Users", params={"filter": f'userName eq "{names[i % len(names)]}"'}, headers=auth)

    def filter_co(c: httpx.Client, i: int) -> httpx.Response:
        return c.get(f"{base}/Users", params={"filter": f'userName co "{i % 9973:04d}@"'}, headers=auth)

    def page(c: httpx.Client, i: int) -> httpx.Response:
        start = 1 + (i * 100) % max(1, users - 100)
        return c.get(f"{base}/Users", params={"startIndex": start, "count": 100}, headers=auth)

    def post(c: httpx.Client, i: int) -> httpx.Response:
        return c.post(f"{base}/Users", json=user_body(i, f"{tag}post"), headers=auth)

    def patch(c: httpx.Client, i: int) -> httpx.Response:
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "name.givenName", "value": f"Given{i}"}],
        }
        return c.patch(f"{base}/Users/{picks[i % len(picks)]}", json=body, headers=auth)

    def creates(c: httpx.Client, i: int) -> httpx.Response:
        return c.post(f"{base}/Users", json=user_body(i, f"{tag}bulk"), headers=auth)

    return {
        "GET /Users/{id}": (get_by_id, 1000, 200),
        'filter=userName eq "…"': (filter_eq, 1000, 200),
        # 300, not fewer: at 100 the ratio to the ceiling moved by a tenth between two runs of the same code.
        'filter=userName co "…"': (filter_co, 300, 200),
        "page of 100 users": (page, 100, 200),
        "POST /Users": (post, 500, 201),
        "PATCH replace": (patch, 500, (200, 204)),  # scim2-server may answer 204
        "sequential creates": (creates, 0, 201),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--creates", type=int, default=10_000, help="how many sequential creates to time")
    parser.add_argument("--rounds", type=int, default=5, help="rounds each operation is split into")
    parser.add_argument(
        "--only", action="append", default=[], help="run only operations whose name contains this (repeatable)"
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-scim-"))
    system = BlogIn(f"sqlite:///{work / 'blogin.sqlite'}", EventBus())
    system.open()
    ids, token = load_blogin(system, args.users, args.groups)
    blogin_server = ServerThread(create_blogin_app(system), system="BlogIn", port=0, option="--blogin-port")
    system.port = blogin_server.port

    hello = Flask("hello")
    hello.add_url_rule("/hello", "hello", lambda: "hello")
    hello_server = ServerThread(hello, system="hello", port=0, option="--port")

    print(f"loading scim2-server with {args.users} users and {args.groups} groups …", flush=True)
    reference_app, reference_ids = scim2_server_app(args.users, args.groups)
    reference_server = ServerThread(reference_app, system="scim2-server", port=0, option="--port")
    for server in (blogin_server, hello_server, reference_server):
        server.start()

    hello_url = f"http://127.0.0.1:{hello_server.port}/hello"

    def hello_call(c: httpx.Client, i: int) -> httpx.Response:
        return c.get(hello_url)

    with http_client(timeout=60) as client:
        ours = scenarios(f"{system.base_url}/sso/scim/V2", token, ids, args.users, "b")
        theirs = scenarios(
            f"http://127.0.0.1:{reference_server.port}/v2", "bench-token", reference_ids, args.users, "r"
        )
        warm = measure_interleaved(client, {"hello": hello_call}, 500, 200, 1)["hello"]
        print(f"\nceiling: bare Flask hello through waitress: {warm.rate:,.0f} req/s before the run")
        print(f"(each operation interleaves BlogIn, the hello ceiling and scim2-server in {args.rounds} rounds)\n")
        header = (
            f"{'operation':24} {'BlogIn':>20} {'× ceiling':>10} {'scim2-server':>20} "
            f"{'BlogIn ÷ scim2':>15} {'ceiling':>11}"
        )
        print(header)
        print("-" * len(header))
        rows = []
        for name, (call, count, expect) in ours.items():
            if args.only and not any(part.lower() in name.lower() for part in args.only):
                continue
            count = count or args.creates
            tallies = measure_interleaved(
                client, {"blogin": call, "hello": hello_call, "scim2": theirs[name][0]}, count, expect, args.rounds
            )
            mine, ceiling, reference = tallies["blogin"], tallies["hello"], tallies["scim2"]
            rows.append((name, mine, ceiling, reference))
            print(
                f"{name:24} {mine.rate:8,.0f} req/s {mine.median:5.2f} ms {mine.rate / ceiling.rate:9.2f}× "
                f"{reference.rate:8,.0f} req/s {reference.median:5.2f} ms {mine.rate / reference.rate:14.2f}× "
                f"{ceiling.rate:7,.0f} r/s",
                flush=True,
            )
        # Client and servers share one process and its GIL, so CPU time per request is what throughput would
        # be on an idle machine; it does not count time spent waiting for a CPU that other work holds.
        print("\nCPU time per request (this process: client and server), and the ratios it implies:\n")
        header = (
            f"{'operation':24} {'BlogIn':>10} {'hello':>10} {'scim2-server':>13} {'× ceiling':>10} "
            f"{'BlogIn ÷ scim2':>15}"
        )
        print(header)
        print("-" * len(header))
        for name, mine, ceiling, reference in rows:
            print(
                f"{name:24} {mine.cpu_ms:7.2f} ms {ceiling.cpu_ms:7.2f} ms {reference.cpu_ms:10.2f} ms "
                f"{ceiling.cpu_ms / mine.cpu_ms:9.2f}× {reference.cpu_ms / mine.cpu_ms:14.2f}×"
            )
    for server in (blogin_server, hello_server, reference_server):
        server.stop()
    system.close()


if __name__ == "__main__":
    main()
