"""JumpCloud honours what an AuthnRequest asks (SAML 2.0 core §3.4.1), over HTTP, with independent SPs.

(Every comparison of RequestedAuthnContext and NameIDPolicy case is in ``tests/unit/saml/test_idp_options.py``.)

IsPassive, ForceAuthn, NameIDPolicy, RequestedAuthnContext, ProtocolBinding and
AssertionConsumerServiceIndex, each sent by a pysaml2 SP (``independent_sp.py``) or python3-saml
(``onelogin_sp.py``) as a developer would set them. A request JumpCloud cannot satisfy is answered with
a signed error Response at the SP's ACS, which the SP library reads for its status; JumpCloud records
a failed ``sso_auth`` event and traces of the request and of the Response.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urljoin

import httpx
import pytest
from lxml import etree
from saml2 import BINDING_HTTP_ARTIFACT
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, NAMEID_FORMAT_UNSPECIFIED

from sandbox.jumpcloud.models import DirectoryInsightsEvent, Trace
from tests.integration.jumpcloud_idp.conftest import USER_PASSWORD, Interop
from tests.integration.jumpcloud_idp.html_forms import form_with
from tests.integration.jumpcloud_idp.independent_sp import ACS_URL, IndependentSp, Rejected, form_of
from tests.integration.jumpcloud_idp.onelogin_sp import OneLoginSp, OneLoginSpOptions

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"
AC = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS}
SECOND_ACS_URL = "https://sp.interop.localhost/saml/acs/second"


# --- a browser that signs in only when a test says so ------------------------------------------------


def _browse(interop: Interop, response: httpx.Response, *, login: str | None = None) -> httpx.Response:
    """Follow redirects; at the User Console login sign in as ``login``, or fail when none is given."""
    for _ in range(8):
        if response.status_code not in (302, 303):
            return response
        url = urljoin(str(response.url), response.headers["location"])
        if "/userconsole/login" in url:
            assert login is not None, "JumpCloud showed its login page"
            form = form_with(interop.browser.get(url).text, "password")
            form.set("login", login)
            form.set("password", USER_PASSWORD)
            response = interop.browser.post(urljoin(url, form.attributes.get("action") or url), data=form.data())
        else:
            response = interop.browser.get(url)
    raise AssertionError("too many redirects")


def _sign_in_to_the_user_console(interop: Interop) -> None:
    page = _browse(interop, interop.browser.get(f"{interop.base}/userconsole"), login="ada@example.com")
    assert page.status_code == 200 and "User Console" in page.text


def _answer(interop: Interop, sp: IndependentSp, *, login: str | None = None, **asked: object) -> dict[str, str]:
    """The form JumpCloud posts back to the SP, for an HTTP-Redirect AuthnRequest asking ``asked``."""
    page = _browse(interop, interop.browser.get(sp.redirect_url(**asked)), login=login)
    assert page.status_code == 200, page.text
    action, fields = form_of(page.text)
    fields["action"] = action
    return fields


def _xml(fields: dict[str, str]) -> etree._Element:
    return etree.fromstring(base64.b64decode(fields["SAMLResponse"]))


def _status(response: etree._Element) -> tuple[str | None, str | None, str | None]:
    """The top-level and second-level status codes and the status message of a Response."""
    top = response.find("samlp:Status/samlp:StatusCode", NS)
    assert top is not None
    second = top.find("samlp:StatusCode", NS)
    return (
        top.get("Value"),
        second.get("Value") if second is not None else None,
        response.findtext("samlp:Status/samlp:StatusMessage", namespaces=NS),
    )


def _authn_instant(response: etree._Element) -> datetime:
    statement = response.find("saml:Assertion/saml:AuthnStatement", NS)
    assert statement is not None
    return datetime.strptime(statement.get("AuthnInstant", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _refusal_is_signed_and_assertion_free(response: etree._Element, request_id: str, acs_url: str = ACS_URL) -> None:
    assert response.get("InResponseTo") == request_id
    assert response.get("Destination") == acs_url
    assert response.find("saml:Assertion", NS) is None
    # Signed where an assertion's signature would be absent: on the Response itself, right after its Issuer.
    reference = response.find("ds:Signature/ds:SignedInfo/ds:Reference", NS)
    assert reference is not None and reference.get("URI") == f"#{response.get('ID')}"
    assert etree.QName(response[1]).localname == "Signature"


def _latest_sso_event(interop: Interop) -> dict:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        rows = session.query(DirectoryInsightsEvent).filter_by(event_type="sso_auth")
        return [
            row.record
            for row in rows.order_by(DirectoryInsightsEvent.seq)
            if row.record["application"]["id"] == interop.application_id
        ][-1]


def _traces(interop: Interop) -> list[tuple[bool, str | None, dict]]:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        return [
            (trace.success, trace.related_id, trace.data)
            for trace in session.query(Trace).filter_by(kind="saml").order_by(Trace.seq)
            if trace.data["application"] == interop.name
        ]


def _refusal_was_recorded(interop: Interop, words: str, status: str) -> None:
    """A failed sso_auth event naming the refusal, and the Response's trace pointing at it."""
    event = _latest_sso_event(interop)
    assert event["success"] is False and event["sso_token_success"] is False
    assert words in event["error_message"] and event["error_message"].endswith(f"({status})")
    success, related_id, data = _traces(interop)[-1]
    assert data["message_type"] == "Response" and data["direction"] == "sent"
    assert success is False and related_id == event["id"]
    assert data["reason"] == event["error_message"]


