#!/usr/bin/env python3
"""Make resources/tour/*.png, the README's tour: each panel of the window with real content.

    .venv/bin/python scripts/tour_screenshots.py [--out resources/tour]

Starts both systems on free ports with a throw-away data folder and opens the window offscreen. Then,
over HTTP as the personas would: the BlogIn application is added and SSO configured both ways, users
in groups are authorized and provisioned to BlogIn by Identity Management (real SCIM calls), one user
signs in to BlogIn from the User Console tile (IdP-initiated), and with the "wrong audience" edge case
on another is rejected by BlogIn. A SCIM fault on BlogIn's Users endpoint then makes a change and a
new user fail to reach BlogIn, so the drift view has something to show. Each dock is grabbed as PNG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

if "PySide6" not in sys.modules and VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
    try:
        import PySide6  # noqa: F401
    except ImportError:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__, *sys.argv[1:]])

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import argparse  # noqa: E402
import logging  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from make_scenarios import configure_sso, people, wait_for_sync  # noqa: E402
from PySide6 import QtWebEngineWidgets  # noqa: E402, F401  (before the QApplication)
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QDockWidget, QTableView  # noqa: E402

from sandbox.app import Sandbox  # noqa: E402
from sandbox.desktop.main import close_window  # noqa: E402
from sandbox.desktop.none_refcount import keep_none_alive  # noqa: E402
from sandbox.desktop.startup import load_before_chromium  # noqa: E402
from sandbox.desktop.theme import apply_theme  # noqa: E402
from sandbox.desktop.window import MainWindow  # noqa: E402
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal  # noqa: E402
from sandbox.settings import Settings  # noqa: E402

log = logging.getLogger("sandbox.tour")

USERS = 12
GROUPS = 3
DOCK_SIZE = (1280, 720)
FLOW_SIZE = (1100, 430)
DRIFT_SIZE = (1280, 470)
WALKTHROUGH_SIZE = (760, 720)
EDGE_CASES_SIZE = (760, 470)


def wait(milliseconds: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting: {what}")
        wait(50)


def rehearse(sandbox: Sandbox) -> Rehearsal:
    """Everything the tour shows, done over HTTP as the personas would."""
    rehearsal = configure_sso(sandbox, users=USERS, groups=GROUPS)
    base_url, token = rehearsal.enable_blogin_provisioning()
    rehearsal.activate_identity_management(base_url, token)
    wait_for_sync(sandbox, USERS)
    directory = people(USERS)
    rehearsal.idp_initiated_sign_in(directory[0].username)
    rehearsal.sp_initiated_sign_in(directory[3].username)
    rehearsal.idp_initiated_sign_in(directory[4].username)
    application = rehearsal.application_id or ""
    sandbox.jumpcloud.set_edge_cases(application, {"wrongAudience": True})
    rehearsal.idp_initiated_sign_in(directory[1].username)

    # BlogIn's Users endpoint now answers 503: a changed job title and a new user do not get through.
    sandbox.blogin.set_scim_fault("Users", status=503)
    changed = rehearsal.jumpcloud_admin.get(
        f"{rehearsal.jumpcloud_url}/api/systemusers",
        headers={"x-api-key": rehearsal.api_key},
        params={"filter": f"username:$eq:{directory[2].username}"},
    ).json()["results"][0]
    rehearsal.jumpcloud_admin.put(
        f"{rehearsal.jumpcloud_url}/api/systemusers/{changed['_id']}",
        headers={"x-api-key": rehearsal.api_key},
        json={"jobTitle": "Managing editor"},
    )
    newcomer = rehearsal.create_user(DirectoryUser("radia.perlman", "radia.perlman@example.org", "Radia", "Perlman"))
    groups = rehearsal.jumpcloud_admin.get(
        f"{rehearsal.jumpcloud_url}/api/v2/usergroups", headers={"x-api-key": rehearsal.api_key}
    ).json()
    rehearsal.jumpcloud_admin.post(
        f"{rehearsal.jumpcloud_url}/api/v2/usergroups/{groups[0]['id']}/members",
        headers={"x-api-key": rehearsal.api_key},
        json={"op": "add", "type": "user", "id": newcomer},
    )
    return rehearsal


def grab(dock: QDockWidget, size: tuple[int, int], target: Path) -> None:
    """The dock on its own, at ``size``, as the user sees it: title bar, filters, content."""
    dock.setFloating(True)
    dock.resize(*size)
    dock.show()
    dock.raise_()
    wait(600)
    dock.grab().save(str(target))
    log.warning("saved %s", target)
    dock.setFloating(False)


def select_row(table: QTableView, row: int) -> None:
    table.selectRow(row)
    table.scrollTo(table.model().index(row, 0))


def take(window: MainWindow, out: Path) -> None:
    panels = window.traffic_panels
    rehearsal_panels = window.panels

    # SAML tracer: the Response BlogIn rejected (wrong audience), with its summary and verdict.
    tracer = panels.tracer
    model = panels.saml_model
    rejected = next(
        (t for t in reversed(model.traces()) if t.system == "blogin" and t.data.get("verdict") == "rejected"), None
    )
    if rejected is not None:
        tracer.show_trace(rejected.id)
    grab(tracer, DOCK_SIZE, out / "saml-tracer.png")
    tracer.detail.tabs.setCurrentIndex(1)
    grab(tracer, DOCK_SIZE, out / "saml-tracer-xml.png")
    tracer.detail.tabs.setCurrentIndex(0)

    # SCIM traffic: a user created at BlogIn by provisioning, request and response.
    traffic = panels.traffic
    scim = panels.scim_model
    created = next(
        (
            t
            for t in scim.traces()
            if t.system == "jumpcloud"
            and t.data.get("method") == "POST"
            and t.data.get("status") == 201
            and "@example.org" in str(t.data.get("request_body") or "")
        ),
        None,
    )
    if created is not None:
        traffic.show_trace(created.id)
    grab(traffic, DOCK_SIZE, out / "scim-traffic.png")

    # Flow diagram: the SP-initiated sign-in, the one with the most arrows.
    flow = panels.flow
    flows = flow.recorder.flows
    logins = [i for i, recorded in enumerate(flows) if "SSO login" in recorded.caption()]
    if logins:
        longest = max(logins, key=lambda i: len(flows[i].steps))
        flow.chooser.setCurrentIndex(longest)
        flow.chooser.activated.emit(longest)
    grab(flow, FLOW_SIZE, out / "flow-diagram.png")

    # Walkthrough: the step Identity Management's JumpCloud side, ticked by the provisioning run.
    walkthrough = rehearsal_panels.walkthrough
    walkthrough.refresh()
    steps = walkthrough.list.model()
    for row in range(steps.rowCount()):
        if "Identity Management — JumpCloud" in str(steps.index(row, 0).data()):
            walkthrough.list.setCurrentIndex(steps.index(row, 0))
    grab(walkthrough, WALKTHROUGH_SIZE, out / "walkthrough.png")

    edge_cases = rehearsal_panels.edge_cases
    edge_cases.refresh()
    grab(edge_cases, EDGE_CASES_SIZE, out / "edge-cases.png")

    drift = rehearsal_panels.drift
    drift.refresh()
    grab(drift, DRIFT_SIZE, out / "drift.png")

    # Event log: a failed provisioning attempt selected, its record on the right.
    log_dock = window.event_log
    events = window.event_model
    failed = [row for row in range(events.rowCount()) if not events.event_at(row).success]  # type: ignore[union-attr]
    if failed:
        select_row(log_dock.table, failed[-1])
    grab(log_dock, DOCK_SIZE, out / "event-log.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "tour")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    keep_none_alive()
    load_before_chromium()  # the systems sign SAML messages in this process
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sso-sandbox-tour-") as workdir:
        settings = Settings(data_dir=Path(workdir) / "data", jumpcloud_port=0, blogin_port=0)
        with Sandbox(settings) as sandbox:
            window = MainWindow(sandbox)
            window.show()
            rehearsal = rehearse(sandbox)
            try:
                window.bridge.drain()
                wait_until(lambda: window.traffic_panels.saml_model.total_count() >= 4, "SAML messages in the tracer")
                # Give provisioning time to try (and fail) the changes made under the SCIM fault.
                wait(3000)
                window.bridge.drain()
                wait(300)
                take(window, args.out)
            finally:
                rehearsal.close()
                close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
