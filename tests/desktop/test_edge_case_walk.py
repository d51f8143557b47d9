"""Each assertion toggle of the Edge cases panel walked as a tester walks it, in the real window.

The toggle is clicked in the dock; the End User then signs in for real in their browser, from the
User Console tile (IdP-initiated) and from BlogIn's "Log in with SSO" (SP-initiated). What the tester
must see: BlogIn's page naming the failed check, the SAML tracer naming the same check with the
offending value brought forward and what to fix, the event log's failed event saying why in words and
opening that very message, and the next sign-in going through once the toggle is off again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QScrollArea

from sandbox.app import Sandbox
from sandbox.desktop.edge_cases import EdgeCasesDock
from sandbox.desktop.theme import FAILING_RED
from sandbox.desktop.tracer.detail import MessageDetail
from sandbox.desktop.tracer.message import TracedMessage
from sandbox.desktop.tracer.timeline import gap_text
from sandbox.desktop.window import MainWindow
from sandbox.events import SandboxEvent
from sandbox.events.traces import SAML
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal
from tests.desktop.clicking import click, follow, go_to, type_into, wait_for_page
from tests.desktop.conftest import wait_for
from tests.integration.jumpcloud_idp.html_forms import form_with

pytestmark = pytest.mark.desktop

END_USER = DirectoryUser("jane.doe", "jane.doe@acme.example", "Jane", "Doe", "Staff Writer")


@dataclass
class Walk:
    window: MainWindow
    sandbox: Sandbox
    dock: EdgeCasesDock


@pytest.fixture(scope="module")
def walk(window: MainWindow, module_sandbox: Sandbox) -> Iterator[Walk]:
    """SSO configured both ways, Jane bound to BlogIn through a group and signed in to the User Console."""
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        user_id = rehearsal.create_user(END_USER)
        rehearsal.authorize_groups([rehearsal.create_group("Bloggers", [user_id])])
    dock = window.panels.edge_cases
    wait_for(lambda: dock.wrong_audience.isEnabled(), 10_000)  # the application's event reached the dock
    end_user = window.browsers["end-user"]
    go_to(end_user, f"{module_sandbox.jumpcloud.base_url}/userconsole")
    type_into(end_user, "input[name=login]", END_USER.username)
    type_into(end_user, "input[name=password]", USER_PASSWORD)
    click(end_user, "button", "User Login")
    wait_for_page(end_user, "Applications", "BlogIn", host=module_sandbox.jumpcloud.host, path="/userconsole")
    yield Walk(window, module_sandbox, dock)
    dock.all_off()


def press(button: QAbstractButton) -> None:
    """A mouse click on a checkbox of the dock, on its box, as the tester gives it."""
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def set_skew(dock: EdgeCasesDock, minutes: int) -> None:
    """Drag the clock skew slider to ``minutes`` and let go."""
    dock.skew_slider.setValue(minutes)
    dock.skew_slider.sliderReleased.emit()


@dataclass(frozen=True)
class Toggle:
    label: str
    check: str  # the check BlogIn names on its page and in the tracer
    on: Callable[[EdgeCasesDock], None]
    off: Callable[[EdgeCasesDock], None]
    #: what the tracer must bring forward for this failure (the offending value)
    shows_offending: Callable[[MessageDetail, TracedMessage, str], None]


def audience_offending(detail: MessageDetail, message: TracedMessage, _page: str) -> None:
    audience = detail.values["audience"]
    assert audience.text().endswith("/wrong-audience")
    assert FAILING_RED in audience.styleSheet() and FAILING_RED in detail.field_labels["audience"].styleSheet()
    assert "audience check failed" in audience.toolTip()
    assert not audience.visibleRegion().isEmpty(), "the refused Audience is scrolled out of sight"


def unsigned_offending(detail: MessageDetail, message: TracedMessage, _page: str) -> None:
    assert not message.signatures
    assert "not signed" in detail.signatures.text()
    assert detail.signature_heading.text() == "Signature ✘"
    assert "Sign Assertion" in detail.fix.text()


def wrong_key_offending(detail: MessageDetail, message: TracedMessage, page: str) -> None:
    expected = message.expected_certificate_sha256
    assert expected and expected in page  # BlogIn's page names the certificate it trusts …
    signatures = detail.signatures.text()
    assert "does NOT match the certificate configured at BlogIn" in signatures
    assert f'BlogIn expects: <tt style="color:{FAILING_RED}">{expected}</tt>' in signatures  # … so does the tracer
    signer = message.signatures[0].certificate_sha256
    assert signer and signer != expected and signer in page


def validity_offending(minutes_late_at_least: int) -> Callable[[MessageDetail, TracedMessage, str], None]:
    def shows(detail: MessageDetail, message: TracedMessage, _page: str) -> None:
        window = message.window
        assert detail.validity.text().startswith("Expired: NotOnOrAfter passed")
        assert detail.timeline.window_ is window and window.valid is False
        gap = gap_text(window)
        assert gap is not None and gap.endswith("after NotOnOrAfter"), gap
        assert window.clock is not None and window.not_on_or_after is not None
        assert (window.clock - window.not_on_or_after).total_seconds() >= minutes_late_at_least * 60
        assert not detail.validity.visibleRegion().isEmpty(), "the validity verdict is scrolled out of sight"

    return shows


def short_validity_on(dock: EdgeCasesDock) -> None:
    dock.validity_seconds.setValue(5)
    press(dock.short_validity)
    set_skew(dock, -2)  # alone, 5 s fall well within BlogIn's 60 s of allowed skew (the dock says so)


def short_validity_off(dock: EdgeCasesDock) -> None:
    press(dock.short_validity)
    set_skew(dock, 0)


TOGGLES = [
    Toggle(
        "Wrong audience",
        "audience",
        lambda dock: press(dock.wrong_audience),
        lambda dock: press(dock.wrong_audience),
        audience_offending,
    ),
    Toggle(
        "Unsigned",
        "signature",
        lambda dock: press(dock.unsigned),
        lambda dock: press(dock.unsigned),
        unsigned_offending,
    ),
    Toggle(
        "Signed with the wrong key",
        "signing certificate",
        lambda dock: press(dock.wrong_key),
        lambda dock: press(dock.wrong_key),
        wrong_key_offending,
    ),
    Toggle(
        "Clock skew",
        "validity window",
        lambda dock: set_skew(dock, -20),
        lambda dock: set_skew(dock, 0),
        validity_offending(14),
    ),
    Toggle("Short validity", "validity window", short_validity_on, short_validity_off, validity_offending(1)),
]


def newest_response_at_blogin(walk: Walk, known: set[str]) -> SandboxEvent:
    """BlogIn's capture of the Response it has just received (one the tracer did not hold before)."""
    model = walk.window.traffic_panels.saml_model

    def arrived() -> list[SandboxEvent]:
        return [
            trace
            for trace in model.traces()
            if trace.id not in known
            and trace.system == "blogin"
            and trace.data.get("direction") == "received"
            and trace.data.get("message_type") == "Response"
        ]

    wait_for(lambda: bool(arrived()), 10_000)
    return arrived()[-1]


