"""Desktop performance figures: the SAML tracer on a 200 KB Response, the event log at 1,000,000 events.

Run offscreen: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/bench_desktop.py``. Prints one line
per figure with its budget and exits 1 when a figure is over budget.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from sandbox.desktop.event_log import EventLogDock
from sandbox.desktop.event_model import EventFilter, EventLogModel
from sandbox.desktop.none_refcount import keep_none_alive
from sandbox.desktop.theme import apply_theme
from sandbox.desktop.tracer.dock import SamlTracerDock
from sandbox.desktop.tracer.model import SamlMessageModel
from sandbox.events import SandboxEvent, new_event_id, utc_now
from sandbox.saml.capture import capture
from sandbox.saml.idp import NAMEID_FORMATS, IdentityProvider, IdpSettings, ResponseOptions, ServiceProviderSettings
from sandbox.saml.keys import generate_key_pair

EVENT_TYPES = ("user_login_attempt", "user_create", "user_update", "sso_auth", "group_update", "user_create_provision")


Clock = tuple[float, float]


def clock() -> Clock:
    """Wall-clock and CPU time now: on a busy machine the CPU time says what the work itself cost."""
    return time.perf_counter(), time.process_time()


def figure(name: str, started: Clock, budget: float) -> bool:
    """Print one figure (wall time against its budget, CPU time beside it); True when within budget."""
    seconds = time.perf_counter() - started[0]
    cpu = time.process_time() - started[1]
    ok = seconds <= budget
    print(
        f"{name:<48} {seconds * 1000:9.1f} ms   cpu {cpu * 1000:9.1f} ms   "
        f"budget {budget * 1000:6.0f} ms   {'ok' if ok else 'OVER'}"
    )
    return ok


def big_response(size: int) -> str:
    """A signed Response of about ``size`` bytes: a user in very many groups."""
    keys = generate_key_pair("JumpCloud")
    with tempfile.TemporaryDirectory() as workdir:
        idp = IdentityProvider(
            IdpSettings(
                "JumpCloud",
                "http://console.jumpcloud.localhost/saml2/blogin",
                keys.certificate_pem,
                keys.private_key_pem,
            ),
            ServiceProviderSettings(
                "http://acme.blogin.localhost/sso/saml/metadata", ("http://acme.blogin.localhost/sso/saml/callback",)
            ),
            Path(workdir),
        )
        groups = size // 120
        issued = idp.issue_response(
            name_id="ada@example.com",
            name_id_format=NAMEID_FORMATS["emailAddress"],
            attributes=[
                ("email", ["ada@example.com"]),
                ("memberOf", [f"Engineering group {i:06d}" for i in range(groups)]),
            ],
            options=ResponseOptions(sign_response=True),
        )
    return issued.xml


def bench_tracer(size: int) -> bool:
    xml = big_response(size)
    data = capture(
        message_type="Response",
        direction="received",
        binding="HTTP-POST",
        endpoint="http://acme.blogin.localhost/sso/saml/callback",
        xml=xml,
        verdict="accepted",
        allowed_skew_s=60,
    )
    trace = SandboxEvent("blogin", new_event_id(), "saml_trace", utc_now(), "Response", data=data, kind="saml")
    model = SamlMessageModel()
    dock = SamlTracerDock(model)
    dock.resize(1400, 900)
    dock.show()
    # One small message first: Qt and pysaml2 initialise lazily on first use, once per run.
    warm = capture(
        message_type="Response",
        direction="received",
        binding="HTTP-POST",
        endpoint=data["endpoint"],
        xml=big_response(4096),
        verdict="accepted",
        allowed_skew_s=60,
    )
    warm_trace = SandboxEvent("blogin", new_event_id(), "saml_trace", utc_now(), "Response", data=warm, kind="saml")
    model.append_traces([warm_trace, trace])
    dock.show_trace(warm_trace.id)
    dock.detail.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    dock.detail.tabs.setCurrentIndex(0)
    QApplication.processEvents()
    started = clock()
    dock.show_trace(trace.id)
    dock.detail.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    ok = figure(f"tracer opens a {len(xml) / 1024:.0f} KB Response", started, 0.200)
    dock.close()
    return ok


def bench_event_log(count: int) -> bool:
    start = utc_now() - timedelta(days=30)
    events = [
        SandboxEvent(
            "jumpcloud" if i % 3 else "blogin",
            f"{i:024x}",
            EVENT_TYPES[i % len(EVENT_TYPES)],
            start + timedelta(seconds=i * 2),
            f"{EVENT_TYPES[i % len(EVENT_TYPES)]} user{i % 5000}@example.com",
            success=i % 17 != 0,
        )
        for i in range(count)
    ]
    results = []
    started = clock()
    model = EventLogModel()
    dock = EventLogDock(model)
    dock.resize(1400, 500)
    dock.show()
    model.append_events(events)
    dock.table.scrollToBottom()
    QApplication.processEvents()
    results.append(figure(f"event log opens with {count:,} events", started, 2.0))
    started = clock()
    model.set_filter(EventFilter(text="user4242@"))
    QApplication.processEvents()
    results.append(figure(f"text filter over {count:,} events ({model.rowCount():,} shown)", started, 0.300))
    started = clock()
    model.set_filter(EventFilter())
    bar = dock.table.verticalScrollBar()
    for step in range(20):
        bar.setValue(bar.maximum() * step // 20)
        QApplication.processEvents()
    results.append(figure("20 scroll jumps across the whole log", started, 0.500))
    dock.close()
    return all(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--response-kb", type=int, default=200)
    args = parser.parse_args()
    keep_none_alive()  # PySide6 6.12 on Python 3.11 over-releases None (see sandbox.desktop.none_refcount)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)
    if hasattr(os, "getloadavg"):
        one, five, fifteen = os.getloadavg()
        print(f"load average: {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")
    ok = bench_tracer(args.response_kb * 1024)
    ok = bench_event_log(args.events) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
