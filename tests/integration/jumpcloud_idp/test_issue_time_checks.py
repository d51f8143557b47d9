"""JumpCloud decides when it issues the Response, not when the AuthnRequest arrived, over HTTP.

Between an AuthnRequest and the Response the End User types a password at the User Console; meanwhile
an administrator changes something in the Admin Portal. Each change counts at the moment the Response
is issued, with what the same change earns before the login: a page in the User Console's look, a
failed ``sso_auth`` event in Directory Insights saying why, and the AuthnRequest's trace pointing at it.
A Response the hand-off page holds (the "Hold the Response before posting it" edge case) is released
through JumpCloud, which does not post it for an application deactivated during the hold.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from lxml import etree

from sandbox.http import http_client
from sandbox.jumpcloud.models import DirectoryInsightsEvent, SsoApplication, SystemUser, Trace, UserGroup
from sandbox.saml.keys import certificate_body, generate_key_pair, sha256_fingerprint
from tests.integration.jumpcloud_idp.conftest import USER_PASSWORD, Interop
from tests.integration.jumpcloud_idp.html_forms import form_with
from tests.integration.jumpcloud_idp.independent_sp import ACS_URL, ENTITY_ID, IndependentSp, form_of

DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"
OTHER_ACS_URL = "https://sp.interop.localhost/saml/acs/other"


@pytest.fixture
def sp(interop: Interop) -> Iterator[IndependentSp]:
    interop.update_config(declareRedirectEndpoint=True)
    started = interop.sp()
    yield started
    started.close()


def _follow(interop: Interop, response: httpx.Response) -> httpx.Response:
    """Follow redirects like a browser, stopping at the User Console login page."""
    for _ in range(8):
        if response.status_code not in (302, 303):
            return response
        url = urljoin(str(response.url), response.headers["location"])
        response = interop.browser.get(url)
        if "/userconsole/login" in url:
            return response
    raise AssertionError("too many redirects")


def _at_the_login_page(interop: Interop, sp: IndependentSp, **asked: object) -> httpx.Response:
    """The SP sends the browser with an AuthnRequest; nobody is signed in, so JumpCloud asks for a password."""
    page = _follow(interop, interop.browser.get(sp.redirect_url(**asked)))
    assert page.status_code == 200 and "/userconsole/login" in str(page.url), page.text
    return page


def _type_the_password(interop: Interop, login_page: httpx.Response, login: str = "ada@example.com") -> httpx.Response:
    """The End User signs in on the login page shown earlier; JumpCloud then answers the request."""
    form = form_with(login_page.text, "password")
    form.set("login", login)
    form.set("password", USER_PASSWORD)
    action = urljoin(str(login_page.url), form.attributes.get("action") or str(login_page.url))
    return _follow(interop, interop.browser.post(action, data=form.data()))


def _words(page: httpx.Response) -> str:
    """The page's text, as the End User reads it."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def _sso_events(interop: Interop) -> list[dict[str, Any]]:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        rows = (
            session.query(DirectoryInsightsEvent).filter_by(event_type="sso_auth").order_by(DirectoryInsightsEvent.seq)
        )
        return [row.record for row in rows if row.record["resource"]["id"] == interop.application_id]


def _traces(interop: Interop) -> list[Trace]:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        traces = session.query(Trace).filter_by(kind="saml").order_by(Trace.seq).all()
        session.expunge_all()
        return [trace for trace in traces if trace.data["application"] == interop.name]


def _refused(interop: Interop, page: httpx.Response, *, status: int, title: str, reason: str) -> dict[str, Any]:
    """No Response in the page; the page's title; a failed sso_auth event for ada saying ``reason``."""
    assert page.status_code == status, page.text
    assert "SAMLResponse" not in page.text
    assert title in _words(page) and "Go to the User Console" in _words(page)
    event = _sso_events(interop)[-1]
    assert event["success"] is False and event["sso_token_success"] is False
    assert event["error_message"] == reason
    assert event["initiated_by"]["username"] == "ada"
    return event


def _request_trace_points_at(interop: Interop, event: dict[str, Any]) -> None:
    """The AuthnRequest was accepted on arrival; its trace is tied to the refusal, and no Response was made."""
    traces = _traces(interop)
    request = [trace for trace in traces if trace.data["message_type"] == "AuthnRequest"][-1]
    assert request.data["verdict"] == "accepted" and request.related_id == event["id"]
    assert not [trace for trace in traces if trace.data["message_type"] == "Response"]


