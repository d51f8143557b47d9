"""The tracer, the SCIM traffic panel and the flow diagram fed by the systems themselves.

Every message here comes from a real run between the two running systems over HTTP: end users signing
in IdP- and SP-initiated, a sign-in JumpCloud sends with a wrong audience (its edge-case toggle),
JumpCloud's connection test on Activate (a test user and a test group, created then deleted), and its
own provisioning worker creating the authorized users in BlogIn.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.flow.dock import FlowDiagramDock
from sandbox.desktop.flow.scene import FlowScene
from sandbox.desktop.flow.steps import (
    BLOGIN,
    BROWSER,
    CONNECTION_TEST,
    CONNECTION_TEST_OPERATIONS,
    JUMPCLOUD,
    PROVISIONING,
    SSO_LOGIN,
)
from sandbox.desktop.tracer.dock import SamlTracerDock
from sandbox.desktop.tracer.model import SamlMessageModel
from sandbox.desktop.traffic.dock import ScimTrafficDock
from sandbox.desktop.traffic.model import ScimTrafficModel
from sandbox.events import SandboxEvent
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from sandbox.settings import Settings
from tests.desktop.traffic_fixtures import events_of, provisioned

pytestmark = pytest.mark.desktop

ADA = DirectoryUser("ada", "ada@example.org", "Ada", "Lovelace", "Engineer")
GRACE = DirectoryUser("grace", "grace@example.org", "Grace", "Hopper", "Admiral")
ALAN = DirectoryUser("alan", "alan@example.org", "Alan", "Turing", "Mathematician")


@dataclass
class Runs:
    sandbox: Sandbox
    idp_status: int
    sp_status: int
    audience_status: int
    token: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """SSO configured through the portals; Ada signs in both ways; one wrong-audience sign-in; then provisioning."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("real-flows") / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox, Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as guide:
        guide.sign_in_admins()
        application_id = guide.create_blogin_application()
        guide.configure_sso()
        members = [guide.create_user(user) for user in (ADA, GRACE, ALAN)]
        guide.authorize_groups([guide.create_group("Writers", members)])

        idp = guide.idp_initiated_sign_in("ada").status_code
        sp = guide.sp_initiated_sign_in("ada").status_code
        sandbox.jumpcloud.set_edge_cases(application_id, {"wrongAudience": True})
        audience = guide.sp_initiated_sign_in("ada").status_code
        sandbox.jumpcloud.set_edge_cases(application_id, {"wrongAudience": False})

        base_url, token = guide.enable_blogin_provisioning()
        guide.activate_identity_management(base_url, token)
        deadline = time.monotonic() + 30
        while not provisioned(sandbox, {GRACE.email, ALAN.email}):
            summaries = [t.summary for t in sandbox.jumpcloud.recent_traces("scim")]
            assert time.monotonic() < deadline, f"JumpCloud provisioned nobody: {summaries}"
            time.sleep(0.1)
        yield Runs(sandbox, idp, sp, audience, token)


@pytest.fixture
def tracer(qtbot: QtBot, runs: Runs) -> SamlTracerDock:
    model = SamlMessageModel()
    model.append_traces(events_of(runs.sandbox))
    dock = SamlTracerDock(model)
    qtbot.addWidget(dock)
    dock.resize(1300, 800)
    dock.show()
    return dock


def saml_rows(dock: SamlTracerDock) -> list[list[str]]:
    model = dock.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def received_responses(sandbox: Sandbox) -> list[SandboxEvent]:
    """BlogIn's captures of the Responses it received, oldest first."""
    traces = [t for t in sandbox.blogin.recent_traces("saml") if t.data.get("message_type") == "Response"]
    return sorted(traces, key=lambda t: t.timestamp)


def test_the_sign_ins_went_through_and_the_wrong_audience_one_was_refused(runs: Runs) -> None:
    assert (runs.idp_status, runs.sp_status) == (303, 303)
    assert runs.audience_status >= 400