@pytest.fixture
def sp(interop: Interop) -> Iterator[IndependentSp]:
    interop.update_config(declareRedirectEndpoint=True)
    started = interop.sp()
    yield started
    started.close()


# --- IsPassive ---------------------------------------------------------------------------------------


def test_is_passive_without_a_session_answers_no_passive_at_once(interop: Interop, sp: IndependentSp) -> None:
    answer = _answer(interop, sp, is_passive="true")
    assert answer["action"] == ACS_URL
    response = _xml(answer)
    assert _status(response) == (f"{STATUS}Responder", f"{STATUS}NoPassive", None)
    _refusal_is_signed_and_assertion_free(response, sp.last_request_id)
    with pytest.raises(Rejected, match="StatusNoPassive"):
        sp.accept(answer["SAMLResponse"])
    _refusal_was_recorded(interop, "IsPassive", "NoPassive")
    assert _latest_sso_event(interop)["initiated_by"]["username"] == "unknown"
    # The AuthnRequest was read and accepted; what it asked is in its checks.
    request_trace = [data for _, _, data in _traces(interop) if data["message_type"] == "AuthnRequest"][-1]
    assert request_trace["verdict"] == "accepted"
    assert any(check["name"] == "is_passive" for check in request_trace["checks"])


def test_is_passive_with_a_session_signs_in_without_a_page(interop: Interop, sp: IndependentSp) -> None:
    _sign_in_to_the_user_console(interop)
    answer = _answer(interop, sp, is_passive="true")
    identity = sp.accept(answer["SAMLResponse"])
    assert identity["name_id"] == "ada@example.com"
    assert identity["in_response_to"] == sp.last_request_id
    assert _latest_sso_event(interop)["success"] is True


def test_is_passive_for_a_user_the_application_is_not_for_answers_request_denied(
    interop: Interop, sp: IndependentSp
) -> None:
    page = _browse(interop, interop.browser.get(f"{interop.base}/userconsole"), login="bob@example.com")
    assert page.status_code == 200
    answer = _answer(interop, sp, is_passive="true")
    response = _xml(answer)
    assert _status(response)[:2] == (f"{STATUS}Responder", f"{STATUS}RequestDenied")
    with pytest.raises(Rejected, match="StatusRequestDenied"):
        sp.accept(answer["SAMLResponse"])
    _refusal_was_recorded(interop, "not authorized", "RequestDenied")
    assert _latest_sso_event(interop)["initiated_by"]["username"] == "bob"


def _deactivate(interop: Interop) -> None:
    """**Deactivate SSO** on the application's panel in the Admin Portal."""
    url = f"{interop.base}/applications/{interop.application_id}/activation"
    assert interop.admin.post(url, data={"active": "false"}).status_code == 302


