"""An AuthnRequest that names its subject signs in that user or none (SAML 2.0 core §3.4.1), over HTTP.

A pysaml2 SP (``independent_sp.py``) names the user in the request's ``<Subject>`` as a developer would.
JumpCloud signs in the named user; a User Console session of someone else is not used (the login page
asks for the named user and says who the application asked for); a login as someone else is answered
with a signed ``Responder``/``UnknownPrincipal`` Response at the SP's ACS, a failed ``sso_auth`` event and
a trace. ``<Scoping>`` with ProxyCount 0 and an IDPList not naming JumpCloud changes nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest
from lxml import etree
from saml2 import saml, samlp
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_UNSPECIFIED

from sandbox.jumpcloud.models import DirectoryInsightsEvent, Trace
from tests.integration.jumpcloud_idp.conftest import USER_PASSWORD, Interop
from tests.integration.jumpcloud_idp.html_forms import form_with
from tests.integration.jumpcloud_idp.independent_sp import ACS_URL, IndependentSp, Rejected, form_of

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS}
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"


@pytest.fixture
def sp(interop: Interop) -> Iterator[IndependentSp]:
    interop.update_config(declareRedirectEndpoint=True)
    started = interop.sp()
    yield started
    started.close()


def _subject(name: str, name_format: str | None = NAMEID_FORMAT_EMAILADDRESS, **more: object) -> saml.Subject:
    return saml.Subject(name_id=saml.NameID(text=name, format=name_format), **more)


def _go(interop: Interop, url: str) -> httpx.Response:
    """Follow JumpCloud's redirects up to a page (the login page is a page here: the tests fill it in)."""
    response = interop.browser.get(url)
    for _ in range(8):
        if response.status_code not in (302, 303):
            return response
        response = interop.browser.get(urljoin(str(response.url), response.headers["location"]))
    raise AssertionError("too many redirects")


def _log_in(interop: Interop, login_page: httpx.Response, login: str) -> httpx.Response:
    """Submit the User Console login form as ``login``, and follow on to the page that comes next."""
    form = form_with(login_page.text, "password")
    form.set("login", login)
    form.set("password", USER_PASSWORD)
    action = urljoin(str(login_page.url), form.attributes.get("action") or str(login_page.url))
    response = interop.browser.post(action, data=form.data())
    assert response.status_code in (302, 303), response.text[:500]
    return _go(interop, urljoin(action, response.headers["location"]))


def _sign_in_to_the_user_console(interop: Interop, login: str) -> None:
    page = _log_in(interop, _go(interop, f"{interop.base}/userconsole"), login)
    assert page.status_code == 200 and "Log out" in page.text


def _posted(page: httpx.Response) -> tuple[dict[str, str], etree._Element]:
    """The fields JumpCloud's hand-off page posts to the ACS, and the Response among them."""
    assert page.status_code == 200, page.text[:500]
    action, fields = form_of(page.text)
    assert action == ACS_URL
    return fields, etree.fromstring(base64.b64decode(fields["SAMLResponse"]))


def _status(response: etree._Element) -> tuple[str | None, str | None]:
    top = response.find("samlp:Status/samlp:StatusCode", NS)
    assert top is not None
    second = top.find("samlp:StatusCode", NS)
    return top.get("Value"), second.get("Value") if second is not None else None


def _latest_sso_event(interop: Interop) -> dict:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        rows = (
            session.query(DirectoryInsightsEvent).filter_by(event_type="sso_auth").order_by(DirectoryInsightsEvent.seq)
        )
        return [row.record for row in rows if row.record["application"]["id"] == interop.application_id][-1]


def _traces(interop: Interop) -> list[tuple[bool, str | None, dict]]:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        return [
            (trace.success, trace.related_id, trace.data)
            for trace in session.query(Trace).filter_by(kind="saml").order_by(Trace.seq)
            if trace.data["application"] == interop.name
        ]


def _request_trace(interop: Interop) -> dict:
    return [data for _, _, data in _traces(interop) if data["message_type"] == "AuthnRequest"][-1]


