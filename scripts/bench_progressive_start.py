#!/usr/bin/env python3
"""How soon the first page could show with a progressive start: a measured experiment.

    .venv/bin/python scripts/bench_progressive_start.py             7 launches after a first one (median)
    .venv/bin/python scripts/bench_progressive_start.py --runs 9

Today the app imports SQLAlchemy and both systems' models, opens both databases and builds JumpCloud's
Flask app before the End User's first page (the User Console's login) can be answered: about 1 s of CPU
in the window's process, whose interpreter lock the window's own start shares. A progressive start would
answer that one page first and load the rest after it. This script measures that design with the app's
own parts instead of estimating it:

- the window is the app's: the same Qt set-up, theme, splash, Chromium warm-up and ``MainWindow`` with
  its three persona browsers, menus and event log, built before any system is, as ``run_desktop`` does;
- both ports are bound first by the app's HTTP server (``sandbox.server``), each with a small WSGI app
  that answers the User Console's login page (the page JumpCloud's Flask app renders, rendered by it
  ahead of the launches), its style sheets and logo, and the redirect to it, and holds every other
  request until the systems serve;
- once the first page has loaded, the systems are built as the app builds them (SQLAlchemy and the
  models imported, both databases opened, both Flask apps created) and take every request over.

Printed: the launch to the End User's first page (the app logs the same moment as "loaded its first
page", which ``./scripts/bench`` times) and to both systems serving, with the CPU time of the process at
each, on the same clock and environment as ``./scripts/bench`` (offscreen, bytecode cache on, the
databases made by a first launch). The window's docks are not built and no event reaches it: this
measures the start only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from launch_env import run_child

ROOT = Path(__file__).resolve().parent.parent

# The child: the app's desktop start with the systems replaced, until the first page, by a page server.
_LAUNCH = r"""
import json, mimetypes, os, sys, threading, time
from pathlib import Path
from types import SimpleNamespace

def cpu():
    return sum(os.times()[:2])

from sandbox.collector import paused_while_starting
paused = paused_while_starting()
paused.__enter__()
from sandbox.desktop.none_refcount import keep_none_alive
from sandbox.desktop.pyside_sources import read_sources_without_caching
keep_none_alive()
read_sources_without_caching()
from sandbox.desktop.startup import WebEngineWarmUp, configure_chromium, load_before_chromium
configure_chromium()
from PySide6 import QtWebEngineWidgets  # noqa: F401  (before the QApplication)
from PySide6.QtCore import QEventLoop, QObject, Signal
from PySide6.QtWidgets import QApplication
from sandbox.desktop.theme import apply_theme

app = QApplication(sys.argv[:1])
app.setApplicationName("SSO Sandbox")
app.setOrganizationName("sso-sandbox")
apply_theme(app)
load_before_chromium()
from sandbox.desktop.splash import StartupSplash
splash = StartupSplash()
splash.show()
warm_up = WebEngineWarmUp()

from sandbox.events import EventBus
from sandbox.login_links import LoginLinks
from sandbox.settings import BLOGIN_HOST, JUMPCLOUD_HOST, Settings

settings = Settings(data_dir=Path(sys.argv[2]), jumpcloud_port=0, blogin_port=0)
LOGIN_PAGE = Path(sys.argv[1]).read_bytes()
STATIC = Path(sys.argv[3])


class PageServer:
    '''Answers the User Console's login page and its files; holds anything else until the system serves.'''

    def __init__(self, serves_login):
        self.serves_login = serves_login
        self.system = None
        self.serving = threading.Event()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if self.serves_login and not self.serving.is_set() and environ["REQUEST_METHOD"] == "GET":
            body = kind = None
            if path == "/userconsole" and not environ.get("HTTP_COOKIE"):
                start_response("302 FOUND", [("Location", "/userconsole/login"), ("Content-Length", "0")])
                return [b""]
            if path == "/userconsole/login" and not environ.get("QUERY_STRING"):
                body, kind = LOGIN_PAGE, "text/html; charset=utf-8"
            elif path.startswith("/static/") and (STATIC / path[8:]).is_file():
                body = (STATIC / path[8:]).read_bytes()
                kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            if body is not None:
                start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
                return [body]
        self.serving.wait()
        return self.system(environ, start_response)


class Bound(QObject):
    bound = Signal()


pages = {"jumpcloud": PageServer(True), "blogin": PageServer(False)}
servers = {}
bound = Bound()
go_on = threading.Event()
links = {"jumpcloud": LoginLinks(), "blogin": LoginLinks()}
bus = EventBus()
times = {}