def test_is_passive_to_a_deactivated_application_answers_request_denied_instead_of_a_page(
    interop: Interop, sp: IndependentSp
) -> None:
    _sign_in_to_the_user_console(interop)
    _deactivate(interop)
    answer = _answer(interop, sp, is_passive="true")
    assert answer["action"] == ACS_URL
    response = _xml(answer)
    assert _status(response) == (f"{STATUS}Responder", f"{STATUS}RequestDenied", None)
    _refusal_is_signed_and_assertion_free(response, sp.last_request_id)
    with pytest.raises(Rejected, match="StatusRequestDenied"):
        sp.accept(answer["SAMLResponse"])
    _refusal_was_recorded(interop, "application deactivated", "RequestDenied")
    assert _latest_sso_event(interop)["initiated_by"]["username"] == "ada"
    # The AuthnRequest was read (its issuer and ACS URL are the application's) and refused for deactivation.
    request_trace = [data for _, _, data in _traces(interop) if data["message_type"] == "AuthnRequest"][-1]
    assert request_trace["verdict"] == "rejected"
    failed = [check for check in request_trace["checks"] if not check["ok"]]
    assert failed == [
        {"name": "application", "ok": False, "detail": "application deactivated (RequestDenied)"},
    ]


def test_a_deactivated_application_still_shows_its_page_when_a_page_may_be_shown_or_the_acs_is_unknown(
    interop: Interop, sp: IndependentSp
) -> None:
    _sign_in_to_the_user_console(interop)
    _deactivate(interop)
    traces_before = len(_traces(interop))
    page = _browse(interop, interop.browser.get(sp.redirect_url()))
    assert page.status_code == 403 and "Application deactivated" in page.text
    assert "SAMLResponse" not in page.text
    # IsPassive, but to an ACS URL the application does not have: nothing may be posted there.
    elsewhere = sp.redirect_url(is_passive="true", assertion_consumer_service_url="https://elsewhere.example/acs")
    page = _browse(interop, interop.browser.get(elsewhere))
    assert page.status_code == 403 and "Application deactivated" in page.text
    assert "SAMLResponse" not in page.text and "elsewhere.example" not in page.text
    assert len(_traces(interop)) == traces_before  # no Response was made
    assert _latest_sso_event(interop)["error_message"] == "application deactivated"


def test_python3_saml_reads_no_passive_from_the_status(interop: Interop) -> None:
    onelogin = OneLoginSp()
    try:
        _connect(interop, onelogin)
        start = interop.browser.get(f"{onelogin.base_url}/login", params={"next": "/home", "passive": "1"})
        assert 'IsPassive="true"' in _redirected_request(start)
        outcome = _post_back(interop, onelogin, _browse(interop, start))
        assert outcome.status_code == 403
        assert outcome.json()["reason"] == (
            "The status code of the Response was not Success, was Responder -> "
            "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
        )
        assert outcome.json()["relay_state"] == "/home"
    finally:
        onelogin.close()


# --- ForceAuthn ----------------------------------------------------------------------------------------


def test_force_authn_asks_for_the_password_again_and_the_assertion_says_when(
    interop: Interop, sp: IndependentSp
) -> None:
    _sign_in_to_the_user_console(interop)
    first = _xml(_answer(interop, sp))
    # The session's login, not the moment of issue, is when the user authenticated.
    time.sleep(1.1)
    again = _xml(_answer(interop, sp))
    assert _authn_instant(again) == _authn_instant(first)

    started = datetime.now(UTC).replace(microsecond=0)
    redirect = interop.browser.get(sp.redirect_url(force_authn="true"))
    to_login = interop.browser.get(urljoin(interop.base, redirect.headers["location"]))
    assert to_login.status_code == 302 and "/userconsole/login" in to_login.headers["location"]
    login_page = interop.browser.get(urljoin(interop.base, to_login.headers["location"]))
    assert "enter your password again" in login_page.text
    assert form_with(login_page.text, "password").values("login") == ["ada"]

    page = _browse(interop, to_login, login="ada@example.com")
    action, answer = form_of(page.text)
    assert action == ACS_URL
    forced = _xml(answer)
    assert _authn_instant(forced) >= started > _authn_instant(first)
    assert sp.accept(answer["SAMLResponse"])["name_id"] == "ada@example.com"
    # The fresh login is the session's now: the next sign-in without ForceAuthn says the same instant.
    assert _authn_instant(_xml(_answer(interop, sp))) == _authn_instant(forced)