def received_ids(walk: Walk) -> set[str]:
    return {trace.id for trace in walk.window.traffic_panels.saml_model.traces()}


def cell(detail: MessageDetail, row: int, column: int) -> str:
    item = detail.checks.item(row, column)
    return item.text() if item is not None else ""


def check_the_panels(walk: Walk, toggle: Toggle, page: str, known: set[str]) -> None:
    """The tracer and the event log say what BlogIn's page said, and link to each other."""
    window = walk.window
    panels = window.traffic_panels
    trace = newest_response_at_blogin(walk, known)
    assert trace.data.get("verdict") == "rejected"

    # The tracer, opened on the message: the verdict, the same reason, the failed check and what to fix.
    assert panels.open_message(SAML, trace.id)
    tracer = panels.tracer
    detail = tracer.detail
    message = tracer.current
    assert message is not None and message.trace.id == trace.id
    assert detail.badge.text() == "Rejected"
    assert message.reason and message.reason in page  # the End User read the very same reason
    assert detail.reason.isVisible() and detail.reason.text() == f"BlogIn rejected it: {message.reason}"
    assert detail.fix.isVisible()
    assert f"Failed check: <b>{toggle.check}</b>" in detail.fix.text() and "What to fix:" in detail.fix.text()
    assert f"“{toggle.label}”" in detail.fix.text()  # names the toggle behind it
    checks = [[cell(detail, row, column) for column in range(3)] for row in range(detail.checks.rowCount())]
    assert [name for name, result, _detail in checks if result == "✘ failed"] == [toggle.check]
    toggle.shows_offending(detail, message, page)
    copied = detail.reason_text()
    assert copied.startswith(f"BlogIn rejected it: {message.reason}\nFailed check: {toggle.check}\nWhat to fix: ")

    # JumpCloud's Response as sent still tells why BlogIn refused it on arrival.
    sent = panels.saml_model.counterpart(trace)
    assert sent is not None and sent.data.get("direction") == "sent"
    assert panels.open_message(SAML, sent.id)
    assert detail.badge.text() == "Sent"
    assert detail.reason.text() == f"BlogIn rejected it on arrival: {message.reason}"
    assert f"Failed check: <b>{toggle.check}</b>" in detail.fix.text()

    # The flow diagram's refusal arrow names the failed check before its (long) reason.
    scene = panels.flow.scene
    wait_for(lambda: bool(scene.arrows) and scene.arrows[-1].step.label == "Sign-in refused", 10_000)
    assert scene.arrows[-1].step.note == f"Failed check: {toggle.check}. {message.reason}"

    # "Rejected only" keeps it, and hides the accepted ones.
    tracer.show_filter.setCurrentIndex(tracer.show_filter.findData("rejected"))
    shown = [tracer.model.trace_at(r) for r in range(tracer.model.rowCount())]
    assert trace in shown and all(t is not None and t.data.get("verdict") == "rejected" for t in shown)
    tracer.show_filter.setCurrentIndex(0)

    # The event log: BlogIn's failed event, its reason in words, and the message it is about.
    log = window.event_log
    model = window.event_model

    def failed_event() -> SandboxEvent | None:
        events = [
            model.event_at(row)
            for row in range(model.rowCount())
            if (event := model.event_at(row)) is not None
            and event.event_type == "sso_login_failed"
            and event.timestamp >= trace.timestamp
        ]
        return events[-1] if events else None

    wait_for(lambda: failed_event() is not None, 10_000)
    event = failed_event()
    assert event is not None and not event.success and toggle.check in event.summary
    log.failures_filter.setChecked(True)  # "Failures only": the refused sign-ins, nothing else
    shown = [model.event_at(row) for row in range(model.rowCount())]
    assert event in shown and all(e is not None and not e.success for e in shown)
    assert model.rowCount() < model.total_count()
    log.failures_filter.setChecked(False)
    row = model.row_of_event(event.id)
    assert row is not None
    log.show()
    log.raise_()
    log.table.selectRow(row)
    assert log.reason.isVisible() and message.reason in log.reason.text()
    extras = panels.extras
    assert extras is not None and extras.related_button.isEnabled()
    other = next(t for t in panels.saml_model.traces() if t.id != trace.id)
    assert panels.open_message(SAML, other.id) and tracer.current is not None  # looking elsewhere first
    assert tracer.current.trace.id == other.id
    extras.related_button.click()
    assert tracer.current is not None and tracer.current.trace.id == trace.id