def start_systems():
    from sandbox.server import ServerThread
    for key, label in (("jumpcloud", "JumpCloud"), ("blogin", "BlogIn")):
        servers[key] = ServerThread(pages[key], system=label, port=0, option=f"--{key}-port")
        servers[key].start()
    bound.bound.emit()
    go_on.wait()
    from sandbox.app import Sandbox
    from sandbox.blogin import create_app as create_blogin_app
    from sandbox.jumpcloud import create_app as create_jumpcloud_app
    sandbox = Sandbox(settings)
    sandbox.jumpcloud.open(reset=False)
    sandbox.blogin.open(reset=False)
    for key, system, create in (("jumpcloud", sandbox.jumpcloud, create_jumpcloud_app),
                                ("blogin", sandbox.blogin, create_blogin_app)):
        system.port = servers[key].port
        system.login_links = links[key]
        pages[key].system = create(system)
        pages[key].serving.set()
    times["serving"] = (time.monotonic(), cpu())
    for server in servers.values():
        server.stop()
    sandbox.jumpcloud.close()
    sandbox.blogin.close()


worker = threading.Thread(target=start_systems, daemon=True)
loop = QEventLoop()
bound.bound.connect(loop.quit)
worker.start()
loop.exec()


def address(key, host, admin):
    base = f"http://{host}:{servers[key].port}"
    return SimpleNamespace(base_url=base, host=host, port=servers[key].port,
                           admin_login_link=lambda: f"{base}/login/link?token={links[key].issue(admin)}")


stand_in = SimpleNamespace(
    settings=settings, bus=bus, serving=lambda key: True,
    jumpcloud=address("jumpcloud", JUMPCLOUD_HOST, "admin@example.com"),
    blogin=address("blogin", BLOGIN_HOST, "admin@acme.example"),
)
from sandbox.desktop.window import MainWindow
window = MainWindow(stand_in, docks_after_first_page=True)
window.install_docks = lambda: None  # the docks read the systems: not built in this measurement
window._history_after_first_page = False


def first_page():
    times["first_page"] = (time.monotonic(), cpu())
    warm_up.dispose()
    paused.__exit__(None, None, None)
    go_on.set()
    def wait_for_systems():
        if "serving" in times:
            app.quit()
        else:
            from PySide6.QtCore import QTimer
            QTimer.singleShot(5, wait_for_systems)
    wait_for_systems()

window.first_page_loaded.connect(first_page)
for browser in window.browsers.values():
    browser.first_load_finished.connect(lambda key, ok: times.setdefault("loaded", []).append([key, ok]))
window.show()
splash.hand_over_to(window)
window.start()
app.exec()
print(json.dumps(times), flush=True)
window.close()
window.shutdown()
os._exit(0)
"""


def render_login_page(data_dir: Path) -> bytes:
    """The User Console's login page as JumpCloud's Flask app renders it (its links are relative)."""
    from sandbox.events import EventBus
    from sandbox.jumpcloud import JumpCloud, create_app
    from sandbox.settings import JUMPCLOUD_HOST, Settings

    settings = Settings(data_dir=data_dir)
    jumpcloud = JumpCloud(settings.jumpcloud_db_url, EventBus())
    jumpcloud.open(reset=False)
    try:
        jumpcloud.port = 80
        answer = create_app(jumpcloud).test_client().get("/userconsole/login", headers={"Host": JUMPCLOUD_HOST})
        if answer.status_code != 200:
            raise SystemExit(f"the login page answered {answer.status_code}")
        return answer.data
    finally:
        jumpcloud.close()


def launch(login_page: Path, data_dir: Path, bytecode_cache: Path) -> tuple[float, float, float, float]:
    """One launch: (first page, its CPU, systems serving, their CPU), in seconds from the launch."""
    static = ROOT / "sandbox" / "jumpcloud" / "web" / "static"
    started, times = run_child(_LAUNCH, [str(login_page), str(data_dir), str(static)], bytecode_cache, timeout=120)
    if times.get("loaded", [None])[0] != ["end-user", True]:
        raise SystemExit(f"the End User's login page was not the first page, or did not load: {times}")
    (first, first_cpu), (serving, serving_cpu) = times["first_page"], times["serving"]
    return first - started, first_cpu, serving - started, serving_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="launches to take the median of (default 7)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="sso-sandbox-progressive-") as folder:
        data_dir = Path(folder) / "data"
        cache = Path(folder) / "pycache"
        page = Path(folder) / "login.html"
        data_dir.mkdir()
        page.write_bytes(render_login_page(data_dir))
        first = launch(page, data_dir, cache)  # fills the bytecode cache, as a first run does
        runs = [launch(page, data_dir, cache) for _ in range(args.runs)]
    print(f"A progressive start: the login page first, the systems after it — {os.cpu_count()} CPUs")
    print(f"  first launch (new bytecode cache): first page   {first[0]:6.2f} s")
    median = statistics.median
    print(
        f"  launch → User Console loaded, median of {args.runs:<3}     {median(r[0] for r in runs):6.2f} s"
        f"   CPU {median(r[1] for r in runs):.2f} s"
    )
    print(
        f"  fastest / slowest                                {min(r[0] for r in runs):6.2f} s / "
        f"{max(r[0] for r in runs):.2f} s"
    )
    print(
        f"  launch → both systems serving, median            {median(r[2] for r in runs):6.2f} s"
        f"   CPU {median(r[3] for r in runs):.2f} s"
    )
    print(f"  load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