def _unknown_principal(interop: Interop, sp: IndependentSp, page: httpx.Response, words: str) -> None:
    """The page posts a signed UnknownPrincipal Response (no assertion), recorded as a failed sign-in."""
    fields, response = _posted(page)
    assert _status(response) == (f"{STATUS}Responder", f"{STATUS}UnknownPrincipal")
    assert response.get("InResponseTo") == sp.last_request_id
    assert response.find("saml:Assertion", NS) is None
    reference = response.find("ds:Signature/ds:SignedInfo/ds:Reference", NS)
    assert reference is not None and reference.get("URI") == f"#{response.get('ID')}"
    with pytest.raises(Rejected, match="UnknownPrincipal"):
        sp.accept(fields["SAMLResponse"])
    event = _latest_sso_event(interop)
    assert event["success"] is False and event["sso_token_success"] is False
    assert words in event["error_message"] and event["error_message"].endswith("(UnknownPrincipal)")
    success, related_id, data = _traces(interop)[-1]
    assert data["message_type"] == "Response" and success is False and related_id == event["id"]
    assert data["reason"] == event["error_message"]


def test_the_login_page_names_the_user_asked_for_and_that_user_is_signed_in(
    interop: Interop, sp: IndependentSp
) -> None:
    page = _go(interop, sp.redirect_url(subject=_subject("ada@example.com")))
    assert "/userconsole/login" in str(page.url)
    assert "BlogIn</strong> asked JumpCloud to sign in" in page.text and "ada@example.com" in page.text
    assert form_with(page.text, "password").values("login") == ["ada@example.com"]
    fields, _response = _posted(_log_in(interop, page, "ada@example.com"))
    identity = sp.accept(fields["SAMLResponse"])
    assert identity["name_id"] == "ada@example.com" and identity["in_response_to"] == sp.last_request_id
    assert _latest_sso_event(interop)["success"] is True
    checks = {check["name"]: check for check in _request_trace(interop)["checks"]}
    assert checks["subject"]["ok"] and "ada@example.com" in checks["subject"]["detail"]


def test_a_session_of_the_named_user_signs_in_without_a_page_whatever_the_case(
    interop: Interop, sp: IndependentSp
) -> None:
    _sign_in_to_the_user_console(interop, "ada")
    page = _go(interop, sp.redirect_url(subject=_subject("ADA@Example.COM")))
    fields, _response = _posted(page)
    assert sp.accept(fields["SAMLResponse"])["name_id"] == "ada@example.com"


def test_a_session_of_someone_else_is_not_used_the_login_page_asks_for_the_named_user(
    interop: Interop, sp: IndependentSp
) -> None:
    _sign_in_to_the_user_console(interop, "bob")
    page = _go(interop, sp.redirect_url(subject=_subject("ada@example.com")))
    assert "/userconsole/login" in str(page.url), "bob's session was used for a request naming ada"
    assert "You are signed in as bob: log in as ada@example.com to continue." in " ".join(page.text.split())
    fields, _response = _posted(_log_in(interop, page, "ada@example.com"))
    assert sp.accept(fields["SAMLResponse"])["name_id"] == "ada@example.com"


def test_a_login_as_someone_else_is_answered_unknown_principal(interop: Interop, sp: IndependentSp) -> None:
    page = _go(interop, sp.redirect_url(subject=_subject("ada@example.com")))
    answer = _log_in(interop, page, "bob@example.com")
    _unknown_principal(interop, sp, answer, "asked for ada@example.com, and bob@example.com signed in instead")
    assert _latest_sso_event(interop)["initiated_by"]["username"] == "bob"


def test_a_login_as_someone_else_after_a_session_of_someone_else_is_answered_too(
    interop: Interop, sp: IndependentSp
) -> None:
    """The login page is shown once: typing the other user's password again does not loop back to it."""
    _sign_in_to_the_user_console(interop, "bob")
    page = _go(interop, sp.redirect_url(subject=_subject("ada@example.com")))
    assert "/userconsole/login" in str(page.url)
    _unknown_principal(interop, sp, _log_in(interop, page, "bob"), "bob@example.com signed in instead")


def test_is_passive_with_someone_else_signed_in_is_answered_no_passive(interop: Interop, sp: IndependentSp) -> None:
    _sign_in_to_the_user_console(interop, "bob")
    page = _go(interop, sp.redirect_url(subject=_subject("ada@example.com"), is_passive="true"))
    fields, response = _posted(page)
    assert _status(response) == (f"{STATUS}Responder", f"{STATUS}NoPassive")
    with pytest.raises(Rejected, match="NoPassive"):
        sp.accept(fields["SAMLResponse"])
    assert "asked for ada@example.com without a login page" in _latest_sso_event(interop)["error_message"]


