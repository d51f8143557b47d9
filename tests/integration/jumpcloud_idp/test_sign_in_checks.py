"""What JumpCloud checks and records each time it issues a Response, over HTTP with a signed-in user."""

from __future__ import annotations

from sandbox.jumpcloud.models import DirectoryInsightsEvent, SystemUser, UserGroup
from tests.integration.jumpcloud_idp.conftest import Interop
from tests.integration.jumpcloud_idp.independent_sp import form_of


def _launch(interop: Interop, login: str = "ada@example.com") -> tuple[int, str]:
    page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"), login=login)
    return page.status_code, page.text


def _latest_sso_event(interop: Interop) -> DirectoryInsightsEvent:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        rows = session.query(DirectoryInsightsEvent).filter_by(event_type="sso_auth")
        return [
            row
            for row in rows.order_by(DirectoryInsightsEvent.seq)
            if row.record["resource"]["id"] == interop.application_id
        ][-1]


def test_unbinding_the_group_refuses_the_next_sign_in_of_a_user_already_signed_in(interop: Interop) -> None:
    sp = interop.sp()
    status, page = _launch(interop)
    assert status == 200
    assert sp.accept(form_of(page)[1]["SAMLResponse"])["name_id"] == "ada@example.com"

    # The User Groups tab with nothing ticked: no group is authorized any more.
    assert (
        interop.admin.post(f"{interop.base}/applications/{interop.application_id}/groups", data={}).status_code == 302
    )
    status, page = _launch(interop)
    assert status == 403
    assert "not authorized" in page and "SAMLResponse" not in page

    with interop.sandbox.jumpcloud.database.sessions() as session:
        staff_id = session.query(UserGroup).filter_by(name="Staff").one().id
    response = interop.admin.post(
        f"{interop.base}/applications/{interop.application_id}/groups", data={"group_id": [staff_id]}
    )
    assert response.status_code == 302
    status, page = _launch(interop)
    assert status == 200 and "SAMLResponse" in page


def test_a_user_suspended_after_signing_in_gets_no_assertion(interop: Interop) -> None:
    interop.sp()
    assert _launch(interop)[0] == 200
    with interop.sandbox.jumpcloud.database.transaction() as session:
        session.query(SystemUser).filter_by(username="ada").one().state = "SUSPENDED"
    try:
        continued = interop.browser.get(f"{interop.base}/saml2/{interop.name}")
        assert continued.status_code == 303
        page = interop.browser.get(str(continued.url.join(continued.headers["location"])))
        # Back to the User Console login, not on to the application.
        assert page.status_code in (302, 303)
        assert "/userconsole/login" in page.headers["location"]
    finally:
        with interop.sandbox.jumpcloud.database.transaction() as session:
            session.query(SystemUser).filter_by(username="ada").one().state = "ACTIVATED"


def test_a_suspended_user_clicking_the_tile_is_refused_with_a_failed_sso_auth_event(interop: Interop) -> None:
    """ada is signed in to the User Console; suspended, her click on the BlogIn tile ends at the login page."""
    interop.sp()
    assert _launch(interop)[0] == 200
    home = interop.browser.get(f"{interop.base}/userconsole")
    tile = f'href="/saml2/{interop.name}"'
    assert tile in home.text
    before = _latest_sso_event(interop)
    with interop.sandbox.jumpcloud.database.transaction() as session:
        session.query(SystemUser).filter_by(username="ada").one().state = "SUSPENDED"
    try:
        status, page = _launch(interop)  # the tile's link, then the password at the login page
    finally:
        with interop.sandbox.jumpcloud.database.transaction() as session:
            session.query(SystemUser).filter_by(username="ada").one().state = "ACTIVATED"
    assert status == 401 and "SAMLResponse" not in page
    assert "Your account is suspended. Contact your administrator." in page
    refused = _latest_sso_event(interop)
    assert refused.seq > before.seq
    assert refused.summary == "ada was refused by BlogIn: user suspended"
    assert refused.success is False
    record = refused.record
    assert record["error_message"] == "user suspended" and record["idp_initiated"] is True
    assert record["sso_token_success"] is False and record["initiated_by"]["username"] == "ada"
    assert record["application"]["name"] == interop.name and record["application"]["sso_type"] == "saml"


def test_sign_ins_and_refusals_read_the_same_in_the_event_log_after_a_restart(interop: Interop) -> None:
    interop.sp()
    assert _launch(interop)[0] == 200
    event = _latest_sso_event(interop)
    assert event.summary == "ada signed in to BlogIn"
    assert event.success is True
    assert event.record["initiated_by"] == {"id": event.record["initiated_by"]["id"], "type": "user", "username": "ada"}
    assert event.record["application"]["name"] == interop.name

    interop.browser.cookies.clear()
    assert _launch(interop, login="bob@example.com")[0] == 403
    refused = _latest_sso_event(interop)
    assert refused.summary == "bob was refused by BlogIn: not authorized"
    assert refused.success is False and refused.record["error_message"] == "not authorized"
    assert refused.seq > event.seq


def test_a_stored_value_no_saml_message_can_carry_is_named_instead_of_failing_the_sign_in(interop: Interop) -> None:
    """A name stored before the directory refused control characters (or imported from an application)."""
    sp = interop.sp()
    status, page = _launch(interop)
    assert status == 200
    assert sp.accept(form_of(page)[1]["SAMLResponse"])["attributes"]["firstname"]
    with interop.sandbox.jumpcloud.database.transaction() as session:
        session.query(SystemUser).filter_by(username="ada").one().firstname = "Ada\x07"
    try:
        status, page = _launch(interop)
        assert status == 403  # the page every refused sign-in shows, not a server error
        assert "SAMLResponse" not in page
        assert "U+0007" in page and "USER MANAGEMENT" in page
        refused = _latest_sso_event(interop)
        assert refused.success is False and "U+0007" in refused.record["error_message"]
    finally:
        with interop.sandbox.jumpcloud.database.transaction() as session:
            session.query(SystemUser).filter_by(username="ada").one().firstname = "Ada"
    status, page = _launch(interop)
    assert status == 200 and "SAMLResponse" in page