def test_the_tracer_lists_the_real_messages_in_order(tracer: SamlTracerDock) -> None:
    rows = [r[1:] for r in saml_rows(tracer)]
    # IdP-initiated: no AuthnRequest, JumpCloud's Response straight to BlogIn.
    assert rows[:2] == [
        ["JumpCloud", "Sent", "Response", "Sent"],
        ["BlogIn", "Received", "Response", "Accepted"],
    ]
    # SP-initiated: BlogIn's AuthnRequest to JumpCloud, JumpCloud's Response back.
    assert rows[2:6] == [
        ["BlogIn", "Sent", "AuthnRequest", "Sent"],
        ["JumpCloud", "Received", "AuthnRequest", "Accepted"],
        ["JumpCloud", "Sent", "Response", "Sent"],
        ["BlogIn", "Received", "Response", "Accepted"],
    ]
    assert rows[6:10] == [
        ["BlogIn", "Sent", "AuthnRequest", "Sent"],
        ["JumpCloud", "Received", "AuthnRequest", "Accepted"],
        ["JumpCloud", "Sent", "Response", "Sent"],
        ["BlogIn", "Received", "Response", "Rejected"],
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["IdP-initiated", "SP-initiated"])
def test_an_accepted_response_reads_as_the_users_signed_assertion(
    tracer: SamlTracerDock, runs: Runs, which: int
) -> None:
    response = received_responses(runs.sandbox)[which]
    assert tracer.show_trace(response.id)
    detail = tracer.detail
    assert detail.badge.text() == "Accepted"
    assert "Response" in detail.title.text() and "JumpCloud → BlogIn" in detail.title.text()
    assert detail.values["name_id"].text() == ADA.email
    assert detail.values["name_id_format"].text().endswith("emailAddress")
    assert detail.values["audience"].text() == f"{runs.sandbox.blogin.base_url}/"
    assert detail.values["binding"].text() == "HTTP-POST"
    signatures = detail.signatures.text()
    assert "signature valid" in signatures
    assert "digest valid" in signatures
    assert "matches the certificate configured at BlogIn" in signatures
    assert "does NOT match" not in signatures
    assert not detail.reason.isVisible()


def test_the_authn_request_is_shown_as_blogin_sent_it(tracer: SamlTracerDock, runs: Runs) -> None:
    request = next(
        t
        for t in sorted(runs.sandbox.blogin.recent_traces("saml"), key=lambda t: t.timestamp)
        if t.data.get("message_type") == "AuthnRequest"
    )
    assert tracer.show_trace(request.id)
    assert tracer.detail.badge.text() == "Sent"
    assert "AuthnRequest" in tracer.detail.title.text() and "BlogIn → JumpCloud" in tracer.detail.title.text()
    assert tracer.detail.values["binding"].text() == "HTTP-POST"
    assert "AuthnRequest" in tracer.detail.xml.toPlainText().splitlines()[0]


def test_the_wrong_audience_response_shows_the_verdict_and_why(tracer: SamlTracerDock, runs: Runs) -> None:
    rejected = received_responses(runs.sandbox)[2]
    assert tracer.show_trace(rejected.id)
    detail = tracer.detail
    assert detail.badge.text() == "Rejected"
    assert detail.values["audience"].text() != f"{runs.sandbox.blogin.base_url}/"
    assert detail.reason.isVisible()
    assert detail.reason.text().startswith("BlogIn rejected it: ")
    assert "audience" in detail.reason.text().lower()


@pytest.fixture
def flow(qtbot: QtBot, runs: Runs) -> FlowDiagramDock:
    dock = FlowDiagramDock()
    qtbot.addWidget(dock)
    dock.resize(1100, 520)
    dock.show()
    dock.add_events(events_of(runs.sandbox))
    return dock


def arrows(dock: FlowDiagramDock) -> list[tuple[int, int, str, bool | None]]:
    return [(a.step.source, a.step.target, a.step.label, a.step.ok) for a in dock.scene.arrows]


