#!/usr/bin/env python3
"""How soon a first page could show if JumpCloud ran in a process of its own: a measured experiment.

    .venv/bin/python scripts/bench_split_start.py              7 launches after a first one (median)
    .venv/bin/python scripts/bench_split_start.py --runs 9
    .venv/bin/python scripts/bench_split_start.py --window-floor

The app runs both systems in the window's process, so all start-up Python work (Qt's, SQLAlchemy's, both
systems', the window's) shares one interpreter lock. This script measures the other arrangement instead
of estimating it. Each launch is a fresh window process that, as its very first step, starts a second
Python process serving JumpCloud alone (its database opened, its port bound and announced, then its Flask
app built and served, on the same code as the app). The window process meanwhile imports Qt, starts
Chromium, builds a main window with three browsers on profiles of their own (as the personas have) and,
once JumpCloud's port is announced, loads the User Console in one of them. The time printed is from the
launch to that page's ``loadFinished``, on the same clock and environment as ``./scripts/bench``
(offscreen, Python's bytecode cache on, the database made by a first launch).

What this leaves out, so the figure is a lower bound for that design: the window's docks, models and
menus (about 0.1-0.2 s of CPU on the GUI side, which here runs on the other core while JumpCloud starts),
BlogIn's process (started after the first page, as BlogIn's web layer is today), and any channel for the
events, traces and state the desktop's panels read from the systems in process today.

``--window-floor`` measures the window's side alone: the second process serves one small static page
(the User Console's title, fields and button, no database, no Flask) from the standard library's HTTP
server, so the time printed is what Qt, Chromium and a window of three browsers need before any page can
show, whatever the systems do.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from launch_env import run_child

# JumpCloud alone: bind and announce the port first, so the browser's request waits in the listen queue
# while the app is built, then serve until stdin closes.
_JUMPCLOUD = r"""
import gc, sys
gc.disable()
from sandbox.events import EventBus
from sandbox.jumpcloud import JumpCloud
from sandbox.server import ServerThread

class Slot:
    app = None
    def __call__(self, environ, start_response):
        return self.app(environ, start_response)

jumpcloud = JumpCloud(sys.argv[1], EventBus())
jumpcloud.open(reset=False)
slot = Slot()
server = ServerThread(slot, system="JumpCloud", port=0, option="--jumpcloud-port")
jumpcloud.port = server.port
print(server.port, flush=True)
from sandbox.jumpcloud import create_app
slot.app = create_app(jumpcloud)
server.start()
gc.enable()
sys.stdin.read()
server.stop()
jumpcloud.close()
"""

# A static page from the standard library's server, announced as soon as it listens: the systems' cost
# taken out of the measurement.
_STATIC_PAGE = r"""
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
PAGE = (b"<!doctype html><html lang=en><head><title>User Console</title></head><body><main><form>"
        b"<h1>User Console</h1><label>Email or username <input name=email></label>"
        b"<label>Password <input name=password type=password></label><button>User Login</button>"
        b"</form></main></body></html>")
class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)
    def log_message(self, *args):
        return  # no line per request: the benchmark prints its figures only
server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
"""

# The window process: starts JumpCloud's process first thing, then Qt; prints the monotonic time of the
# first page's loadFinished as JSON.
_WINDOW = r"""
import json, os, subprocess, sys, threading, time
jumpcloud = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
announced = {}
def read_port():
    announced["port"] = int(jumpcloud.stdout.readline())
threading.Thread(target=read_port, daemon=True).start()

from sandbox.desktop.none_refcount import keep_none_alive
keep_none_alive()
from sandbox.desktop.startup import configure_chromium, load_before_chromium
configure_chromium()
load_before_chromium()
from PySide6.QtCore import QTimer, QUrl, Qt
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter

app = QApplication(sys.argv[:1])
window = QMainWindow()
splitter = QSplitter(Qt.Orientation.Horizontal)
pages = []
for name in ("jumpcloud-admin", "end-user", "blogin-admin"):
    profile = QWebEngineProfile(name, app)
    view = QWebEngineView()
    page = QWebEnginePage(profile, view)
    view.setPage(page)
    splitter.addWidget(view)
    pages.append((view, page, profile))
window.setCentralWidget(splitter)
window.resize(1600, 1000)
splitter.setSizes([533, 533, 534])
window.show()
end_user = pages[1][0]

def finished(ok):
    print(json.dumps({"first_page": time.monotonic(), "ok": ok}), flush=True)
    jumpcloud.stdin.close()
    jumpcloud.wait(10)
    app.quit()

end_user.loadFinished.connect(finished)

def navigate_when_announced():
    if "port" not in announced:
        QTimer.singleShot(2, navigate_when_announced)
        return
    end_user.load(QUrl(f"http://console.jumpcloud.localhost:{announced['port']}/userconsole"))

navigate_when_announced()
app.exec()
for view, page, profile in pages:
    view.setPage(None)
    del page
"""


def launch(database_url: str, bytecode_cache: Path, server: str = _JUMPCLOUD) -> float:
    """One launch: seconds from starting the window process to the User Console's loadFinished."""
    started, result = run_child(_WINDOW, [server, database_url], bytecode_cache, timeout=60)
    if not result["ok"]:
        raise SystemExit("the User Console did not load")
    return float(result["first_page"]) - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="launches to take the median of (default 7)")
    parser.add_argument(
        "--window-floor",
        action="store_true",
        help="serve a static page instead of JumpCloud: what the window alone needs before a first page",
    )
    args = parser.parse_args()
    server = _STATIC_PAGE if args.window_floor else _JUMPCLOUD
    with tempfile.TemporaryDirectory(prefix="sso-sandbox-split-") as folder:
        url = f"sqlite:///{Path(folder) / 'jumpcloud.sqlite'}"
        cache = Path(folder) / "pycache"
        first = launch(url, cache, server)  # creates the database and the bytecode cache, as a first run does
        times = [launch(url, cache, server) for _ in range(args.runs)]
    if args.window_floor:
        print(f"The window alone, a static page served by another process — {os.cpu_count()} CPUs")
    else:
        print(f"JumpCloud in a process of its own, the window in another — {os.cpu_count()} CPUs")
    print(f"  first launch (new database and bytecode cache)   {first:6.2f} s")
    print(f"  launch → User Console loaded, median of {args.runs:<3}     {statistics.median(times):6.2f} s")
    print(f"  fastest / slowest                                {min(times):6.2f} s / {max(times):.2f} s")
    print(f"  load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