def test_force_authn_with_is_passive_answers_no_passive_even_with_a_session(
    interop: Interop, sp: IndependentSp
) -> None:
    _sign_in_to_the_user_console(interop)
    answer = _answer(interop, sp, force_authn="true", is_passive="true")
    assert _status(_xml(answer))[:2] == (f"{STATUS}Responder", f"{STATUS}NoPassive")
    with pytest.raises(Rejected, match="StatusNoPassive"):
        sp.accept(answer["SAMLResponse"])
    _refusal_was_recorded(interop, "ForceAuthn", "NoPassive")
    assert _latest_sso_event(interop)["initiated_by"]["username"] == "ada"


# --- NameIDPolicy ------------------------------------------------------------------------------------


@pytest.mark.parametrize("wanted", [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT], ids=["persistent", "transient"])
def test_a_name_id_format_the_application_cannot_give_is_refused_before_any_login(
    interop: Interop, sp: IndependentSp, wanted: str
) -> None:
    answer = _answer(interop, sp, nameid_format=wanted)
    response = _xml(answer)
    assert _status(response) == (f"{STATUS}Requester", f"{STATUS}InvalidNameIDPolicy", None)
    _refusal_is_signed_and_assertion_free(response, sp.last_request_id)
    with pytest.raises(Rejected, match="StatusInvalidNameidPolicy"):
        sp.accept(answer["SAMLResponse"])
    kind = wanted.rsplit(":", 1)[-1]
    _refusal_was_recorded(
        interop, f"asked for a {kind} NameID; this application sends emailAddress", "InvalidNameIDPolicy"
    )
    request_trace = [data for _, _, data in _traces(interop) if data["message_type"] == "AuthnRequest"][-1]
    assert request_trace["verdict"] == "rejected"
    assert [check["ok"] for check in request_trace["checks"] if check["name"] == "name_id_policy"] == [False]


@pytest.mark.parametrize(
    ("configured", "wanted", "allow_create"),
    [
        ("emailAddress", NAMEID_FORMAT_UNSPECIFIED, "false"),
        ("persistent", NAMEID_FORMAT_PERSISTENT, "false"),
        ("persistent", NAMEID_FORMAT_PERSISTENT, "true"),
    ],
    ids=["unspecified", "persistent-no-create", "persistent-create"],
)
def test_unspecified_or_the_applications_own_format_signs_in_whatever_allow_create_says(
    interop: Interop, configured: str, wanted: str, allow_create: str
) -> None:
    # JumpCloud's NameIDs are directory attributes, there before any request: AllowCreate="false" is met.
    interop.update_config(declareRedirectEndpoint=True, nameIdFormat=configured)
    sp = interop.sp()
    answer = _answer(interop, sp, login="ada@example.com", nameid_format=wanted, allow_create=allow_create)
    assert f'AllowCreate="{allow_create}"' in _sent_request(interop)
    assert sp.accept(answer["SAMLResponse"])["name_id"] == "ada@example.com"
    name_id = _xml(answer).find("saml:Assertion/saml:Subject/saml:NameID", NS)
    assert name_id is not None and name_id.get("Format", "").endswith(f":{configured}")


def test_python3_saml_asking_for_email_from_a_persistent_application_is_told_invalid_name_id_policy(
    interop: Interop,
) -> None:
    interop.update_config(nameIdFormat="persistent")
    onelogin = OneLoginSp()
    try:
        _connect(interop, onelogin)
        start = interop.browser.get(f"{onelogin.base_url}/login")
        outcome = _post_back(interop, onelogin, _browse(interop, start))
        assert outcome.json()["reason"].endswith(
            "was Requester -> urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy"
        )
        # Without a NameIDPolicy, the application's persistent NameID is taken.
        start = interop.browser.get(f"{onelogin.base_url}/login", params={"policy": "0"})
        outcome = _post_back(interop, onelogin, _browse(interop, start, login="ada@example.com"))
        assert outcome.status_code == 200, outcome.text
        assert outcome.json()["name_id_format"] == NAMEID_FORMAT_PERSISTENT
    finally:
        onelogin.close()