def drawn_at(scene: FlowScene) -> list[tuple[str, float, float]]:
    """Each arrow's label with where it is drawn (its line's start and height)."""
    return [(a.step.label, a.path().elementAt(0).x, a.path().elementAt(0).y) for a in scene.arrows]


def test_the_flow_diagram_has_each_login_and_the_provisioning_run(flow: FlowDiagramDock) -> None:
    titles = [f.title for f in flow.recorder.flows]
    assert titles[:3] == [SSO_LOGIN, SSO_LOGIN, SSO_LOGIN]
    assert PROVISIONING in titles[3:]


def test_the_sp_initiated_login_is_drawn_arrow_by_arrow(flow: FlowDiagramDock) -> None:
    flow._chosen(1)
    assert arrows(flow) == [
        (BLOGIN, BROWSER, "AuthnRequest (auto-submitting form)", None),
        (BROWSER, JUMPCLOUD, "AuthnRequest via HTTP-POST", True),
        (BROWSER, JUMPCLOUD, "Log in to the User Console", True),
        (JUMPCLOUD, BROWSER, "Response (auto-submitting form)", None),
        (BROWSER, BLOGIN, "Response via HTTP-POST", True),
        (BLOGIN, BROWSER, "Signed in: BlogIn session cookie", True),
    ]


def test_the_idp_initiated_login_starts_at_jumpcloud(flow: FlowDiagramDock) -> None:
    flow._chosen(0)
    assert arrows(flow) == [
        (BROWSER, JUMPCLOUD, "Log in to the User Console", True),
        (JUMPCLOUD, BROWSER, "Response (auto-submitting form)", None),
        (BROWSER, BLOGIN, "Response via HTTP-POST", True),
        (BLOGIN, BROWSER, "Signed in: BlogIn session cookie", True),
    ]


def test_the_refused_login_ends_with_the_refusal_and_its_reason(flow: FlowDiagramDock) -> None:
    flow._chosen(2)
    drawn = arrows(flow)
    assert drawn[-2] == (BROWSER, BLOGIN, "Response via HTTP-POST", False)
    assert drawn[-1][:3] == (BLOGIN, BROWSER, "Sign-in refused") and drawn[-1][3] is False
    assert "audience" in flow.scene.arrows[-1].step.note.lower()


def test_the_provisioning_run_draws_jumpclouds_user_creations(flow: FlowDiagramDock) -> None:
    index = next(i for i, f in enumerate(flow.recorder.flows) if f.title == PROVISIONING)
    flow._chosen(index)
    drawn = arrows(flow)
    posts = [i for i, a in enumerate(drawn) if a[:3] == (JUMPCLOUD, BLOGIN, "POST /Users")]
    assert len(posts) >= 2
    for i in posts[-2:]:
        assert drawn[i + 1][:2] == (BLOGIN, JUMPCLOUD) and drawn[i + 1][2].startswith("201 · ")


@pytest.fixture
def traffic(qtbot: QtBot, runs: Runs) -> ScimTrafficDock:
    model = ScimTrafficModel()
    model.append_traces(events_of(runs.sandbox))
    dock = ScimTrafficDock(model)
    qtbot.addWidget(dock)
    dock.resize(1300, 700)
    dock.show()
    return dock


def traffic_rows(dock: ScimTrafficDock) -> list[list[str]]:
    model = dock.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_the_traffic_panel_lists_the_workers_user_creations(traffic: ScimTrafficDock) -> None:
    listed = [r[1:5] for r in traffic_rows(traffic)]
    assert listed.count(["JumpCloud (sent)", "POST", "/Users", "201"]) >= 2
    assert listed.count(["BlogIn (received)", "POST", "/Users", "201"]) >= 2
    assert all(r[5].endswith(" ms") for r in traffic_rows(traffic))


