#!/usr/bin/env python3
"""What JumpCloud alone needs before it can answer its first page, in a process of its own.

    .venv/bin/python scripts/bench_jumpcloud_start.py            5 fresh processes (median)
    .venv/bin/python scripts/bench_jumpcloud_start.py --runs 9

Each run is a new Python process that does only what serving JumpCloud's User Console login page
takes, step by step, with no Qt, no BlogIn and no window: start the interpreter, import SQLAlchemy's
ORM, import JumpCloud's system and models, open its database (created and seeded on the first run,
opened as it is on the later ones, as a desktop start finds it), import Flask, build JumpCloud's web
app, and answer ``GET /userconsole`` and its login page in process. It prints the CPU time of each step.

It is the floor under ``./scripts/bench``'s "first persona page": whatever runs the window and
wherever the systems run, JumpCloud has done this much work before its first page can be drawn, and
Chromium then draws it. CPU time, unlike wall-clock time, does not grow with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in the measured process: each step's CPU time, as JSON on stdout.
_STEPS = r"""
import json, sys, time
marks = [("start the interpreter", time.process_time())]
import sqlalchemy.orm
marks.append(("import SQLAlchemy's ORM", time.process_time()))
from sandbox.events import EventBus
from sandbox.jumpcloud import JumpCloud
marks.append(("import JumpCloud's system and models", time.process_time()))
jumpcloud = JumpCloud(sys.argv[1], EventBus())
jumpcloud.open(reset=False)
jumpcloud.port = 8080
marks.append(("open its database", time.process_time()))
import flask
marks.append(("import Flask", time.process_time()))
from sandbox.jumpcloud import create_app
app = create_app(jumpcloud)
marks.append(("build JumpCloud's web app", time.process_time()))
client = app.test_client()
host = {"Host": f"{jumpcloud.host}:{jumpcloud.port}"}
answer = client.get("/userconsole", headers=host)
while answer.status_code in (301, 302, 303):
    answer = client.get(answer.headers["Location"], headers=host)
assert answer.status_code == 200 and b"User Console" in answer.data, answer.status_code
marks.append(("answer the User Console's login page", time.process_time()))
jumpcloud.close()
print(json.dumps(marks))
"""


def python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_once(database_url: str, bytecode_cache: Path) -> list[tuple[str, float]]:
    """One fresh process; each step's CPU time in seconds, in order."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    done = subprocess.run(
        [python(), "-c", _STEPS, database_url], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the measured process failed:\n{done.stderr}")
    marks = json.loads(done.stdout.strip().splitlines()[-1])
    steps: list[tuple[str, float]] = []
    previous = 0.0
    for name, at in marks:
        steps.append((name, at - previous))
        previous = at
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes to take the median of (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sso-sandbox-floor-") as folder:
        url = f"sqlite:///{Path(folder) / 'jumpcloud.sqlite'}"
        cache = Path(folder) / "pycache"
        run_once(url, cache)  # creates the database and the bytecode cache, as a first run does
        runs = [run_once(url, cache) for _ in range(args.runs)]
    names = [name for name, _ in runs[0]]
    print(f"JumpCloud alone, to its first page — median CPU of {args.runs} fresh processes, {os.cpu_count()} CPUs")
    total = 0.0
    for index, name in enumerate(names):
        seconds = statistics.median(run[index][1] for run in runs)
        total += seconds
        print(f"  {name:<40} {seconds:6.3f} s")
    print(f"  {'total':<40} {total:6.3f} s   (sum of the medians)")
    whole = statistics.median(sum(seconds for _, seconds in run) for run in runs)
    print(f"  {'total, median of the runs':<40} {whole:6.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
