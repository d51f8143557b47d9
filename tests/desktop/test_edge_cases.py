"""The Edge cases dock: its toggles change how the two systems behave, and All off undoes them; it says
each case in its control's words, greys out what cannot act, and shows every line of its text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.edge_cases import EdgeCasesDock
from sandbox.desktop.main import close_window
from sandbox.desktop.panel_text import EXTRA_LARGE, NORMAL
from sandbox.desktop.window import MainWindow
from sandbox.events import SandboxEvent
from sandbox.http import http_client
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal

pytestmark = pytest.mark.desktop


@pytest.fixture
def rehearsal(sandbox: Sandbox) -> Iterator[Rehearsal]:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as running:
        running.sign_in_admins()
        yield running


@pytest.fixture
def dock(qtbot: QtBot, sandbox: Sandbox) -> EdgeCasesDock:
    widget = EdgeCasesDock(sandbox)
    qtbot.addWidget(widget)
    return widget


def summary_colour(dock: EdgeCasesDock) -> str:
    dock.summary.ensurePolished()
    return dock.summary.palette().color(QPalette.ColorRole.WindowText).name()


def scim_users_status(base_url: str, token: str) -> int:
    with http_client() as client:
        return client.get(f"{base_url}/Users", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_forced_scim_status_is_what_blogin_answers_until_all_off(
    dock: EdgeCasesDock, rehearsal: Rehearsal, qtbot: QtBot
) -> None:
    base_url, token = rehearsal.enable_blogin_provisioning()
    assert scim_users_status(base_url, token) == 200
    assert dock.summary.text() == "Everything behaves normally."

    _latency, status, _nth, _retry = dock.fault_rows["Users"]
    status.setCurrentIndex(status.findData(503))
    with qtbot.waitSignal(dock.active_changed) as announced:
        status.activated.emit(status.currentIndex())
    assert announced.args == [["SCIM Users: 503"]]
    assert scim_users_status(base_url, token) == 503
    assert dock.summary.text() == "On: SCIM Users: 503"

    dock.set_fault("Users", status=429, retry_after_s=7, only_nth=2)
    assert scim_users_status(base_url, token) == 200
    with http_client() as client:
        second = client.get(f"{base_url}/Users", headers={"Authorization": f"Bearer {token}"})
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "7"

    dock.all_off_button.click()
    assert scim_users_status(base_url, token) == 200
    assert dock.summary.text() == "Everything behaves normally."
    assert not dock.all_off_button.isEnabled()


def test_assertion_toggles_make_blogin_refuse_the_sign_in(
    dock: EdgeCasesDock, rehearsal: Rehearsal, sandbox: Sandbox
) -> None:
    assert not dock.wrong_audience.isEnabled()
    assert "Not yet configured" in dock.application_label.text()

    rehearsal.create_blogin_application()
    rehearsal.configure_sso()
    user_id = rehearsal.create_user(DirectoryUser("grace", "grace@example.org", "Grace", "Hopper"))
    rehearsal.authorize_groups([rehearsal.create_group("Engineers", [user_id])])
    dock.refresh()
    assert dock.wrong_audience.isEnabled()

    assert summary_colour(dock) == "#2f855a"  # green: all normal
    dock.wrong_audience.setChecked(True)
    assert dock.summary.text() == "On: Assertion: wrong audience"
    assert summary_colour(dock) == "#b54708"  # amber while something is on
    refused = rehearsal.idp_initiated_sign_in("grace")
    assert refused.status_code != 303
    assert "audience" in refused.text.lower()

    dock.wrong_audience.setChecked(False)
    dock.skew_slider.setValue(-20)
    dock.skew_slider.sliderReleased.emit()
    assert "clock skew -20 min" in dock.summary.text()
    assert rehearsal.idp_initiated_sign_in("grace").status_code != 303

    dock.all_off()
    assert dock.skew_slider.value() == 0
    assert dock.summary.text() == "Everything behaves normally." and summary_colour(dock) == "#2f855a"
    assert rehearsal.idp_initiated_sign_in("grace").status_code == 303


def test_hold_the_response_is_set_from_the_dock_shown_on_the_hand_off_page_and_cleared_by_all_off(
    dock: EdgeCasesDock, rehearsal: Rehearsal, sandbox: Sandbox
) -> None:
    rehearsal.create_blogin_application()
    rehearsal.configure_sso()
    user_id = rehearsal.create_user(DirectoryUser("grace", "grace@example.org", "Grace", "Hopper"))
    rehearsal.authorize_groups([rehearsal.create_group("Engineers", [user_id])])
    dock.refresh()
    assert dock.hold_response.isEnabled() and dock.hold_response.text() == "off"

    dock.hold_response.setValue(30)
    dock.hold_response.editingFinished.emit()
    assert dock.summary.text() == "On: Assertion: hold the Response 30 s before posting it"
    application = sandbox.jumpcloud.integration_state().application("blogin")
    assert application is not None and application.edge_cases["holdResponseSeconds"] == 30
    with http_client(follow_redirects=False) as browser:
        base = sandbox.jumpcloud.base_url
        assert browser.post(f"{base}/userconsole/login", data={"login": "grace", "password": USER_PASSWORD}).is_redirect
        page = browser.get(f"{base}/saml2/{application.name}")
        while page.is_redirect:
            page = browser.get(page.url.join(page.headers["location"]))
    assert 'data-hold-seconds="30"' in page.text and "Post now" in page.text

    dock.all_off()
    assert dock.hold_response.value() == 0 and dock.summary.text() == "Everything behaves normally."
    application = sandbox.jumpcloud.integration_state().application("blogin")
    assert application is not None and not application.edge_cases["holdResponseSeconds"]
    # Posted at once again: BlogIn signs Grace in without a countdown.
    assert rehearsal.idp_initiated_sign_in("grace").status_code == 303


# -- without an application ----------------------------------------------------------------------


def assertion_group(dock: EdgeCasesDock) -> QGroupBox:
    return next(box for box in dock.findChildren(QGroupBox) if box.title().startswith("JumpCloud IdP assertion"))


def name_of(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, QLabel | QAbstractButton) else ""
    return text or widget.objectName() or type(widget).__name__


def enabled_in_the_group(dock: EdgeCasesDock) -> list[str]:
    """What in the assertion group (its hint saying which application, or why none, apart) can be used."""
    return [
        name_of(widget)
        for widget in assertion_group(dock).findChildren(QWidget)
        if widget is not dock.application_label and widget.isEnabled() and not widget.isHidden()
    ]


def test_without_an_application_the_whole_assertion_group_is_greyed_out_and_its_hint_says_why(
    dock: EdgeCasesDock, rehearsal: Rehearsal, sandbox: Sandbox
) -> None:
    # First start: the slider, its "Clock skew" and "0 min", the hints and every toggle alike.
    assert not dock.skew_slider.isEnabled()
    assert enabled_in_the_group(dock) == []
    assert dock.application_label.isEnabled() and dock.application_label.text().startswith("Not yet configured")

    rehearsal.create_blogin_application()
    rehearsal.configure_sso()
    dock.refresh()
    assert dock.skew_slider.isEnabled() and dock.wrong_key.isEnabled()
    assert dock.skew_value.isEnabled() and dock.application_label.text() == "Applies to BlogIn (/saml2/blogin)."
    dock.wrong_key.setChecked(True)
    dock.skew_slider.setValue(-4)
    dock.skew_slider.sliderReleased.emit()
    assert dock.summary.text() == "On: Assertion: clock skew -4 min, signed with the wrong key"

    # File › Reset sandbox…: no application any more, and nothing shown as on that is not.
    sandbox.reset()
    dock.refresh()
    assert enabled_in_the_group(dock) == [] and not dock.skew_slider.isEnabled()
    assert not dock.wrong_key.isChecked() and dock.skew_slider.value() == 0 and dock.skew_value.text() == "0 min"
    assert dock.summary.text() == "Everything behaves normally."
    assert dock.application_label.text().startswith("Not yet configured")


# -- the words of the controls, in the summary and the event log ---------------------------------


def said(control: str) -> str:
    """A control's words as a line lists them after "Assertion:": the same words, in lower case at first."""
    return control[:1].lower() + control[1:]