def test_a_subject_in_a_format_the_application_does_not_send_is_refused_before_any_login(
    interop: Interop, sp: IndependentSp
) -> None:
    page = _go(interop, sp.redirect_url(subject=_subject("2f0c5e7a", NAMEID_FORMAT_PERSISTENT)))
    _unknown_principal(interop, sp, page, "persistent NameID is 2f0c5e7a")
    trace = _request_trace(interop)
    assert trace["verdict"] == "rejected"
    assert [check["name"] for check in trace["checks"] if not check["ok"]] == ["subject"]


def test_by_http_post_the_named_user_still_needs_a_group_bound_to_the_application(
    interop: Interop, sp: IndependentSp
) -> None:
    action, fields = sp.post_form(subject=_subject("bob@example.com"))
    started = interop.browser.post(action, data=fields)
    assert started.status_code == 303
    page = _go(interop, urljoin(action, started.headers["location"]))
    assert "asked JumpCloud to sign in" in page.text and "bob@example.com" in page.text
    refused = _log_in(interop, page, "bob")
    assert refused.status_code == 403 and "Access denied" in refused.text and "SAMLResponse" not in refused.text
    assert _latest_sso_event(interop)["error_message"] == "not authorized"


def test_a_subject_is_judged_again_when_the_application_changes_during_the_login(
    interop: Interop, sp: IndependentSp
) -> None:
    page = _go(interop, sp.redirect_url(subject=_subject("ada@example.com")))
    assert "/userconsole/login" in str(page.url)
    interop.update_config(nameIdFormat="persistent")
    _unknown_principal(interop, sp, _log_in(interop, page, "ada"), "this application's NameIDs are persistent")


def test_a_subject_qualified_for_another_service_provider_is_refused(interop: Interop, sp: IndependentSp) -> None:
    subject = saml.Subject(
        name_id=saml.NameID(text="ada@example.com", format=NAMEID_FORMAT_EMAILADDRESS, sp_name_qualifier="https://x/")
    )
    _unknown_principal(interop, sp, _go(interop, sp.redirect_url(subject=subject)), "SPNameQualifier")


def test_a_username_subject_matches_an_application_sending_usernames(interop: Interop, sp: IndependentSp) -> None:
    interop.update_config(subjectField="username", nameIdFormat="unspecified")
    page = _go(interop, sp.redirect_url(subject=_subject("Ada", NAMEID_FORMAT_UNSPECIFIED)))
    assert form_with(page.text, "password").values("login") == ["Ada"]
    fields, _response = _posted(_log_in(interop, page, "ada"))
    assert sp.accept(fields["SAMLResponse"])["name_id"] == "ada"
    # The email is not this application's NameID: ada's session is not taken for it, nor is her login.
    page = _go(interop, sp.redirect_url(subject=_subject("ada@example.com", None)))
    assert "/userconsole/login" in str(page.url)
    _unknown_principal(interop, sp, _log_in(interop, page, "ada"), "asked for ada@example.com, and ada signed in")


def test_a_subject_confirmation_in_the_request_is_the_requesters_error(interop: Interop, sp: IndependentSp) -> None:
    subject = _subject("ada@example.com", subject_confirmation=[saml.SubjectConfirmation(method=saml.SCM_BEARER)])
    fields, response = _posted(_go(interop, sp.redirect_url(subject=subject)))
    assert _status(response) == (f"{STATUS}Requester", None)
    with pytest.raises(Rejected):
        sp.accept(fields["SAMLResponse"])
    assert "SubjectConfirmation" in _latest_sso_event(interop)["error_message"]


def test_scoping_with_proxy_count_0_and_another_idp_listed_still_signs_in(interop: Interop, sp: IndependentSp) -> None:
    _sign_in_to_the_user_console(interop, "ada")
    scoping = samlp.Scoping(
        proxy_count="0",
        idp_list=samlp.IDPList(idp_entry=[samlp.IDPEntry(provider_id="https://idp.elsewhere.example/")]),
    )
    fields, _response = _posted(_go(interop, sp.redirect_url(scoping=scoping)))
    assert sp.accept(fields["SAMLResponse"])["name_id"] == "ada@example.com"
    checks = {check["name"]: check for check in _request_trace(interop)["checks"]}
    assert "ProxyCount 0" in checks["scoping"]["detail"] and "never proxies" in checks["scoping"]["detail"]


def test_a_malformed_proxy_count_gets_the_error_page(interop: Interop, sp: IndependentSp) -> None:
    page = _go(interop, sp.redirect_url(scoping=samlp.Scoping(proxy_count="-1")))
    assert page.status_code == 400 and "ProxyCount" in page.text and "SAMLResponse" not in page.text
