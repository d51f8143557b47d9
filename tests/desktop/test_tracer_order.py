"""The SAML tracer lists messages in the order of their times, however their records reach it."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.bridge import EventBridge
from sandbox.desktop.tracer.dock import SamlTracerDock
from sandbox.desktop.tracer.model import TIME, SamlMessageModel
from sandbox.events import SandboxEvent
from sandbox.events.traces import SAML
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from sandbox.settings import Settings
from tests.desktop.traffic_fixtures import events_of, record_sso_login, saml_parties

ADA = DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer")


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SandboxEvent]]:
    """Two SP-initiated logins, each message as sent and as received, recorded by the running systems."""
    workdir = tmp_path_factory.mktemp("tracer-order")
    settings = Settings(data_dir=workdir / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        parties = saml_parties(sandbox, workdir)
        record_sso_login(sandbox, parties)
        record_sso_login(sandbox, parties)
        yield [trace for trace in events_of(sandbox) if trace.kind == SAML]


def listed(model: SamlMessageModel) -> list[SandboxEvent]:
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    rows = [model.trace_at(row) for row in range(model.rowCount())]
    return [trace for trace in rows if trace is not None]


def assert_in_time_order(model: SamlMessageModel) -> None:
    rows = listed(model)
    assert len(rows) == model.visible_count()
    assert [t.timestamp for t in rows] == sorted(t.timestamp for t in rows), [model.cell(t, TIME) for t in rows]


def test_messages_arriving_out_of_time_order_are_listed_in_time_order(messages: list[SandboxEvent]) -> None:
    assert len(messages) == 8
    shuffled = list(messages)
    random.Random(3).shuffle(shuffled)
    for arriving in (list(reversed(messages)), shuffled):
        model = SamlMessageModel()
        for first in range(0, len(arriving), 3):
            model.append_traces(arriving[first : first + 3])
        assert [t.id for t in listed(model)] == [t.id for t in messages]
        assert [model.index(row, 3).data() for row in range(4)] == [
            "AuthnRequest",
            "AuthnRequest",
            "Response",
            "Response",
        ]
        assert [model.index(row, 2).data() for row in range(2)] == ["Sent", "Received"]


def test_a_message_and_its_counterpart_still_find_each_other(messages: list[SandboxEvent]) -> None:
    model = SamlMessageModel()
    model.append_traces(list(reversed(messages)))
    received = listed(model)[3]
    assert received.data["direction"] == "received" and received.data["message_type"] == "Response"
    counterpart = model.counterpart(received)
    assert counterpart is not None and counterpart == listed(model)[2]
    assert model.row_of(received.id) == 3


def test_the_count_follows_messages_a_filter_hides(qtbot: QtBot, messages: list[SandboxEvent]) -> None:
    dock = SamlTracerDock(SamlMessageModel())
    qtbot.addWidget(dock)
    dock.show_filter.setCurrentIndex(dock.show_filter.findData("rejected"))
    dock.model.append_traces(messages)
    assert dock.model.rowCount() == 0
    assert dock.count_label.text() == f"0 of {len(messages)} messages"


def test_real_sign_ins_read_in_time_order_as_they_arrive(
    qtbot: QtBot, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = Settings(data_dir=tmp_path_factory.mktemp("live-tracer") / "data", jumpcloud_port=0, blogin_port=0)
    model = SamlMessageModel()
    arrived: list[SandboxEvent] = []
    with Sandbox(settings) as sandbox, Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as guide:
        bridge = EventBridge(sandbox.bus)
        bridge.events_arrived.connect(model.append_traces)
        bridge.events_arrived.connect(lambda batch: arrived.extend(t for t in batch if t.kind == SAML))
        try:
            guide.sign_in_admins()
            guide.create_blogin_application()
            guide.configure_sso()
            guide.authorize_groups([guide.create_group("Writers", [guide.create_user(ADA)])])
            guide.idp_initiated_sign_in("ada")
            guide.sp_initiated_sign_in("ada")
            stored = len(sandbox.jumpcloud.recent_traces(SAML)) + len(sandbox.blogin.recent_traces(SAML))
            deadline = time.monotonic() + 10
            while len(arrived) < stored:
                assert time.monotonic() < deadline
                qtbot.wait(50)
        finally:
            bridge.close()
    assert stored >= 6
    assert [t.data["verdict"] for t in arrived].count("accepted") >= 3
    assert sorted(t.id for t in listed(model)) == sorted(t.id for t in arrived)
    assert_in_time_order(model)