def newest_jumpcloud_event(sandbox: Sandbox) -> SandboxEvent:
    return sandbox.jumpcloud.event_log()[-1]


def test_each_case_is_summed_up_and_logged_in_the_words_of_its_control(
    dock: EdgeCasesDock, rehearsal: Rehearsal, sandbox: Sandbox
) -> None:
    rehearsal.create_blogin_application()
    rehearsal.configure_sso()
    dock.refresh()
    announced: list[list[str]] = []
    dock.active_changed.connect(announced.append)

    for toggle in (dock.wrong_audience, dock.unsigned, dock.wrong_key):
        toggle.setChecked(True)
        phrase = said(toggle.text())  # "signed with the wrong key", not "wrong key"
        assert dock.summary.text() == f"On: Assertion: {phrase}"
        assert announced[-1] == [f"Assertion: {phrase}"]  # the status bar's words
        event = newest_jumpcloud_event(sandbox)
        # Directory Insights says which edge case was switched, not that an admin saved the SSO tab.
        assert event.event_type == "application_update" and "SSO settings saved" not in event.summary
        assert event.summary == f"Edge cases for BlogIn: {phrase} on"
        toggle.setChecked(False)
        assert newest_jumpcloud_event(sandbox).summary == f"Edge cases for BlogIn: {phrase} off"
        assert dock.summary.text() == "Everything behaves normally."

    dock.validity_seconds.setValue(5)
    dock.short_validity.setChecked(True)
    assert dock.summary.text() == f"On: Assertion: {said(dock.short_validity.text())} 5 s"
    assert newest_jumpcloud_event(sandbox).summary == "Edge cases for BlogIn: short validity 5 s on"
    dock.missing_name.setCurrentText("title")
    dock.missing_attribute.setChecked(True)
    assert newest_jumpcloud_event(sandbox).summary == "Edge cases for BlogIn: missing attribute title on"
    dock.skew_slider.setValue(7)
    dock.skew_slider.sliderReleased.emit()
    assert f"clock skew {dock.skew_value.text()}" == "clock skew +7 min"
    assert newest_jumpcloud_event(sandbox).summary == "Edge cases for BlogIn: clock skew +7 min on"
    assert dock.summary.text() == (
        f"On: Assertion: clock skew +7 min, short validity 5 s, {said(dock.missing_attribute.text())} title"
    )
    event = newest_jumpcloud_event(sandbox)
    (record,) = sandbox.jumpcloud.event_records([event.id]).values()
    assert record["changes"] == [{"field": "edgeCases.clockSkewMinutes", "from": 0, "to": 7}]

    count = len(sandbox.jumpcloud.event_log())
    dock.all_off_button.click()
    assert len(sandbox.jumpcloud.event_log()) == count + 1  # one event for the lot
    assert newest_jumpcloud_event(sandbox).summary == "Edge cases for BlogIn: all off"
    assert dock.summary.text() == "Everything behaves normally."