def _deactivate(interop: Interop) -> None:
    """**Deactivate SSO** on the application's panel in the Admin Portal."""
    url = f"{interop.base}/applications/{interop.application_id}/activation"
    assert interop.admin.post(url, data={"active": "false"}).status_code == 302


def _set_state(interop: Interop, username: str, state: str) -> None:
    with interop.sandbox.jumpcloud.database.transaction() as session:
        session.query(SystemUser).filter_by(username=username).one().state = state


# --- the application -----------------------------------------------------------------------------------


def test_an_application_deactivated_while_the_user_types_the_password_gets_the_deactivated_page(
    interop: Interop, sp: IndependentSp
) -> None:
    login_page = _at_the_login_page(interop, sp)
    _deactivate(interop)
    page = _type_the_password(interop, login_page)
    event = _refused(interop, page, status=403, title="Application deactivated", reason="application deactivated")
    assert "SSO for BlogIn has been deactivated by your administrator." in _words(page)
    assert event["idp_initiated"] is False
    _request_trace_points_at(interop, event)


def test_an_application_deleted_while_the_user_types_the_password_is_unknown_and_the_event_names_it(
    interop: Interop, sp: IndependentSp
) -> None:
    login_page = _at_the_login_page(interop, sp)
    deleted = interop.admin.post(
        f"{interop.base}/applications/delete", data={"application_id": [interop.application_id], "count": "1"}
    )
    assert deleted.status_code == 302
    page = _type_the_password(interop, login_page)
    event = _refused(interop, page, status=404, title="Unknown application", reason="application deleted")
    assert f"No SSO application is configured at /saml2/{interop.name}." in _words(page)
    assert event["resource"]["name"] == "BlogIn" and event["application"]["name"] == interop.name
    _request_trace_points_at(interop, event)


def test_a_deactivated_application_is_refused_to_a_user_console_session_reused_at_once(
    interop: Interop, sp: IndependentSp
) -> None:
    """Signed in already, the answer comes without a page: the flow read on arrival is decided again."""
    login_page = _at_the_login_page(interop, sp)
    assert _type_the_password(interop, login_page).status_code == 200  # signed in, a Response sent
    flow = _follow(interop, interop.browser.get(sp.redirect_url()))
    assert flow.status_code == 200 and "SAMLResponse" in flow.text
    # The next AuthnRequest is read while SSO is still on; it is deactivated before the flow continues.
    arrived = interop.browser.get(sp.redirect_url())
    assert arrived.status_code == 303
    _deactivate(interop)
    page = _follow(interop, interop.browser.get(urljoin(str(arrived.url), arrived.headers["location"])))
    event = _refused(interop, page, status=403, title="Application deactivated", reason="application deactivated")
    request = [trace for trace in _traces(interop) if trace.data["message_type"] == "AuthnRequest"][-1]
    assert request.related_id == event["id"]


def test_is_passive_to_an_application_deactivated_before_the_flow_continues_answers_request_denied(
    interop: Interop, sp: IndependentSp
) -> None:
    """IsPassive may show no page: the service provider hears of the deactivation in an error Response."""
    assert _type_the_password(interop, _at_the_login_page(interop, sp)).status_code == 200
    arrived = interop.browser.get(sp.redirect_url(is_passive="true"))
    assert arrived.status_code == 303
    _deactivate(interop)
    page = _follow(interop, interop.browser.get(urljoin(str(arrived.url), arrived.headers["location"])))
    assert page.status_code == 200
    action, fields = form_of(page.text)
    assert action == ACS_URL
    response = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
    assert response.get("InResponseTo") == sp.last_request_id
    status = response.find(f"{{{SAMLP}}}Status/{{{SAMLP}}}StatusCode/{{{SAMLP}}}StatusCode")
    assert status is not None and status.get("Value") == f"{STATUS}RequestDenied"
    assert response.find(f"{{{SAML}}}Assertion") is None
    event = _sso_events(interop)[-1]
    assert event["success"] is False and event["error_message"] == "application deactivated (RequestDenied)"


# --- the user ------------------------------------------------------------------------------------------