def test_a_user_creation_shows_its_bodies_with_the_token_masked(traffic: ScimTrafficDock, runs: Runs) -> None:
    def creates_grace(row: int) -> bool:
        trace = traffic.model.trace_at(row)
        return trace is not None and f'"{GRACE.email}"' in str(trace.data.get("request_body") or "")

    row = next(
        i
        for i, r in enumerate(traffic_rows(traffic))
        if r[1:5] == ["JumpCloud (sent)", "POST", "/Users", "201"] and creates_grace(i)
    )
    traffic.table.selectRow(row)
    request = traffic.request_view.toPlainText()
    assert request.startswith(f"POST {runs.sandbox.blogin.base_url}/")
    assert "authorization: bearer " in request.lower() and "••••" in request
    assert runs.token not in request
    assert GRACE.email in request and '"givenName": "Grace"' in request
    response = traffic.response_view.toPlainText()
    assert response.startswith("HTTP 201")
    assert GRACE.email in response and '"id": ' in response


def test_a_provisioning_event_opens_its_exchange_and_back(qtbot: QtBot, traffic: ScimTrafficDock, runs: Runs) -> None:
    event = next(
        e
        for e in runs.sandbox.jumpcloud.recent_events()
        if e.event_type == "user_create_provision" and GRACE.email in str(e.data)
    )
    assert traffic.show_exchange_of_event(event.id)
    assert traffic.current is not None
    assert traffic.current.data["status"] == 201 and traffic.current.data["method"] == "POST"
    assert "user_create_provision" in traffic.title.text()
    assert traffic.event_button.isVisible()
    with qtbot.waitSignal(traffic.event_requested) as signal:
        traffic.event_button.click()
    assert signal.args == [event.id]


def scim_trace_operations(sandbox: Sandbox) -> dict[str, str | None]:
    """Every SCIM trace id of both systems → the operation JumpCloud's client recorded (None for BlogIn's)."""
    traces = [*sandbox.jumpcloud.recent_traces("scim"), *sandbox.blogin.recent_traces("scim")]
    return {t.id: t.data.get("operation") for t in traces}


def test_activates_connection_test_is_its_own_flow_before_the_provisioning_run(
    flow: FlowDiagramDock, runs: Runs
) -> None:
    titles = [f.title for f in flow.recorder.flows]
    assert titles.count(CONNECTION_TEST) == 1
    test_at = titles.index(CONNECTION_TEST)
    assert PROVISIONING in titles[test_at + 1 :]
    assert PROVISIONING not in titles[:test_at]
    flow.choose(test_at)
    assert flow.chooser.currentText().startswith("Connection test (Activate) at ")
    assert "test user and a test group" in flow.scene.subtitle_text()
    drawn = arrows(flow)
    assert [a[:2] for a in drawn] == [(JUMPCLOUD, BLOGIN), (BLOGIN, JUMPCLOUD)] * 5
    requests = [label for _, _, label, _ in drawn[0::2]]
    assert requests[:3] == ["GET /Users", "POST /Users", "POST /Groups"]
    assert requests[3].startswith("DELETE /Groups/") and requests[4].startswith("DELETE /Users/")
    # The 32-character ids are cut so the labels stay between the lanes (the exchange has them whole).
    assert all(label.endswith("…") and len(label) < 30 for label in requests[3:])
    assert [label.split(" ")[0] for _, _, label, _ in drawn[1::2]] == ["200", "201", "201", "204", "204"]
    assert all(ok for _, _, _, ok in drawn[1::2])
    # Every arrow opens JumpCloud's record of the probe, marked as Activate's test.
    operations = scim_trace_operations(runs.sandbox)
    assert {operations[a.step.trace_id] for a in flow.scene.arrows} == {"idm_integration_activate"}


