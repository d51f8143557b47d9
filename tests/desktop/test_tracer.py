"""The SAML tracer shows real signed messages as a tester reads them: verdicts, summary, signatures, XML."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.trace_model import FETCH_BATCH
from sandbox.desktop.tracer.dock import SamlTracerDock
from sandbox.desktop.tracer.model import SamlMessageModel
from sandbox.events import SandboxEvent, utc_now
from sandbox.events.traces import SAML
from sandbox.saml.idp import ResponseOptions
from sandbox.saml.keys import generate_key_pair
from sandbox.settings import Settings
from tests.desktop.traffic_fixtures import USER, events_of, record_sso_login, saml_parties


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, dict[str, dict[str, str]]]]:
    """One accepted login and one rejected (foreign key) login, recorded by both systems."""
    workdir = tmp_path_factory.mktemp("tracer")
    settings = Settings(data_dir=workdir / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        parties = saml_parties(sandbox, workdir)
        stranger = generate_key_pair("Someone else")
        logins = {
            "accepted": record_sso_login(sandbox, parties),
            "wrong key": record_sso_login(
                sandbox,
                parties,
                options=ResponseOptions(foreign_key=(stranger.private_key_pem, stranger.certificate_pem)),
            ),
            "expired": record_sso_login(sandbox, parties, options=ResponseOptions(clock_skew=-timedelta(minutes=20))),
        }
        yield sandbox, logins


@pytest.fixture
def tracer(qtbot: QtBot, recorded: tuple[Sandbox, dict[str, dict[str, str]]]) -> SamlTracerDock:
    sandbox, _ = recorded
    model = SamlMessageModel()
    model.append_traces(events_of(sandbox))
    dock = SamlTracerDock(model)
    qtbot.addWidget(dock)
    dock.resize(1300, 800)
    dock.show()
    return dock


def cells(dock: SamlTracerDock) -> list[list[str]]:
    model = dock.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_the_list_shows_every_message_with_its_direction_and_verdict(tracer: SamlTracerDock) -> None:
    rows = cells(tracer)
    assert len(rows) == 12
    assert [r[1:] for r in rows[:4]] == [
        ["BlogIn", "Sent", "AuthnRequest", "Sent"],
        ["JumpCloud", "Received", "AuthnRequest", "Accepted"],
        ["JumpCloud", "Sent", "Response", "Sent"],
        ["BlogIn", "Received", "Response", "Accepted"],
    ]
    assert rows[7][1:] == ["BlogIn", "Received", "Response", "Rejected"]
    assert tracer.count_label.text() == "12 messages"


def test_an_accepted_response_shows_its_summary_and_valid_signature(
    tracer: SamlTracerDock, recorded: tuple[Sandbox, dict[str, dict[str, str]]]
) -> None:
    sandbox, logins = recorded
    assert tracer.show_trace(logins["accepted"]["response_received"])
    detail = tracer.detail
    assert detail.badge.text() == "Accepted"
    assert "Response" in detail.title.text() and "JumpCloud → BlogIn" in detail.title.text()
    assert detail.values["name_id"].text() == USER
    assert detail.values["name_id_format"].text().endswith("emailAddress")
    assert detail.values["issuer"].text() == "JumpCloud"
    assert detail.values["audience"].text() == f"{sandbox.blogin.base_url}/"
    assert detail.values["binding"].text() == "HTTP-POST"
    assert detail.values["relay_state"].text() == "/"
    assert detail.validity.text().startswith("Within the validity window (skew allowed: 60 s)")
    assert detail.timeline.isVisible()
    signatures = detail.signatures.text()
    assert "Assertion</b> signed (RSA-SHA256)" in signatures
    assert "digest valid" in signatures and "signature valid" in signatures
    assert "matches the certificate configured at BlogIn" in signatures
    attributes = {
        detail.attributes.item(r, 0).text(): detail.attributes.item(r, 1).text()
        for r in range(detail.attributes.rowCount())
    }
    assert attributes == {"email": USER, "firstname": "Ada", "lastname": "Lovelace"}
    checks = [detail.checks.item(r, 0).text() for r in range(detail.checks.rowCount())]
    assert "signature" in checks and "audience" in checks
    assert not detail.reason.isVisible()


def test_a_response_signed_with_another_key_shows_why_it_was_rejected(
    tracer: SamlTracerDock, recorded: tuple[Sandbox, dict[str, dict[str, str]]]
) -> None:
    _, logins = recorded
    tracer.show_trace(logins["wrong key"]["response_received"])
    detail = tracer.detail
    assert detail.badge.text() == "Rejected"
    assert detail.reason.isVisible() and detail.reason.text().startswith("BlogIn rejected it: ")
    signatures = detail.signatures.text()
    # The signature itself is sound; it is made by a certificate BlogIn does not trust.
    assert "signature valid" in signatures
    assert "does NOT match the certificate configured at BlogIn" in signatures


def test_an_expired_response_is_drawn_outside_its_window(
    tracer: SamlTracerDock, recorded: tuple[Sandbox, dict[str, dict[str, str]]]
) -> None:
    _, logins = recorded
    tracer.show_trace(logins["expired"]["response_received"])
    assert tracer.detail.badge.text() == "Rejected"
    assert tracer.detail.validity.text().startswith("Expired: NotOnOrAfter passed")
    assert tracer.detail.timeline.window_ is not None and tracer.detail.timeline.window_.valid is False


def test_a_sent_response_borrows_the_receivers_certificate_to_compare(
    tracer: SamlTracerDock, recorded: tuple[Sandbox, dict[str, dict[str, str]]]
) -> None:
    _, logins = recorded
    tracer.show_trace(logins["wrong key"]["response_sent"])
    assert tracer.detail.badge.text() == "Sent"
    assert "does NOT match the certificate configured at BlogIn" in tracer.detail.signatures.text()


def test_the_xml_tab_is_indented_and_highlighted(tracer: SamlTracerDock, recorded: tuple[Sandbox, dict]) -> None:
    _, logins = recorded
    tracer.show_trace(logins["accepted"]["request_sent"])
    text = tracer.detail.xml.toPlainText()
    assert text.splitlines()[0].startswith("<ns0:AuthnRequest") or "AuthnRequest" in text.splitlines()[0]
    assert "\n  <" in text
    block = tracer.detail.xml.document().firstBlock()
    assert block.layout().formats(), "the first line carries highlighting formats"


def test_copy_and_save_give_the_message_as_it_travelled(
    tracer: SamlTracerDock, recorded: tuple[Sandbox, dict], tmp_path: Path
) -> None:
    sandbox, logins = recorded
    tracer.show_trace(logins["accepted"]["response_sent"])
    original = next(t for t in sandbox.jumpcloud.recent_traces("saml") if t.id == logins["accepted"]["response_sent"])
    tracer.copy_xml_button.click()
    assert QGuiApplication.clipboard().text() == original.data["xml"]
    tracer.copy_base64_button.click()
    assert base64.b64decode(QGuiApplication.clipboard().text()).decode() == original.data["xml"]
    saved = tracer.save_to_file(str(tmp_path / "response.xml"))
    assert saved is not None and saved.read_text(encoding="utf-8") == original.data["xml"]


def test_rejected_only_filter(tracer: SamlTracerDock) -> None:
    tracer.show_filter.setCurrentIndex(1)
    assert {row[4] for row in cells(tracer)} == {"Rejected"}
    assert tracer.count_label.text() == "2 of 12 messages"


def test_the_model_passes_qtmodeltester(qtmodeltester, recorded: tuple[Sandbox, dict]) -> None:  # type: ignore[no-untyped-def]
    sandbox, _ = recorded
    model = SamlMessageModel()
    model.append_traces(events_of(sandbox)[:5])
    qtmodeltester.check(model)
    model.append_traces(events_of(sandbox))
    model.set_filter(lambda trace: trace.system == "blogin")
    qtmodeltester.check(model)


def test_rows_fetched_from_inside_an_insert_are_not_counted_twice(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    start = utc_now()
    traces = [
        SandboxEvent("blogin", f"trace-{n}", "saml_trace", start, "Response", data={"verdict": "accepted"}, kind=SAML)
        for n in range(FETCH_BATCH * 2 + 100)
    ]
    model = SamlMessageModel()
    model.append_traces(traces)
    # A view fetching while QAbstractItemModelTester watches: the tester fetches again, once, from
    # its rowsAboutToBeInserted handler.
    nested: list[int] = []

    def fetch_once_more(*_args: object) -> None:
        if not nested:
            nested.append(model.rowCount())
            model.fetchMore(QModelIndex())

    model.rowsAboutToBeInserted.connect(fetch_once_more)
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == len(traces)
    assert model.index(len(traces) - 1, 0).data() is not None
    assert model.data(model.createIndex(len(traces), 0)) is None
    assert model.trace_at(len(traces)) is None


def test_opening_the_window_does_not_load_pysaml2() -> None:
    # pysaml2 compiles its XML schemas when imported; the tracer checks signatures without it.
    code = (
        "import json, sys; import sandbox.desktop.window; "
        "print(json.dumps([name for name in ('saml2', 'xmlschema') if name in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_before_any_message_the_tracer_says_how_to_get_some(qtbot: QtBot) -> None:
    dock = SamlTracerDock(SamlMessageModel())
    qtbot.addWidget(dock)
    dock.resize(1300, 800)
    dock.show()
    assert dock.count_label.text() == "0 messages"
    assert dock.table.empty_hint.startswith("No SAML messages yet. Sign in to BlogIn with SSO as the End User")
    # No empty form on the right: a line saying what will show there instead.
    assert dock.detail.placeholder.isVisible() and not dock.detail.tabs.isVisible()


def test_choosing_a_message_replaces_the_placeholder_with_its_detail(tracer: SamlTracerDock) -> None:
    assert tracer.detail.placeholder.isVisible() and not tracer.detail.tabs.isVisible()
    tracer.table.selectRow(0)
    assert tracer.detail.tabs.isVisible() and not tracer.detail.placeholder.isVisible()