def test_a_user_suspended_while_on_the_login_page_cannot_sign_in_and_gets_no_response(
    interop: Interop, sp: IndependentSp
) -> None:
    login_page = _at_the_login_page(interop, sp)
    _set_state(interop, "ada", "SUSPENDED")
    try:
        page = _type_the_password(interop, login_page)
    finally:
        _set_state(interop, "ada", "ACTIVATED")
    assert page.status_code == 401 and "SAMLResponse" not in page.text
    assert "/userconsole/login" in str(page.url)
    assert "Your account is suspended. Contact your administrator." in _words(page)
    with interop.sandbox.jumpcloud.database.sessions() as session:
        attempt = (
            session.query(DirectoryInsightsEvent)
            .filter_by(event_type="user_login_attempt")
            .order_by(DirectoryInsightsEvent.seq.desc())
            .first()
        )
        assert attempt is not None and attempt.record["error_message"] == "suspended"
    # The sign-in to BlogIn is refused like every other refusal of the IdP: one failed sso_auth event
    # naming the application and why, which the AuthnRequest's trace points at; no Response is made.
    [event] = _sso_events(interop)
    assert event["success"] is False and event["sso_token_success"] is False
    assert event["error_message"] == "user suspended" and event["idp_initiated"] is False
    assert event["service"] == "sso" and event["initiated_by"]["username"] == "ada"
    assert event["application"]["name"] == interop.name and event["application"]["display_label"] == "BlogIn"
    assert event["resource"] == {"id": interop.application_id, "type": "application", "name": "BlogIn"}
    _request_trace_points_at(interop, event)


def test_a_user_whose_last_group_is_unbound_while_typing_the_password_is_not_authorized(
    interop: Interop, sp: IndependentSp
) -> None:
    login_page = _at_the_login_page(interop, sp)
    # The User Groups tab with nothing ticked: Staff, ada's only group bound to BlogIn, is unbound.
    unbound = interop.admin.post(f"{interop.base}/applications/{interop.application_id}/groups", data={})
    assert unbound.status_code == 302
    page = _type_the_password(interop, login_page)
    event = _refused(interop, page, status=403, title="Access denied", reason="not authorized")
    assert "You are not authorized to access BlogIn." in _words(page)
    _request_trace_points_at(interop, event)


def test_a_user_removed_from_the_group_during_a_fresh_login_is_not_authorized(
    interop: Interop, sp: IndependentSp
) -> None:
    """ForceAuthn asks a signed-in user for the password again; ada leaves Staff meanwhile."""
    assert _type_the_password(interop, _at_the_login_page(interop, sp)).status_code == 200
    login_page = _follow(interop, interop.browser.get(sp.redirect_url(force_authn="true")))
    assert "/userconsole/login" in str(login_page.url)
    with interop.sandbox.jumpcloud.database.transaction() as session:
        staff = session.query(UserGroup).filter_by(name="Staff").one()
        staff.members.remove(session.query(SystemUser).filter_by(username="ada").one())
    try:
        page = _type_the_password(interop, login_page)
    finally:
        with interop.sandbox.jumpcloud.database.transaction() as session:
            staff = session.query(UserGroup).filter_by(name="Staff").one()
            staff.members.append(session.query(SystemUser).filter_by(username="ada").one())
    _refused(interop, page, status=403, title="Access denied", reason="not authorized")


# --- the service provider and the certificate ------------------------------------------------------------


def test_an_acs_url_removed_while_the_user_types_the_password_gets_no_response(
    interop: Interop, sp: IndependentSp
) -> None:
    login_page = _at_the_login_page(interop, sp, assertion_consumer_service_url=ACS_URL)
    interop.update_config(acsUrls=[OTHER_ACS_URL], acsIndexes={})
    page = _type_the_password(interop, login_page)
    reason = (
        f"The requested ACS URL {ACS_URL} is no longer one of this application's ACS URLs: "
        "the Response is not sent there."
    )
    event = _refused(interop, page, status=400, title="Single sign-on failed", reason=reason)
    assert reason in _words(page)
    _request_trace_points_at(interop, event)


def test_an_sp_entity_id_changed_while_the_user_types_the_password_gets_no_response(
    interop: Interop, sp: IndependentSp
) -> None:
    login_page = _at_the_login_page(interop, sp)
    interop.update_config(spEntityId="https://another-sp.example/metadata")
    page = _type_the_password(interop, login_page)
    reason = (
        f"The request came from {ENTITY_ID}, but this application's SP Entity ID is now "
        "https://another-sp.example/metadata: no Response is sent to a service provider "
        "the application no longer names."
    )
    event = _refused(interop, page, status=400, title="Single sign-on failed", reason=reason)
    assert reason in _words(page)
    _request_trace_points_at(interop, event)


