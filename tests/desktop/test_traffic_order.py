"""The SCIM traffic list reads in time order, however the exchanges reach it.

JumpCloud stores the exchanges it sent in batches, after BlogIn has already published its records of
receiving them: a list kept in order of arrival would show the answer before the question.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.bridge import EventBridge
from sandbox.desktop.trace_model import FETCH_BATCH
from sandbox.desktop.traffic.dock import ScimTrafficDock
from sandbox.desktop.traffic.model import TIME, ScimTrafficModel
from sandbox.events import SandboxEvent
from sandbox.events.traces import SCIM
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from sandbox.settings import Settings
from tests.desktop.traffic_fixtures import events_of, record_provisioning_run

USERS = 4


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, list[str]]]:
    """Real exchanges: JumpCloud's SCIM client creating users at the running BlogIn, recorded by both."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("traffic-order") / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        yield sandbox, record_provisioning_run(sandbox, users=USERS)


@pytest.fixture
def exchanges(recorded: tuple[Sandbox, list[str]]) -> list[SandboxEvent]:
    """Every exchange, in the order a list of stored records would hold them."""
    sandbox, _ = recorded
    return [trace for trace in events_of(sandbox) if trace.kind == SCIM]


def as_they_arrive(exchanges: list[SandboxEvent]) -> list[SandboxEvent]:
    """BlogIn's records first (published as each request is answered), then JumpCloud's stored batch."""
    return [t for t in exchanges if t.system == "blogin"] + [t for t in exchanges if t.system == "jumpcloud"]


def listed(model: ScimTrafficModel) -> list[SandboxEvent]:
    """Every row's exchange, top to bottom, fetching all of them as a scrolling view would."""
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    rows = [model.trace_at(row) for row in range(model.rowCount())]
    assert None not in rows
    return [trace for trace in rows if trace is not None]


def assert_in_time_order(model: ScimTrafficModel) -> None:
    """The Time column never goes back; on equal times a request as sent comes before one as received."""
    rows = listed(model)
    places = [(model.shown_time(t), t.data["direction"] == "received") for t in rows]
    assert places == sorted(places), [(model.cell(t, TIME), t.system) for t in rows]
    for row, trace in enumerate(rows):
        assert model.index(row, TIME).data() == model.cell(trace, TIME)


def same_request(trace: SandboxEvent) -> tuple[str, str, str]:
    return trace.data["method"], trace.data["path"], str(trace.data.get("request_body") or "")


def copy_of(trace: SandboxEvent, number: int, sent: datetime) -> SandboxEvent:
    """A real exchange again under another id, its request sent at ``sent``."""
    data = {**trace.data, "sent_at": sent.isoformat(timespec="milliseconds")}
    return replace(trace, id=f"{trace.id}-{number}", timestamp=sent + timedelta(milliseconds=20), data=data)


