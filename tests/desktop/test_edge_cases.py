"""The Edge cases dock: its toggles change how the two systems behave, and All off undoes them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.edge_cases import EdgeCasesDock
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
    assert dock.summary.text() == "On: Assertion: Response held 30 s"
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