def test_the_provisioning_run_holds_none_of_the_connection_tests_probes(flow: FlowDiagramDock, runs: Runs) -> None:
    operations = scim_trace_operations(runs.sandbox)
    runs_steps = [s for f in flow.recorder.flows if f.title == PROVISIONING for s in f.steps]
    assert runs_steps
    assert all(operations[s.trace_id] not in CONNECTION_TEST_OPERATIONS for s in runs_steps)
    # BlogIn's copies of the worker's requests (lookups included) gave way to JumpCloud's own records.
    assert all(operations[s.trace_id] is not None for s in runs_steps)
    sent = [
        t
        for t in runs.sandbox.jumpcloud.recent_traces("scim")
        if t.data.get("operation") not in CONNECTION_TEST_OPERATIONS
    ]
    assert len(runs_steps) == 2 * len(sent)


def test_fed_live_one_by_one_the_chooser_ends_with_the_same_flows(qtbot: QtBot, runs: Runs) -> None:
    dock = FlowDiagramDock()
    qtbot.addWidget(dock)
    captions_seen: set[str] = set()
    for event in events_of(runs.sandbox):
        dock.add_events([event])
        captions_seen.add(dock.chooser.currentText())
    # BlogIn's records of the test were shown as a provisioning run until JumpCloud's arrived and moved them.
    titles = [f.title for f in dock.recorder.flows]
    assert [dock.chooser.itemText(i) for i in range(dock.chooser.count())] == [f.caption() for f in dock.recorder.flows]
    assert titles.count(CONNECTION_TEST) == 1
    assert any(caption.startswith("Connection test (Activate)") for caption in captions_seen)
    assert dock.chooser.currentIndex() == dock.chooser.count() - 1
    assert dock.scene.flow is dock.recorder.current
    # Updated arrow by arrow as it grew, the diagram is the one drawn from scratch.
    fresh = FlowScene()
    fresh.draw(dock.recorder.current)
    assert drawn_at(dock.scene) == drawn_at(fresh)
    assert dock.scene.sceneRect() == fresh.sceneRect()


def test_the_traffic_panel_says_which_exchanges_are_activates_connection_test(traffic: ScimTrafficDock) -> None:
    probe = next(
        row
        for row in range(traffic.model.rowCount())
        if (trace := traffic.model.trace_at(row)) is not None
        and trace.data.get("operation") in CONNECTION_TEST_OPERATIONS
        and trace.data.get("method") == "POST"
    )
    traffic.table.selectRow(probe)
    assert "idm_integration_activate (Activate's connection test" in traffic.title.text()
    worker = next(
        row
        for row in range(traffic.model.rowCount())
        if (trace := traffic.model.trace_at(row)) is not None and trace.data.get("operation") == "user_create_provision"
    )
    traffic.table.selectRow(worker)
    assert "user_create_provision" in traffic.title.text() and "connection test" not in traffic.title.text()


def test_a_lookups_filter_reads_as_written_not_url_encoded(traffic: ScimTrafficDock) -> None:
    paths = [r[3] for r in traffic_rows(traffic) if r[1:3] == ["BlogIn (received)", "GET"]]
    assert any(p.startswith('/Users?filter=userName eq "jumpcloud-scim-test-') for p in paths), paths
    assert not any("%22" in p or "+eq+" in p for p in paths)


def test_a_refused_connection_test_is_its_own_flow_with_its_refusal(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox, Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as guide:
        guide.sign_in_admins()
        application_id = guide.create_blogin_application()
        base_url, _token = guide.enable_blogin_provisioning()
        refused = guide.jumpcloud_admin.post(
            f"{sandbox.jumpcloud.base_url}/applications/{application_id}/identity-management/activate",
            data={"base_url": base_url, "token_key": "not-the-secret-bearer-token"},
        )
        assert refused.status_code == 400 and "Activation failed" in refused.text
        events = events_of(sandbox)
    dock = FlowDiagramDock()
    qtbot.addWidget(dock)
    dock.add_events(events)
    assert [f.title for f in dock.recorder.flows] == [CONNECTION_TEST]
    assert arrows(dock) == [(JUMPCLOUD, BLOGIN, "GET /Users", None), (BLOGIN, JUMPCLOUD, arrows(dock)[1][2], False)]
    assert arrows(dock)[1][2].startswith("401 · ")