def test_the_metadata_declares_the_one_name_id_format_the_application_sends(interop: Interop) -> None:
    interop.update_config(nameIdFormat="persistent")
    formats = etree.fromstring(interop.metadata().encode()).findall(
        "{urn:oasis:names:tc:SAML:2.0:metadata}IDPSSODescriptor/{urn:oasis:names:tc:SAML:2.0:metadata}NameIDFormat"
    )
    assert [element.text for element in formats] == [NAMEID_FORMAT_PERSISTENT]


# --- RequestedAuthnContext -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classes", "comparison"),
    [([f"{AC}MobileTwoFactorContract"], "exact"), (["https://refeds.org/profile/mfa"], "minimum")],
    ids=["mfa-exact", "refeds-mfa-minimum"],
)
def test_an_authn_context_a_password_login_cannot_meet_is_answered_no_authn_context(
    interop: Interop, sp: IndependentSp, classes: list[str], comparison: str
) -> None:
    asked = {"authn_context_class_ref": classes, "comparison": comparison}
    answer = _answer(interop, sp, requested_authn_context=asked)
    assert _status(_xml(answer))[:2] == (f"{STATUS}Requester", f"{STATUS}NoAuthnContext")
    with pytest.raises(Rejected, match="StatusNoAuthnContext"):
        sp.accept(answer["SAMLResponse"])
    _refusal_was_recorded(interop, f"({comparison}); JumpCloud signs users in with a password", "NoAuthnContext")


@pytest.mark.parametrize(
    ("classes", "comparison"),
    [([f"{AC}unspecified"], "exact"), ([f"{AC}Password"], "minimum")],
    ids=["unspecified", "password-minimum"],
)
def test_an_authn_context_a_password_login_meets_signs_in(
    interop: Interop, sp: IndependentSp, classes: list[str], comparison: str
) -> None:
    asked = {"authn_context_class_ref": classes, "comparison": comparison}
    answer = _answer(interop, sp, login="ada@example.com", requested_authn_context=asked)
    assert sp.accept(answer["SAMLResponse"])["name_id"] == "ada@example.com"
    context = _xml(answer).findtext(
        "saml:Assertion/saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef", namespaces=NS
    )
    assert context == f"{AC}PasswordProtectedTransport"


def test_python3_saml_asking_for_multi_factor_is_told_no_authn_context(interop: Interop) -> None:
    onelogin = OneLoginSp(OneLoginSpOptions(requested_authn_context=[f"{AC}MobileTwoFactorContract"]))
    try:
        _connect(interop, onelogin)
        outcome = _post_back(interop, onelogin, _browse(interop, interop.browser.get(f"{onelogin.base_url}/login")))
        assert outcome.json()["reason"].endswith("was Requester -> urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext")
    finally:
        onelogin.close()


# --- ProtocolBinding and AssertionConsumerServiceIndex -------------------------------------------------


def test_a_response_binding_other_than_post_is_answered_unsupported_binding_at_the_default_acs(
    interop: Interop, sp: IndependentSp
) -> None:
    answer = _answer(interop, sp, response_binding=BINDING_HTTP_ARTIFACT)
    assert 'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"' in _sent_request(interop)
    assert answer["action"] == ACS_URL
    response = _xml(answer)
    assert _status(response)[:2] == (f"{STATUS}Requester", f"{STATUS}UnsupportedBinding")
    _refusal_is_signed_and_assertion_free(response, sp.last_request_id)
    with pytest.raises(Rejected, match="StatusUnsupportedBinding"):
        sp.accept(answer["SAMLResponse"])
    _refusal_was_recorded(
        interop, "by HTTP-Artifact; JumpCloud sends Responses by HTTP-POST only", "UnsupportedBinding"
    )