def test_the_response_is_signed_with_the_certificate_of_the_moment_it_is_issued(
    interop: Interop, sp: IndependentSp
) -> None:
    login_page = _at_the_login_page(interop, sp)
    replacement = generate_key_pair("JumpCloud rotated")
    with interop.sandbox.jumpcloud.database.transaction() as session:
        application = session.get_one(SsoApplication, interop.application_id)
        application.idp_certificate_pem = replacement.certificate_pem
        application.idp_private_key_pem = replacement.private_key_pem
    page = _type_the_password(interop, login_page)
    assert page.status_code == 200
    action, fields = form_of(page.text)
    assert action == ACS_URL
    response = etree.fromstring(base64.b64decode(fields["SAMLResponse"]))
    signed_with = response.findtext(f".//{{{DS}}}X509Certificate")
    assert signed_with is not None and "".join(signed_with.split()) == certificate_body(replacement.certificate_pem)
    sent = [trace for trace in _traces(interop) if trace.data["message_type"] == "Response"][-1]
    assert sent.data["expected_certificate_sha256"] == sha256_fingerprint(replacement.certificate_pem)
    # An SP given the metadata as it is now (the new certificate) accepts it.
    rotated = IndependentSp(interop.metadata())
    try:
        rotated.outstanding[sp.last_request_id] = "/"
        assert rotated.accept(fields["SAMLResponse"])["name_id"] == "ada@example.com"
    finally:
        rotated.close()


# --- a Response held before posting --------------------------------------------------------------------


def _held_page(interop: Interop) -> tuple[httpx.Response, str]:
    """Hold the Response for 60 s; ada opens the application from the User Console: the page and its release URL."""
    interop.update_config(edgeCases={"holdResponseSeconds": 60})
    page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"))
    assert page.status_code == 200 and 'data-hold-seconds="60"' in page.text
    release = re.search(r'<form name="release" method="post" action="([^"]+)"', page.text)
    assert release is not None
    return page, urljoin(str(page.url), release.group(1))


def test_a_held_response_is_posted_through_jumpcloud_when_nothing_changed(interop: Interop) -> None:
    interop.sp()
    page, release_url = _held_page(interop)
    released = interop.browser.post(release_url)
    assert released.status_code == 200
    assert "document.forms['saml-post'].submit()" in released.text and "Post now" not in released.text
    assert form_of(released.text) == form_of(page.text)  # the same Response, to the same ACS URL
    assert _sso_events(interop)[-1]["success"] is True
    # Released once: a second release finds nothing to post.
    again = interop.browser.post(release_url)
    assert again.status_code == 400 and "Sign-in expired" in _words(again) and "SAMLResponse" not in again.text


def test_a_response_held_while_the_application_is_deactivated_is_not_posted(interop: Interop) -> None:
    interop.sp()
    page, release_url = _held_page(interop)
    issued = form_of(page.text)[1]["SAMLResponse"]
    _deactivate(interop)
    withheld = interop.browser.post(release_url)
    event = _refused(
        interop,
        withheld,
        status=403,
        title="Application deactivated",
        reason="application deactivated while the Response was held",
    )
    assert "JumpCloud did not post the Response it was holding." in _words(withheld)
    assert event["idp_initiated"] is True
    assert [e["success"] for e in _sso_events(interop)] == [True, False]  # issued, then withheld
    sent, kept = [trace for trace in _traces(interop) if trace.data["message_type"] == "Response"][-2:]
    assert "held 60 s before posting" in sent.summary and sent.success is True
    assert kept.success is False and kept.related_id == event["id"]
    assert kept.data["verdict"] == "rejected" and kept.data["reason"] == event["error_message"]
    assert base64.b64encode(kept.data["xml"].encode()).decode() == issued
    assert "withheld: application deactivated while the Response was held" in kept.summary


def test_a_response_held_while_the_user_leaves_the_last_group_is_not_posted(interop: Interop) -> None:
    interop.sp()
    _, release_url = _held_page(interop)
    unbound = interop.admin.post(f"{interop.base}/applications/{interop.application_id}/groups", data={})
    assert unbound.status_code == 302
    withheld = interop.browser.post(release_url)
    _refused(interop, withheld, status=403, title="Access denied", reason="not authorized while the Response was held")


def test_a_held_response_is_released_only_to_the_browser_it_was_issued_in(interop: Interop) -> None:
    interop.sp()
    _, release_url = _held_page(interop)
    with http_client() as stranger:
        refused = stranger.post(release_url)
    assert refused.status_code == 400 and "Sign-in expired" in _words(refused) and "SAMLResponse" not in refused.text
    # The browser it was issued in still gets it.
    released = interop.browser.post(release_url)
    assert released.status_code == 200 and "SAMLResponse" in released.text