@pytest.mark.parametrize("toggle", TOGGLES, ids=lambda toggle: toggle.label)
def test_each_assertion_toggle_fails_both_sign_ins_and_every_panel_says_why(walk: Walk, toggle: Toggle) -> None:
    sandbox, dock = walk.sandbox, walk.dock
    end_user = walk.window.browsers["end-user"]
    blogin, jumpcloud = sandbox.blogin.host, sandbox.jumpcloud.host
    try:
        dock.raise_()
        toggle.on(dock)
        assert dock.summary.text().startswith("On: Assertion: ")
        assert walk.window.panels.indicator.isVisibleTo(walk.window)

        # IdP-initiated: the User Console tile; BlogIn refuses and says which check failed.
        known = received_ids(walk)
        go_to(end_user, f"{sandbox.jumpcloud.base_url}/userconsole")
        follow(end_user, "a.tile", "BlogIn", contains=True)
        page = wait_for_page(end_user, "Single sign-on failed", f"Failed check: {toggle.check}", host=blogin)
        check_the_panels(walk, toggle, page, known)

        # SP-initiated: BlogIn's login page › Log in with SSO › JumpCloud (already signed in) › refused again.
        known = received_ids(walk)
        go_to(end_user, f"{sandbox.blogin.base_url}/login")
        follow(end_user, "a", "Log in with SSO")
        page = wait_for_page(end_user, "Single sign-on failed", f"Failed check: {toggle.check}", host=blogin)
        checks = newest_response_at_blogin(walk, known).data.get("checks") or []
        assert any(check.get("name") == toggle.check and not check.get("ok") for check in checks)

        # Switched off: the next sign-in goes through.
        dock.raise_()
        toggle.off(dock)
        assert dock.summary.text() == "Everything behaves normally."
        assert not walk.window.panels.indicator.isVisibleTo(walk.window)
        known = received_ids(walk)
        go_to(end_user, f"{sandbox.jumpcloud.base_url}/userconsole")
        wait_for_page(end_user, "Applications", host=jumpcloud, path="/userconsole")
        follow(end_user, "a.tile", "BlogIn", contains=True)
        wait_for_page(end_user, "Latest posts", "Signed in as", "Jane Doe", host=blogin, path="/")
        assert newest_response_at_blogin(walk, known).data.get("verdict") == "accepted"
        click(end_user, "button.link", "Log out")
        wait_for_page(end_user, "Log in to Acme", host=blogin, path="/login")
    finally:
        dock.all_off()  # a failure here must not leave its toggle on for the next walk


