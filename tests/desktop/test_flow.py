"""The flow diagram draws a real SSO login and a real provisioning run; arrows open their messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractSlider, QDockWidget, QLabel, QMainWindow
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.flow.dock import FlowDiagramDock
from sandbox.desktop.flow.scene import HEADER_HEIGHT, HEADER_WIDTH, LANE_COLOURS, lane_x
from sandbox.desktop.flow.steps import BLOGIN, BROWSER, JUMPCLOUD, PROVISIONING, SSO_LOGIN
from sandbox.saml.idp import ResponseOptions
from sandbox.settings import Settings
from tests.desktop.traffic_fixtures import events_of, record_provisioning_run, record_sso_login, saml_parties


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, dict[str, dict[str, str]]]]:
    workdir = tmp_path_factory.mktemp("flow")
    settings = Settings(data_dir=workdir / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        parties = saml_parties(sandbox, workdir)
        logins = {"accepted": record_sso_login(sandbox, parties)}
        record_provisioning_run(sandbox, users=2)
        logins["audience"] = record_sso_login(sandbox, parties, options=ResponseOptions(audience="urn:someone-else"))
        yield sandbox, logins


@pytest.fixture
def flow(qtbot: QtBot, recorded: tuple[Sandbox, dict]) -> FlowDiagramDock:
    sandbox, _ = recorded
    dock = FlowDiagramDock()
    qtbot.addWidget(dock)
    dock.resize(1100, 520)
    dock.show()
    dock.add_events(events_of(sandbox))
    return dock


def arrows(dock: FlowDiagramDock) -> list[tuple[int, int, str, bool | None]]:
    return [(a.step.source, a.step.target, a.step.label, a.step.ok) for a in dock.scene.arrows]


def test_three_flows_in_order_and_the_newest_is_drawn(flow: FlowDiagramDock) -> None:
    titles = [f.title for f in flow.recorder.flows]
    assert titles == [SSO_LOGIN, PROVISIONING, SSO_LOGIN]
    assert flow.chooser.count() == 3 and flow.chooser.currentIndex() == 2
    drawn = arrows(flow)
    # BlogIn posts the AuthnRequest (JumpCloud declares only its HTTP-POST endpoint), the user logs in.
    assert drawn[:6] == [
        (BLOGIN, BROWSER, "AuthnRequest (auto-submitting form)", None),
        (BROWSER, JUMPCLOUD, "AuthnRequest via HTTP-POST", True),
        (BROWSER, JUMPCLOUD, "Log in to the User Console", True),
        (JUMPCLOUD, BROWSER, "Response (auto-submitting form)", None),
        (BROWSER, BLOGIN, "Response via HTTP-POST", False),
        drawn[5],
    ]
    assert drawn[5][:3] == (BLOGIN, BROWSER, "Sign-in refused") and drawn[5][3] is False
    assert "audience" in flow.scene.arrows[5].step.note.lower()
    # The whole reason is written under the refusal, over as many lines as it needs.
    note = flow.scene.arrows[5].note_item
    assert note is not None and " ".join(note.text().split("\n")) == flow.scene.arrows[5].step.note


def test_a_provisioning_run_draws_each_request_and_its_answer_once(flow: FlowDiagramDock) -> None:
    flow.chooser.setCurrentIndex(1)
    flow._chosen(1)
    assert arrows(flow) == [
        (JUMPCLOUD, BLOGIN, "POST /Users", None),
        (BLOGIN, JUMPCLOUD, arrows(flow)[1][2], True),
        (JUMPCLOUD, BLOGIN, "POST /Users", None),
        (BLOGIN, JUMPCLOUD, arrows(flow)[3][2], True),
    ]
    assert arrows(flow)[1][2].startswith("201 · ") and arrows(flow)[1][2].endswith(" ms")
    # The drawn arrows are JumpCloud's records (the client's view), not BlogIn's copies.
    sandbox_ids = {a.step.trace_id for a in flow.scene.arrows}
    assert len(sandbox_ids) == 2


def test_an_accepted_login_ends_with_a_session(flow: FlowDiagramDock) -> None:
    flow._chosen(0)
    assert arrows(flow)[-1] == (BLOGIN, BROWSER, "Signed in: BlogIn session cookie", True)


def test_clicking_an_arrow_asks_for_its_message(
    qtbot: QtBot, flow: FlowDiagramDock, recorded: tuple[Sandbox, dict]
) -> None:
    _, logins = recorded
    flow._chosen(2)
    arrow = flow.scene.arrows[4]
    flow.view.centerOn(arrow)
    point = flow.view.mapFromScene(arrow.path().pointAtPercent(0.5))
    with qtbot.waitSignal(flow.message_requested) as signal:
        qtbot.mouseClick(flow.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert signal.args == ["saml", logins["audience"]["response_received"]]


def test_export_png_and_svg(flow: FlowDiagramDock, tmp_path: Path) -> None:
    png = flow.export("png", str(tmp_path / "flow.png"))
    svg = flow.export("svg", str(tmp_path / "flow.svg"))
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg is not None
    text = svg.read_text()
    assert "<svg" in text and "End User" in text and "Sign-in refused" in text


def test_live_traces_extend_the_current_flow(flow: FlowDiagramDock, recorded: tuple[Sandbox, dict]) -> None:
    sandbox, _ = recorded
    fresh = FlowDiagramDock()
    events = events_of(sandbox)
    fresh.add_events(events[:1])
    assert len(fresh.scene.arrows) == 1
    fresh.add_events(events[1:3])
    assert len(fresh.scene.arrows) == 3
    fresh.deleteLater()


def test_with_the_redirect_endpoint_declared_the_request_goes_by_redirect(qtbot: QtBot, tmp_path: Path) -> None:
    with Sandbox(Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)) as sandbox:
        record_sso_login(sandbox, saml_parties(sandbox, tmp_path, declare_redirect=True))
        events = events_of(sandbox)
    dock = FlowDiagramDock()
    qtbot.addWidget(dock)
    dock.add_events(events)
    assert arrows(dock)[:2] == [
        (BLOGIN, BROWSER, "AuthnRequest (302 redirect)", None),
        (BROWSER, JUMPCLOUD, "AuthnRequest via HTTP-Redirect", True),
    ]
    assert arrows(dock)[-1] == (BLOGIN, BROWSER, "Signed in: BlogIn session cookie", True)


def test_fit_to_panel_shows_every_arrow_in_a_short_panel(flow: FlowDiagramDock) -> None:
    flow.resize(1100, 260)
    viewport = flow.view.viewport().rect()
    assert not viewport.contains(flow.view.mapFromScene(flow.scene.sceneRect()).boundingRect())
    flow.fit_button.click()
    assert flow.view.mapFromScene(flow.scene.sceneRect()).boundingRect().height() <= viewport.height() + 2
    flow.fit_button.click()
    assert flow.view.transform().isIdentity()


def test_a_live_flow_keeps_its_newest_arrow_in_sight(qtbot: QtBot, recorded: tuple[Sandbox, dict]) -> None:
    sandbox, _ = recorded
    dock = FlowDiagramDock()
    qtbot.addWidget(dock)
    dock.resize(1100, 240)
    dock.show()
    events = events_of(sandbox)
    for event in events[:-1]:
        dock.add_events([event])
    newest = dock.scene.arrows[-1]
    shown = dock.view.mapToScene(dock.view.viewport().rect()).boundingRect()
    assert shown.contains(newest.path().pointAtPercent(0.5))
    # Scrolled up to read, the reader is left where they are when the next arrow arrives.
    bar = dock.view.verticalScrollBar()
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    dock.add_events(events[-1:])
    assert bar.value() == bar.minimum() < bar.maximum()


def test_a_short_diagram_starts_at_the_top_of_a_tall_panel(flow: FlowDiagramDock) -> None:
    flow.resize(1100, 900)
    assert flow.scene.sceneRect().height() < flow.view.viewport().height()
    assert flow.view.mapFromScene(flow.scene.sceneRect().topLeft()).y() <= 1


def box_edge(lane: int) -> float:
    """A little inside the left edge of the lane's name box (its middle is the name's white text)."""
    return lane_x(lane) - HEADER_WIDTH / 2 + 6


def test_the_lanes_stay_named_when_a_long_flow_is_followed_to_its_end(
    qtbot: QtBot, recorded: tuple[Sandbox, dict]
) -> None:
    sandbox, _ = recorded
    dock = FlowDiagramDock()
    qtbot.addWidget(dock)
    dock.resize(1100, 240)
    dock.show()
    dock.add_events(events_of(sandbox))
    view, scene = dock.view, dock.scene
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0  # the newest arrow in sight, the lanes' boxes scrolled away

    def lane_colours_at_the_top() -> list[str]:
        qtbot.wait(20)
        image = view.viewport().grab().toImage()
        y = view.mapFromScene(QPointF(0, view.mapToScene(0, 0).y() + 4 + HEADER_HEIGHT / 2)).y()
        return [image.pixelColor(view.mapFromScene(QPointF(box_edge(lane), 0)).x(), y).name() for lane in range(3)]

    assert lane_colours_at_the_top() == [QColor(colour).name() for colour in LANE_COLOURS]
    assert view.lane_names_pinned()
    # Scrolled back to the top, the boxes of the diagram itself are there, and nothing drawn over them.
    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMinimum)
    assert not view.lane_names_pinned()
    top = view.mapFromScene(QPointF(0, scene.lane_names_top() + HEADER_HEIGHT / 2)).y()
    image = view.viewport().grab().toImage()
    assert (
        image.pixelColor(view.mapFromScene(QPointF(box_edge(0), 0)).x(), top).name() == QColor(LANE_COLOURS[0]).name()
    )
    # Fitted to the panel every lane box is in sight: nothing is pinned.
    dock.fit_button.click()
    assert not view.lane_names_pinned()


@pytest.mark.parametrize(("width", "height", "personas"), [(1280, 720, 480), (1600, 1000, 720)])
def test_a_flow_drawn_behind_another_tab_shows_its_newest_arrow_when_brought_forward(
    qtbot: QtBot, recorded: tuple[Sandbox, dict], width: int, height: int, personas: int
) -> None:
    """The panel tabbed behind the event log, as in the window: the arrows arrive while it is hidden."""
    sandbox, _ = recorded
    window = QMainWindow()
    qtbot.addWidget(window)
    area = QLabel("personas")
    area.setMinimumHeight(personas)  # the personas take most of the height, as in the window
    window.setCentralWidget(area)
    log = QDockWidget("Event log")
    log.setWidget(QLabel("events"))
    dock = FlowDiagramDock()
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, log)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.tabifyDockWidget(log, dock)
    log.raise_()
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    assert dock.view.visibleRegion().isEmpty()  # behind the event log's tab
    for event in events_of(sandbox):
        dock.add_events([event])

    dock.raise_()
    qtbot.waitUntil(lambda: not dock.view.visibleRegion().isEmpty())
    view = dock.view
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0  # the flow is taller than the panel: not all of it can show
    newest = dock.scene.arrows[-1]
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(newest.path().pointAtPercent(0.5)), (shown, newest.step.label)