def test_exchanges_arriving_out_of_time_order_are_listed_in_time_order(exchanges: list[SandboxEvent]) -> None:
    arriving = as_they_arrive(exchanges)
    assert arriving[0].system == "blogin"
    model = ScimTrafficModel()
    model.append_traces(arriving[: len(arriving) // 2])
    model.append_traces(arriving[len(arriving) // 2 :])
    assert_in_time_order(model)
    rows = listed(model)
    assert len(rows) == len(exchanges) == 2 * USERS
    # Each user's creation reads as the trainer tells it: JumpCloud sends, then BlogIn receives.
    for trace in rows:
        if trace.system == "jumpcloud":
            received = next(t for t in rows if t.system == "blogin" and same_request(t) == same_request(trace))
            assert rows.index(trace) < rows.index(received)
    assert model.index(0, 1).data() == "JumpCloud (sent)"


def test_the_list_is_the_same_whatever_order_and_batches_the_exchanges_came_in(exchanges: list[SandboxEvent]) -> None:
    in_order = ScimTrafficModel()
    in_order.append_traces(sorted(exchanges, key=in_order.shown_time))
    expected = [t.id for t in listed(in_order)]
    shuffled = list(exchanges)
    random.Random(7).shuffle(shuffled)
    for arriving in (list(reversed(exchanges)), as_they_arrive(exchanges), shuffled):
        for size in (1, 3, len(arriving)):
            model = ScimTrafficModel()
            for first in range(0, len(arriving), size):
                model.append_traces(arriving[first : first + size])
            assert [t.id for t in listed(model)] == expected
            assert [t.id for t in model.traces()] == expected


def test_on_equal_times_the_request_as_sent_comes_before_it_as_received(exchanges: list[SandboxEvent]) -> None:
    sent = next(t for t in exchanges if t.system == "jumpcloud")
    received = next(t for t in exchanges if t.system == "blogin" and same_request(t) == same_request(sent))
    moment = datetime.fromisoformat(sent.data["sent_at"])
    received = replace(received, data={**received.data, "sent_at": sent.data["sent_at"]})
    earlier = copy_of(received, 1, moment - timedelta(milliseconds=1))
    model = ScimTrafficModel()
    model.append_traces([received])
    model.append_traces([sent, earlier])
    assert [t.id for t in listed(model)] == [earlier.id, sent.id, received.id]
    assert model.index(1, TIME).data() == model.index(2, TIME).data()
    assert [model.index(row, 1).data() for row in (1, 2)] == ["JumpCloud (sent)", "BlogIn (received)"]


#: rows handed to a view at a time in the model tester's test: the tester walks every row the views hold
#: on each insertion, so the history is kept to a few batches of this size (at the model's 500 the same
#: walk took some 24 s of CPU, all of it in the tester calling rowCount and columnCount)
TESTER_BATCH = 40


def test_the_model_passes_qtmodeltester_while_rows_go_in_the_middle(  # type: ignore[no-untyped-def]
    qtmodeltester, exchanges: list[SandboxEvent]
) -> None:
    model = ScimTrafficModel(fetch_batch=TESTER_BATCH)
    qtmodeltester.check(model)
    insertions: list[tuple[int, int]] = []  # (first new row, rows the views held before)
    model.rowsAboutToBeInserted.connect(lambda _parent, first, _last: insertions.append((first, model.rowCount())))
    start = datetime.fromisoformat(exchanges[0].data["sent_at"])
    # More rows than a view is first handed, so new ones land both among them and beyond them.
    size = round(2.4 * TESTER_BATCH)
    history = [copy_of(exchanges[n % len(exchanges)], n, start + timedelta(milliseconds=2 * n)) for n in range(size)]
    model.append_traces(history)
    assert model.rowCount() == TESTER_BATCH < model.visible_count()
    between = [copy_of(exchanges[0], 5000 + n, start + timedelta(milliseconds=2 * n + 1)) for n in range(0, size, 7)]
    model.append_traces(between)
    in_the_middle = [first for first, held in insertions if first < held]
    assert len(in_the_middle) >= TESTER_BATCH // 7  # each among the rows the views held, one by one
    assert model.rowCount() < model.visible_count()  # the others wait beyond them for fetchMore
    model.append_traces(as_they_arrive(exchanges))
    model.set_filter(lambda trace: trace.system == "jumpcloud")
    insertions.clear()
    model.append_traces(
        [copy_of(exchanges[-1], 9000 + n, start + timedelta(milliseconds=4 * n + 1)) for n in range(size // 24)]
    )
    assert any(first < held for first, held in insertions)
    assert_in_time_order(model)
    assert model.visible_count() == len(listed(model))


def test_rows_beyond_what_the_view_holds_come_in_their_place_as_it_scrolls(exchanges: list[SandboxEvent]) -> None:
    start = datetime.fromisoformat(exchanges[0].data["sent_at"])
    model = ScimTrafficModel()
    model.append_traces(
        [copy_of(exchanges[0], n, start + timedelta(milliseconds=2 * n)) for n in range(3 * FETCH_BATCH)]
    )
    assert model.rowCount() == FETCH_BATCH
    near_top = copy_of(exchanges[1], 10_000, start + timedelta(milliseconds=3))
    far_down = copy_of(exchanges[1], 10_001, start + timedelta(milliseconds=2 * FETCH_BATCH * 2 + 1))
    newest = copy_of(exchanges[1], 10_002, start + timedelta(hours=1))
    model.append_traces([far_down, newest, near_top])
    # Shown at once where it belongs among the rows the view holds; the others wait for the scroll.
    assert model.rowCount() == FETCH_BATCH + 1
    assert model.trace_at(2) == near_top
    assert model.row_of(far_down.id) == 2 * FETCH_BATCH + 2
    assert listed(model)[-1] == newest
    assert_in_time_order(model)


def test_a_view_holding_every_row_is_handed_the_newest_at_once(exchanges: list[SandboxEvent]) -> None:
    model = ScimTrafficModel()
    model.append_traces(exchanges[:4])
    start = datetime.fromisoformat(exchanges[-1].data["sent_at"])
    model.append_traces([copy_of(exchanges[0], 1, start + timedelta(seconds=1)), copy_of(exchanges[0], 0, start)])
    assert model.rowCount() == 6 and model.visible_count() == 6
    newest = model.trace_at(5)
    assert newest is not None and newest.id == f"{exchanges[0].id}-1"


@pytest.fixture
def dock(qtbot: QtBot, exchanges: list[SandboxEvent]) -> ScimTrafficDock:
    model = ScimTrafficModel()
    model.append_traces([t for t in exchanges if t.system == "blogin"])
    traffic = ScimTrafficDock(model)
    qtbot.addWidget(traffic)
    traffic.resize(1300, 700)
    traffic.show()
    return traffic


def test_the_selected_exchange_stays_selected_when_earlier_ones_arrive(
    dock: ScimTrafficDock, exchanges: list[SandboxEvent]
) -> None:
    dock.table.selectRow(USERS - 1)
    chosen = dock.current
    assert chosen is not None and chosen.system == "blogin"
    title = dock.title.text()
    dock.model.append_traces([t for t in exchanges if t.system == "jumpcloud"])
    selected = dock.table.selectionModel().selectedRows()
    assert len(selected) == 1 and dock.model.trace_at(selected[0].row()) == chosen
    assert selected[0].row() > USERS - 1
    assert dock.current == chosen and dock.title.text() == title
    assert dock.count_label.text() == f"{2 * USERS} exchanges"
    assert_in_time_order(dock.model)


def test_filters_and_the_related_event_work_on_exchanges_that_came_late(
    dock: ScimTrafficDock, exchanges: list[SandboxEvent], recorded: tuple[Sandbox, list[str]]
) -> None:
    _, event_ids = recorded
    dock.status_filter.setCurrentIndex(dock.status_filter.findData("2xx"))
    dock.resource_filter.setCurrentIndex(dock.resource_filter.findData("User"))
    dock.model.append_traces([t for t in exchanges if t.system == "jumpcloud"])
    assert dock.count_label.text() == f"{2 * USERS} exchanges"
    assert_in_time_order(dock.model)
    assert dock.show_exchange_of_event(event_ids[0])
    current = dock.current
    assert current is not None and current.system == "jumpcloud" and current.related_id == event_ids[0]
    assert dock.model.trace_at(dock.table.selectionModel().selectedRows()[0].row()) == current
    # JumpCloud sends first: the first user's request as sent is the top row.
    assert dock.table.selectionModel().selectedRows()[0].row() == 0


def test_a_resource_first_seen_in_a_late_batch_joins_the_filter(
    dock: ScimTrafficDock, exchanges: list[SandboxEvent]
) -> None:
    assert dock.resource_filter.findData("ServiceProviderConfig") == -1
    probe = exchanges[0]
    earliest = datetime.fromisoformat(probe.data["sent_at"]) - timedelta(seconds=1)
    config = copy_of(probe, 1, earliest)
    config = replace(config, data={**config.data, "method": "GET", "path": "/ServiceProviderConfig"})
    config.data["resource_type"] = "ServiceProviderConfig"
    dock.model.append_traces([config])
    assert dock.resource_filter.findData("ServiceProviderConfig") > 0
    assert dock.model.index(0, 3).data() == "/ServiceProviderConfig"


def test_the_count_follows_batches_a_filter_hides(dock: ScimTrafficDock, exchanges: list[SandboxEvent]) -> None:
    dock.status_filter.setCurrentIndex(dock.status_filter.findData("5xx"))
    dock.model.append_traces([t for t in exchanges if t.system == "jumpcloud"])
    assert dock.model.rowCount() == 0
    assert dock.count_label.text() == f"0 of {2 * USERS} exchanges"


WRITERS = [DirectoryUser(f"writer{n}", f"writer{n}@example.org", "Writer", f"Number{n}", "Writer") for n in range(6)]


def test_a_real_provisioning_run_reads_in_time_order_as_it_arrives(
    qtbot: QtBot, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = Settings(data_dir=tmp_path_factory.mktemp("live-traffic") / "data", jumpcloud_port=0, blogin_port=0)
    model = ScimTrafficModel()
    arrived: list[str] = []
    with Sandbox(settings) as sandbox, Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as guide:
        bridge = EventBridge(sandbox.bus)
        bridge.events_arrived.connect(model.append_traces)
        bridge.events_arrived.connect(lambda batch: arrived.extend(t.id for t in batch if t.kind == SCIM))
        dock = ScimTrafficDock(model)
        qtbot.addWidget(dock)
        dock.show()
        try:
            guide.sign_in_admins()
            guide.create_blogin_application()
            members = [guide.create_user(user) for user in WRITERS]
            guide.authorize_groups([guide.create_group("Writers", members)])
            base_url, token = guide.enable_blogin_provisioning()
            guide.activate_identity_management(base_url, token)

            def provisioned() -> bool:
                bodies = [str(t.data.get("request_body") or "") for t in model.traces() if t.system == "jumpcloud"]
                return all(any(f'"{user.email}"' in body for body in bodies) for user in WRITERS)

            qtbot.waitUntil(provisioned, timeout=30_000)
            deadline = time.monotonic() + 5
            while len(arrived) < len(sandbox.jumpcloud.recent_traces(SCIM)) + len(sandbox.blogin.recent_traces(SCIM)):
                assert time.monotonic() < deadline
                qtbot.wait(50)
        finally:
            bridge.close()
    rows = listed(model)
    assert sorted(t.id for t in rows) == sorted(arrived)
    assert {t.system for t in rows} == {"jumpcloud", "blogin"}
    assert_in_time_order(model)
    # The first request of the run is JumpCloud's, as sent.
    assert dock.model.index(0, 1).data() == "JumpCloud (sent)"


def test_asking_for_a_row_from_inside_an_insertion_does_not_hang(exchanges: list[SandboxEvent]) -> None:
    start = datetime.fromisoformat(exchanges[0].data["sent_at"])
    model = ScimTrafficModel()
    model.append_traces(
        [copy_of(exchanges[0], n, start + timedelta(milliseconds=2 * n)) for n in range(2 * FETCH_BATCH)]
    )
    unfetched = f"{exchanges[0].id}-{2 * FETCH_BATCH - 1}"
    asked: list[int | None] = []
    model.rowsAboutToBeInserted.connect(lambda *_: asked.append(model.row_of(unfetched)))
    model.append_traces([copy_of(exchanges[0], 5000, start + timedelta(milliseconds=1))])
    assert asked == [None]
    assert model.row_of(unfetched) == 2 * FETCH_BATCH