def test_a_change_in_the_panel_keeps_what_the_sso_tab_set_beyond_its_controls(
    dock: EdgeCasesDock, rehearsal: Rehearsal, sandbox: Sandbox
) -> None:
    """A skew past the slider's end and a renamed attribute (set on JumpCloud's SSO tab) stay as they are
    when another case is switched in the panel, and the panel says them as they are."""
    application_id = rehearsal.create_blogin_application()
    rehearsal.configure_sso()
    sandbox.jumpcloud.set_edge_cases(
        application_id,
        {"clockSkewMinutes": 90, "attributeMode": "rename", "attributeName": "email", "attributeRenameTo": "mail"},
    )
    dock.refresh()
    assert dock.skew_value.text() == "+90 min"
    assert dock.summary.text() == "On: Assertion: clock skew +90 min, attribute email renamed to mail"

    dock.wrong_key.setChecked(True)
    application = sandbox.jumpcloud.integration_state().application("blogin")
    assert application is not None
    assert application.edge_cases["clockSkewMinutes"] == 90 and application.edge_cases["attributeMode"] == "rename"
    assert newest_jumpcloud_event(sandbox).summary == "Edge cases for BlogIn: signed with the wrong key on"

    dock.all_off()
    application = sandbox.jumpcloud.integration_state().application("blogin")
    assert application is not None and not application.edge_cases["attributeMode"]
    assert dock.summary.text() == "Everything behaves normally."


# -- every label whole, at every text size, on a projector's screen and a laptop's -----------------


def cut_labels(dock: EdgeCasesDock) -> list[str]:
    """The dock's wrapped labels shorter than their lines, or wider than the panel shows."""
    scroll = dock.widget()
    assert isinstance(scroll, QScrollArea)
    viewport = scroll.viewport()
    cut = []
    for label in dock.findChildren(QLabel):
        if not label.wordWrap() or label.isHidden():
            continue
        width = label.contentsRect().width()
        flags = int(label.alignment()) | int(Qt.TextFlag.TextWordWrap)
        needed = label.fontMetrics().boundingRect(QRect(0, 0, width, 100_000), flags, label.text()).height()
        right = label.mapTo(viewport, QPoint(label.width(), 0)).x()
        if label.contentsRect().height() < needed or right > viewport.width():
            cut.append(f"{label.text()[:40]!r}: {label.contentsRect().height()} of {needed} px, right at {right}")
    return cut


@pytest.mark.parametrize("screen", [(1280, 720), (1600, 1000)], ids=["1280x720", "1600x1000"])
def test_every_label_of_the_panel_is_whole_with_and_without_an_application_at_every_text_size(
    qtbot: QtBot, fresh: Sandbox, screen: tuple[int, int]
) -> None:
    fresh.reset()  # first start: no application
    window = MainWindow(fresh)
    window.resize(*screen)
    window.show()
    qtbot.waitExposed(window)
    dock = window.panels.edge_cases
    dock.raise_()
    sizes = window.view_controls.text_size_actions

    def whole() -> None:
        assert cut_labels(dock) == []

    try:
        with Rehearsal(fresh.jumpcloud.base_url, fresh.blogin.base_url) as rehearsal:
            rehearsal.sign_in_admins()
            rehearsal.create_blogin_application()
            rehearsal.configure_sso()
        dock.refresh()
        for size in (NORMAL, EXTRA_LARGE):
            sizes[size.key].trigger()
            # Cases on: the summary takes a second line.
            dock.set_cases({"foreignKey": True, "clockSkewMinutes": -5, "holdResponseSeconds": 30})
            qtbot.waitUntil(whole)
            dock.all_off()

        # File › Reset sandbox…: "Not yet configured: …", longer than the line it replaces.
        fresh.reset()
        window.start_afresh()
        assert dock.application_label.text().startswith("Not yet configured")
        for size in (EXTRA_LARGE, NORMAL):
            sizes[size.key].trigger()
            qtbot.waitUntil(whole)
    finally:
        sizes[NORMAL.key].trigger()
        close_window(window)
        fresh.reset()
