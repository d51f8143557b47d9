"""The SCIM traffic panel shows real exchanges between JumpCloud's SCIM client and BlogIn's SCIM service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.traffic.dock import ScimTrafficDock
from sandbox.desktop.traffic.model import ScimTrafficModel
from sandbox.settings import Settings
from tests.desktop.traffic_fixtures import events_of, record_provisioning_run


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, list[str]]]:
    """Two users provisioned, then one attempt with a token BlogIn does not know."""
    workdir = tmp_path_factory.mktemp("traffic")
    settings = Settings(data_dir=workdir / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        events = record_provisioning_run(sandbox, users=2)
        events += record_provisioning_run(sandbox, users=1, valid_token=False)
        yield sandbox, events


@pytest.fixture
def traffic(qtbot: QtBot, provisioned: tuple[Sandbox, list[str]]) -> ScimTrafficDock:
    sandbox, _ = provisioned
    model = ScimTrafficModel()
    model.append_traces(events_of(sandbox))
    dock = ScimTrafficDock(model)
    qtbot.addWidget(dock)
    dock.resize(1300, 700)
    dock.show()
    return dock


def rows(dock: ScimTrafficDock) -> list[list[str]]:
    model = dock.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_each_exchange_is_listed_by_both_sides(traffic: ScimTrafficDock) -> None:
    listed = [r[1:5] for r in rows(traffic)]
    assert listed.count(["JumpCloud (sent)", "POST", "/Users", "201"]) == 2
    assert listed.count(["BlogIn (received)", "POST", "/Users", "201"]) == 2
    assert ["JumpCloud (sent)", "POST", "/Users", "401"] in listed
    assert all(r[5].endswith(" ms") for r in rows(traffic))
    assert traffic.count_label.text() == "6 exchanges"


def test_bodies_are_pretty_and_the_token_is_masked(traffic: ScimTrafficDock) -> None:
    traffic.table.selectRow(next(i for i, r in enumerate(rows(traffic)) if r[1] == "JumpCloud (sent)"))
    request = traffic.request_view.toPlainText()
    assert request.startswith("POST http://acme.blogin.localhost:")
    assert "authorization: bearer " in request.lower() and "••••" in request
    assert '  "userName": "user0@example.com"' in request
    response = traffic.response_view.toPlainText()
    assert response.startswith("HTTP 201")
    assert '"userName": "user0@example.com"' in response
    assert "201" in traffic.title.text() and "user_create_provision" in traffic.title.text()


def test_filters_by_status_class_and_resource(traffic: ScimTrafficDock) -> None:
    traffic.status_filter.setCurrentIndex(traffic.status_filter.findData("4xx"))
    assert {r[4] for r in rows(traffic)} == {"401"}
    assert traffic.count_label.text() == "2 of 6 exchanges"
    traffic.status_filter.setCurrentIndex(0)
    assert traffic.resource_filter.findData("User") > 0
    traffic.resource_filter.setCurrentIndex(traffic.resource_filter.findData("User"))
    assert len(rows(traffic)) == 6


def test_a_provisioning_event_links_to_its_exchange_and_back(
    qtbot: QtBot, traffic: ScimTrafficDock, provisioned: tuple[Sandbox, list[str]]
) -> None:
    _, event_ids = provisioned
    failed_attempt = event_ids[-1]
    assert traffic.show_exchange_of_event(failed_attempt)
    assert traffic.current is not None and traffic.current.data["status"] == 401
    assert traffic.event_button.isVisible()
    with qtbot.waitSignal(traffic.event_requested) as signal:
        traffic.event_button.click()
    assert signal.args == [failed_attempt]


def test_the_model_passes_qtmodeltester(qtmodeltester, provisioned: tuple[Sandbox, list[str]]) -> None:  # type: ignore[no-untyped-def]
    sandbox, _ = provisioned
    model = ScimTrafficModel()
    qtmodeltester.check(model)
    model.append_traces(events_of(sandbox))
    qtmodeltester.check(model)


def test_before_any_exchange_the_panel_says_how_to_get_some(qtbot: QtBot) -> None:
    dock = ScimTrafficDock(ScimTrafficModel())
    qtbot.addWidget(dock)
    dock.resize(1300, 700)
    dock.show()
    assert dock.count_label.text() == "0 exchanges"
    assert dock.table.empty_hint.startswith("No SCIM exchanges yet. Activate Identity Management")
    # No empty request and response panes: a line saying what will show there instead.
    assert dock.placeholder.isVisible() and not dock.tabs.isVisible()


def test_a_filter_matching_nothing_says_so_and_choosing_an_exchange_shows_it(traffic: ScimTrafficDock) -> None:
    assert traffic.placeholder.isVisible() and not traffic.tabs.isVisible()
    traffic.status_filter.setCurrentIndex(traffic.status_filter.findData("5xx"))
    assert traffic.model.rowCount() == 0
    assert traffic.table.empty_hint.startswith("No exchange matches these filters.")
    traffic.status_filter.setCurrentIndex(0)
    traffic.table.selectRow(0)
    assert traffic.tabs.isVisible() and not traffic.placeholder.isVisible()


def test_a_sent_exchange_shows_when_its_request_went_out_not_when_its_batch_was_stored() -> None:
    from datetime import UTC, datetime

    from sandbox.events import SandboxEvent

    stored = datetime(2026, 11, 29, 12, 0, 5, 0, tzinfo=UTC)
    sent = datetime(2026, 11, 29, 12, 0, 3, 250_000, tzinfo=UTC)
    exchange = {"direction": "sent", "method": "POST", "path": "/Users", "status": 201, "sent_at": sent.isoformat()}
    trace = SandboxEvent(
        system="jumpcloud", id="t1", event_type="scim", timestamp=stored, summary="", kind="scim", data=exchange
    )
    model = ScimTrafficModel()
    local = sent.astimezone()
    assert model.cell(trace, 0) == local.strftime("%H:%M:%S.250")
    older = SandboxEvent(
        system="jumpcloud",
        id="t2",
        event_type="scim",
        timestamp=stored,
        summary="",
        kind="scim",
        data={k: v for k, v in exchange.items() if k != "sent_at"},
    )
    assert model.cell(older, 0) == stored.astimezone().strftime("%H:%M:%S.000")


def test_a_batch_lookup_of_fifty_users_leaves_the_request_and_response_their_room(qtbot: QtBot) -> None:
    from datetime import UTC, datetime
    from html import unescape
    from urllib.parse import quote_plus

    from sandbox.events import SandboxEvent

    names = " or ".join(f'userName eq "person.number{n}@example.org"' for n in range(50))
    path = f"/Users?filter={quote_plus(names)}&count=50"
    exchange = {
        "direction": "sent",
        "method": "GET",
        "path": path,
        "url": f"http://acme.blogin.localhost:8000/sso/scim/V2{path}",
        "status": 200,
        "request_headers": {"accept": "application/scim+json"},
        "response_body": '{"totalResults": 0, "Resources": []}',
    }
    trace = SandboxEvent(
        system="jumpcloud",
        id="lookup",
        event_type="scim",
        timestamp=datetime.now(UTC),
        summary="",
        kind="scim",
        data=exchange,
    )
    model = ScimTrafficModel()
    model.append_traces([trace])
    dock = ScimTrafficDock(model)
    qtbot.addWidget(dock)
    dock.resize(1280, 720)
    dock.show()
    dock.table.selectRow(0)
    qtbot.waitUntil(lambda: dock.tabs.isVisible())
    # The heading names the lookup in a few lines, its start and its end; the Request tab has it all.
    heading = unescape(dock.title.text())
    assert 'userName eq "person.number0@example.org"' in heading and "…" in heading and "&count=50" in heading
    assert "person.number25@" not in heading
    assert dock.title.height() < dock.tabs.height()
    assert "person.number25%40example.org" in dock.request_view.toPlainText()
