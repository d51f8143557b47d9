"""Hold the Response before posting it: the hand-off page counts down, and an assertion can expire on the way.

Set on the SSO tab's edge cases like the others; BlogIn, with its allowed clock skew set to 0 on its
Single Sign-On tab, refuses a Response posted after its NotOnOrAfter and names the validity window check.
"""

from __future__ import annotations

import base64
import html
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.models import DirectoryInsightsEvent, SsoApplication, Trace
from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal
from sandbox.scenarios.sandbox_io import apply_scenario, capture_scenario
from sandbox.settings import Settings
from tests.integration.jumpcloud_idp.html_forms import Form, form_with
from tests.integration.jumpcloud_idp.independent_sp import form_of

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
END_USER = DirectoryUser("grace", "grace@example.org", "Grace", "Hopper")


@dataclass
class Held:
    sandbox: Sandbox
    rehearsal: Rehearsal

    @property
    def sso_tab(self) -> str:
        return f"{self.sandbox.jumpcloud.base_url}/applications/{self.rehearsal.application_id}/sso"

    def edge_case_form(self) -> Form:
        page = self.rehearsal.jumpcloud_admin.get(self.sso_tab)
        assert page.status_code == 200
        return form_with(page.text, "edge_hold_response")

    def save(self, form: Form) -> httpx.Response:
        return self.rehearsal.jumpcloud_admin.post(self.sso_tab, data=form.data())

    def set_edge_cases(self, *, validity: int | None, hold: int | None) -> None:
        """Tick (or untick) Short validity and Hold the Response on the SSO tab, and save."""
        form = self.edge_case_form()
        form.tick("edge_short_validity_on", validity is not None)
        form.set("edge_short_validity", str(validity or 1))
        form.tick("edge_hold_response_on", hold is not None)
        form.set("edge_hold_response", str(hold or 10))
        assert self.save(form).status_code == 302

    def hand_off_page(self, browser: httpx.Client) -> httpx.Response:
        """The End User signs in to the User Console and opens the BlogIn tile: JumpCloud's hand-off page."""
        base = self.sandbox.jumpcloud.base_url
        signed_in = browser.post(
            f"{base}/userconsole/login", data={"login": END_USER.username, "password": USER_PASSWORD}
        )
        assert signed_in.status_code == 302
        response = browser.get(f"{base}/saml2/{self.application_name}")
        while response.status_code in (302, 303):
            response = browser.get(response.url.join(response.headers["location"]))
        assert response.status_code == 200, response.text
        return response

    @property
    def application_name(self) -> str:
        with self.sandbox.jumpcloud.database.sessions() as session:
            return str(session.get_one(SsoApplication, self.rehearsal.application_id).name)


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Held]:
    """SSO configured both ways, Grace authorized, BlogIn allowing no clock skew (its Single Sign-On tab)."""
    data_dir: Path = tmp_path_factory.mktemp("hold") / "data"
    settings = Settings(data_dir=data_dir, jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox, Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        user_id = rehearsal.create_user(END_USER)
        rehearsal.authorize_groups([rehearsal.create_group("Engineers", [user_id])])
        settings_page = rehearsal.blogin_admin.get(f"{sandbox.blogin.base_url}/settings/sso")
        form = form_with(settings_page.text, "allowed_skew_s")
        form.set("allowed_skew_s", "0")
        saved = rehearsal.blogin_admin.post(f"{sandbox.blogin.base_url}/settings/sso", data=form.data())
        assert saved.status_code == 302, saved.text
        yield Held(sandbox, rehearsal)


def _not_on_or_after(fields: dict[str, str]) -> datetime:
    root = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
    conditions = root.find(f".//{{{SAML}}}Conditions")
    assert conditions is not None
    return datetime.strptime(conditions.get("NotOnOrAfter", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _latest_response_trace(held: Held) -> tuple[str, dict[str, Any]]:
    """The summary and data of the newest Response trace JumpCloud recorded."""
    with held.sandbox.jumpcloud.database.sessions() as session:
        traces = session.query(Trace).filter_by(kind="saml").order_by(Trace.seq).all()
        newest = [trace for trace in traces if trace.data["message_type"] == "Response"][-1]
        return str(newest.summary), dict(newest.data)


def test_the_sso_tab_holds_the_response_and_the_portal_says_it_is_on(held: Held) -> None:
    held.set_edge_cases(validity=None, hold=45)
    form = held.edge_case_form()
    assert form.values("edge_hold_response_on") == ["on"] and form.values("edge_hold_response") == ["45"]
    page = held.rehearsal.jumpcloud_admin.get(held.sso_tab).text
    assert "Hold the Response before posting it" in page and "⚠ On" in page
    # Saved as the other edge cases are: an application_update event names the change.
    with held.sandbox.jumpcloud.database.sessions() as session:
        update = (
            session.query(DirectoryInsightsEvent)
            .filter_by(event_type="application_update")
            .order_by(DirectoryInsightsEvent.seq.desc())
            .first()
        )
        assert update is not None
        change = next(c for c in update.record["changes"] if c["field"] == "edgeCases")
        assert change["to"]["holdResponseSeconds"] == 45 and not change["from"].get("holdResponseSeconds")
    application = held.sandbox.jumpcloud.integration_state().application("blogin")
    assert application is not None and application.edge_cases["holdResponseSeconds"] == 45

    # A hold the tab cannot give is refused, and the hold saved before stays.
    for typed in ("0", "901", "soon"):
        form = held.edge_case_form()
        form.set("edge_hold_response", typed)
        refused = held.save(form)
        assert refused.status_code == 400 and "Hold the Response for 1 to 900 seconds." in refused.text
    assert held.edge_case_form().values("edge_hold_response") == ["45"]

    # Unticked: the hand-off page posts at once again, with no countdown.
    held.set_edge_cases(validity=None, hold=None)
    with http_client(follow_redirects=False) as browser:
        page_ = held.hand_off_page(browser)
        assert "document.forms['saml-post'].submit()" in page_.text
        assert "Post now" not in page_.text and "data-hold-seconds" not in page_.text
        action, fields = form_of(page_.text)
        assert browser.post(action, data=fields).status_code in (302, 303)  # BlogIn signs Grace in


def test_a_held_response_counts_down_and_expires_on_its_way_to_blogin(held: Held) -> None:
    held.set_edge_cases(validity=2, hold=6)

    # Post now, at once: well inside the validity, BlogIn signs Grace in.
    with http_client(follow_redirects=False) as browser:
        page = held.hand_off_page(browser)
        assert 'data-hold-seconds="6"' in page.text
        assert re.search(r'<button[^>]*type="submit"[^>]*id="post-now"[^>]*>Post now</button>', page.text)
        assert "onload=" not in page.text  # nothing posts it before the countdown ends
        assert "Edge case: Hold the Response before posting it" in page.text and "NotOnOrAfter" in page.text
        action, fields = form_of(page.text)
        assert browser.post(action, data=fields).status_code in (302, 303)
    summary, data = _latest_response_trace(held)
    assert "held 6 s before posting" in summary and data["held_seconds"] == 6

    # Posted once the countdown has run past NotOnOrAfter (+ BlogIn's 0 s of skew): refused as expired.
    with http_client(follow_redirects=False) as browser:
        page = held.hand_off_page(browser)
        action, fields = form_of(page.text)
        expires = _not_on_or_after(fields)
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.2)
        refused = browser.post(action, data=fields)
    assert refused.status_code >= 400
    said = " ".join(re.sub(r"<[^>]+>", " ", refused.text).split())  # the page's words, as the End User reads them
    assert "Failed check: validity window" in said
    assert "The assertion expired at" in said and "allowed skew 0 s" in said

    held.set_edge_cases(validity=None, hold=None)


def test_a_saved_scenario_keeps_the_hold(held: Held) -> None:
    """File › Save scenario… keeps the hold with the other edge cases; opening it brings the hold back."""
    held.set_edge_cases(validity=None, hold=30)
    scenario = capture_scenario(held.sandbox, title="Held Response")
    held.set_edge_cases(validity=None, hold=None)
    apply_scenario(held.sandbox, scenario)
    application = held.sandbox.jumpcloud.integration_state().application("blogin")
    assert application is not None and application.edge_cases["holdResponseSeconds"] == 30
    with http_client(follow_redirects=False) as browser:
        assert 'data-hold-seconds="30"' in held.hand_off_page(browser).text
    held.set_edge_cases(validity=None, hold=None)


HELD_LAYOUT = """(() => {
  const card = document.querySelector('.login-card').getBoundingClientRect();
  const badge = document.querySelector('.hold-badge').getBoundingClientRect();
  return {page: document.documentElement.scrollWidth, view: innerWidth, badge_left: badge.left,
          badge_right: badge.right, card_left: card.left, card_right: card.right};
})()"""


def test_the_hold_badge_wraps_inside_the_card_in_a_narrow_pane(held: Held) -> None:
    # The badge's one line ran past the card at 360 px and scrolled the page sideways.
    from tests.integration.blogin_sso.layout_probe import measure

    held.set_edge_cases(validity=None, hold=120)
    base = held.sandbox.jumpcloud.base_url
    hand_off = f"{base}/saml2/{held.application_name}"
    sign_in = {"url": f"{base}/userconsole/login", "fill": {"login": END_USER.username, "password": USER_PASSWORD}}
    try:
        measured = measure(sign_in, [{"url": hand_off, "width": width, "script": HELD_LAYOUT} for width in (360, 470)])
    finally:
        held.set_edge_cases(validity=None, hold=None)
    for layout in measured:
        assert layout["page"] <= layout["view"], layout
        assert layout["card_left"] <= layout["badge_left"] and layout["badge_right"] <= layout["card_right"], layout


def test_the_response_trace_names_the_edge_cases_that_bent_it(held: Held) -> None:
    # The SAML tracer's row for the Response said only "Response for grace to BlogIn" with Wrong audience on,
    # next to BlogIn's refusal; only the hold was named.
    jumpcloud = held.sandbox.jumpcloud
    application_id = held.rehearsal.application_id
    assert application_id is not None
    try:
        jumpcloud.set_edge_cases(application_id, {"wrongAudience": True, "noSignature": True})
        with http_client(follow_redirects=False) as browser:
            held.hand_off_page(browser)
        assert _latest_response_trace(held)[0] == "Response for grace to BlogIn (edge cases: wrong audience, unsigned)"

        jumpcloud.set_edge_cases(
            application_id, {**EDGE_CASES_OFF, "shortValiditySeconds": 5, "holdResponseSeconds": 30}
        )
        with http_client(follow_redirects=False) as browser:
            held.hand_off_page(browser)
        assert _latest_response_trace(held)[0] == (
            "Response for grace to BlogIn (edge case: short validity 5 s), held 30 s before posting (edge case)"
        )

        jumpcloud.set_edge_cases(application_id, EDGE_CASES_OFF)
        with http_client(follow_redirects=False) as browser:
            held.hand_off_page(browser)
        assert _latest_response_trace(held)[0] == "Response for grace to BlogIn"
    finally:
        jumpcloud.set_edge_cases(application_id, EDGE_CASES_OFF)


def test_the_sso_tab_says_why_a_short_validity_alone_is_still_accepted(held: Held) -> None:
    # Short validity 1 s, signed in at once: BlogIn (60 s of allowed skew by default) accepted it and the SSO tab
    # never said why; the desktop's Edge cases panel did.
    page = html.unescape(held.rehearsal.jumpcloud_admin.get(held.sso_tab).text)
    assert (
        "The service provider allows some clock skew (BlogIn: 60 s unless changed), so a short validity alone is "
        "still accepted when the Response is posted at once: hold the Response for longer than the validity plus "
        "that skew to see the assertion expire on its way"
    ) in page