def test_an_acs_index_from_the_sp_metadata_chooses_where_the_response_goes(interop: Interop) -> None:
    interop.update_config(declareRedirectEndpoint=True)
    sp = interop.sp(extra_acs_urls=(SECOND_ACS_URL,))  # pysaml2 numbers them 1 and 2
    try:
        answer = _answer(interop, sp, login="ada@example.com", assertion_consumer_service_index="2")
        request = _sent_request(interop)
        assert 'AssertionConsumerServiceIndex="2"' in request and "AssertionConsumerServiceURL" not in request
        assert answer["action"] == SECOND_ACS_URL
        assert _xml(answer).get("Destination") == SECOND_ACS_URL
        assert sp.accept(answer["SAMLResponse"], acs_url=SECOND_ACS_URL)["name_id"] == "ada@example.com"
        request_trace = [data for _, _, data in _traces(interop) if data["message_type"] == "AuthnRequest"][-1]
        assert {
            "name": "acs_url",
            "ok": True,
            "detail": f"AssertionConsumerServiceIndex 2 names {SECOND_ACS_URL}, one of its ACS URLs",
        } in request_trace["checks"]

        answer = _answer(interop, sp, assertion_consumer_service_index="1")
        assert answer["action"] == ACS_URL
        assert sp.accept(answer["SAMLResponse"])["name_id"] == "ada@example.com"

        # An index the metadata does not give is answered at the default ACS URL, with an error status.
        answer = _answer(interop, sp, assertion_consumer_service_index="7")
        assert answer["action"] == ACS_URL
        response = _xml(answer)
        assert _status(response) == (f"{STATUS}Requester", None, "Unknown AssertionConsumerServiceIndex 7.")
        _refusal_is_signed_and_assertion_free(response, sp.last_request_id)
        with pytest.raises(Rejected, match="Unknown AssertionConsumerServiceIndex 7"):
            sp.accept(answer["SAMLResponse"])
        _refusal_was_recorded(interop, "AssertionConsumerServiceIndex 7", "Requester")
    finally:
        sp.close()


def test_an_acs_url_that_is_not_the_applications_still_gets_an_error_page_not_a_response(
    interop: Interop, sp: IndependentSp
) -> None:
    # No ACS URL of the request can be trusted, so nothing is posted anywhere, refusal or not.
    page = interop.browser.get(
        sp.redirect_url(assertion_consumer_service_url="https://elsewhere.example/acs", is_passive="true")
    )
    assert page.status_code == 400
    assert "https://elsewhere.example/acs is not one of this application" in page.text
    assert "SAMLResponse" not in page.text


def test_a_refusal_is_unsigned_only_when_the_no_signature_edge_case_is_on(interop: Interop, sp: IndependentSp) -> None:
    interop.update_config(edgeCases={"noSignature": True})
    response = _xml(_answer(interop, sp, is_passive="true"))
    assert _status(response)[1] == f"{STATUS}NoPassive"
    assert response.find("ds:Signature", NS) is None


# --- helpers for python3-saml and for reading what was sent ---------------------------------------------


def _connect(interop: Interop, onelogin: OneLoginSp) -> None:
    """The application's SP is the python3-saml SP; the SP reads JumpCloud's metadata URL."""
    interop.update_config(
        declareRedirectEndpoint=True, spEntityId=onelogin.entity_id, acsUrls=[onelogin.acs_url], spCertificate=""
    )
    onelogin.load_idp_metadata(f"{interop.base}/saml2/{interop.name}/metadata")


def _redirected_request(start: httpx.Response) -> str:
    import zlib
    from urllib.parse import parse_qs, urlsplit

    value = parse_qs(urlsplit(start.headers["location"]).query)["SAMLRequest"][0]
    return zlib.decompress(base64.b64decode(value), -15).decode()


def _post_back(interop: Interop, onelogin: OneLoginSp, page: httpx.Response) -> httpx.Response:
    """Post JumpCloud's auto-submitting form to the python3-saml SP's ACS."""
    assert page.status_code == 200, page.text
    action, fields = form_of(page.text)
    assert action == onelogin.acs_url
    return interop.browser.post(action, data=fields)


def _sent_request(interop: Interop) -> str:
    """The last AuthnRequest JumpCloud received for the application, as its trace holds it."""
    return [data for _, _, data in _traces(interop) if data["message_type"] == "AuthnRequest"][-1]["xml"]