def test_the_edge_cases_panel_fits_its_dock(walk: Walk) -> None:
    """At the dock's narrowest, nothing hides behind a horizontal scroll bar (All off included)."""
    dock = walk.dock
    scroll = dock.widget()
    assert isinstance(scroll, QScrollArea)
    inner = scroll.widget()
    assert inner is not None
    assert inner.minimumSizeHint().width() <= dock.minimumWidth() - 20


def test_a_dropped_email_attribute_still_signs_in_as_the_panel_says(walk: Walk) -> None:
    """Missing attribute › email: BlogIn takes the email from the NameID; the tracer shows it was not sent."""
    sandbox, dock = walk.sandbox, walk.dock
    end_user = walk.window.browsers["end-user"]
    try:
        dock.raise_()
        dock.missing_name.setCurrentText("email")
        press(dock.missing_attribute)
        assert dock.summary.text() == "On: Assertion: missing attribute email"
        hints = [label.text() for label in dock.findChildren(QLabel, "edgeHint")]
        assert any("Dropping email alone still signs in" in hint for hint in hints)

        known = received_ids(walk)
        go_to(end_user, f"{sandbox.jumpcloud.base_url}/userconsole")
        follow(end_user, "a.tile", "BlogIn", contains=True)
        wait_for_page(end_user, "Latest posts", "Signed in as", "Jane Doe", host=sandbox.blogin.host, path="/")
        trace = newest_response_at_blogin(walk, known)
        panels = walk.window.traffic_panels
        assert panels.open_message(SAML, trace.id)
        detail = panels.tracer.detail
        assert detail.badge.text() == "Accepted" and not detail.fix.isVisible() and not detail.reason.isVisible()
        sent = {item.text() for row in range(detail.attributes.rowCount()) if (item := detail.attributes.item(row, 0))}
        assert "email" not in sent and {"firstname", "lastname"} <= sent
        assert detail.values["name_id"].text() == END_USER.email

        press(dock.missing_attribute)
        assert dock.summary.text() == "Everything behaves normally."
        click(end_user, "button.link", "Log out")
        wait_for_page(end_user, "Log in to Acme", host=sandbox.blogin.host, path="/login")
    finally:
        dock.all_off()


def set_blogin_allowed_skew(walk: Walk, seconds: int) -> None:
    """BlogIn's administrator changes the allowed clock skew on the Single Sign-On tab and saves."""
    base_url = walk.sandbox.blogin.base_url
    with Rehearsal(walk.sandbox.jumpcloud.base_url, base_url) as rehearsal:
        rehearsal.sign_in_admins()
        form = form_with(rehearsal.blogin_admin.get(f"{base_url}/settings/sso").text, "allowed_skew_s")
        form.set("allowed_skew_s", str(seconds))
        saved = rehearsal.blogin_admin.post(f"{base_url}/settings/sso", data=form.data())
        assert saved.status_code == 302, saved.text


#: the short validity and the hold of the held Response's walk: the hold outlasts the validity
HELD_VALIDITY_S = 6
HOLD_S = 8


def test_a_held_response_expires_on_its_way_and_post_now_beats_the_clock(walk: Walk) -> None:
    """Short validity with Hold the Response: the assertion expires for real while the hand-off page counts down."""
    sandbox, dock = walk.sandbox, walk.dock
    end_user = walk.window.browsers["end-user"]
    jumpcloud, blogin = sandbox.jumpcloud.host, sandbox.blogin.host
    set_blogin_allowed_skew(walk, 0)
    try:
        dock.raise_()
        hints = [label.text() for label in dock.findChildren(QLabel, "edgeHint")]
        assert any("hold the Response for longer than the validity" in hint for hint in hints)
        # Post now must reach BlogIn within the validity: the hand-off page loading, the click and
        # BlogIn's checks, which on a busy machine (CI at load 8 to 11) took more than 2 s.
        dock.validity_seconds.setValue(HELD_VALIDITY_S)
        press(dock.short_validity)
        dock.hold_response.setValue(HOLD_S)
        dock.hold_response.editingFinished.emit()
        assert dock.summary.text() == (
            f"On: Assertion: short validity {HELD_VALIDITY_S} s, hold the Response {HOLD_S} s before posting it"
        )

        # Post now, while the assertion is still valid: BlogIn signs Jane in.
        known = received_ids(walk)
        go_to(end_user, f"{sandbox.jumpcloud.base_url}/userconsole")
        follow(end_user, "a.tile", "BlogIn", contains=True)
        wait_for_page(end_user, "Hold the Response before posting it", "Posting in", "valid for", host=jumpcloud)
        click(end_user, "button", "Post now")
        wait_for_page(end_user, "Latest posts", "Signed in as", "Jane Doe", host=blogin, path="/")
        assert newest_response_at_blogin(walk, known).data.get("verdict") == "accepted"
        click(end_user, "button.link", "Log out")
        wait_for_page(end_user, "Log in to Acme", host=blogin, path="/login")

        # Left to count down: the page posts by itself after NotOnOrAfter, and BlogIn refuses it as expired.
        known = received_ids(walk)
        go_to(end_user, f"{sandbox.jumpcloud.base_url}/userconsole")
        follow(end_user, "a.tile", "BlogIn", contains=True)
        wait_for_page(end_user, "Posting in", host=jumpcloud)
        page = wait_for_page(end_user, "Single sign-on failed", "Failed check: validity window", host=blogin)
        assert "The assertion expired at" in page and "allowed skew 0 s" in page
        # The tracer points at Short validity, and its timeline shows the assertion arriving after NotOnOrAfter.
        short = next(toggle for toggle in TOGGLES if toggle.label == "Short validity")
        check_the_panels(walk, replace(short, shows_offending=validity_offending(0)), page, known)
        sent = walk.window.traffic_panels.saml_model.counterpart(newest_response_at_blogin(walk, known))
        assert sent is not None and f"held {HOLD_S} s before posting" in sent.summary

        dock.raise_()
        dock.all_off()
        assert dock.hold_response.value() == 0 and dock.hold_response.text() == "off"
        assert dock.summary.text() == "Everything behaves normally."
    finally:
        dock.all_off()
        set_blogin_allowed_skew(walk, 60)
