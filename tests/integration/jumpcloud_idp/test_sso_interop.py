"""SAML interop over HTTP between the mock JumpCloud and an independent pysaml2 SP."""

from __future__ import annotations

import base64
import re
from urllib.parse import urljoin

import pytest

from sandbox.jumpcloud.models import DirectoryInsightsEvent, Trace
from tests.integration.jumpcloud_idp.conftest import Interop
from tests.integration.jumpcloud_idp.independent_sp import ACS_URL, Rejected, form_of


def _sso_events(interop: Interop) -> list[dict]:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        rows = (
            session.query(DirectoryInsightsEvent).filter_by(event_type="sso_auth").order_by(DirectoryInsightsEvent.seq)
        )
        return [row.record for row in rows if row.record["application"]["id"] == interop.application_id]


def test_sp_initiated_redirect_signs_the_user_in_with_jit_attributes(interop: Interop, backend: str) -> None:
    interop.update_config(declareRedirectEndpoint=True)
    sp = interop.sp()
    page = interop.follow(interop.browser.get(sp.redirect_url(relay_state="/posts/42")))
    assert page.status_code == 200
    action, fields = form_of(page.text)
    assert action == ACS_URL
    assert fields["RelayState"] == "/posts/42"
    identity = sp.accept(fields["SAMLResponse"])
    assert identity["name_id"] == "ada@example.com"
    assert identity["in_response_to"]
    assert identity["attributes"]["firstname"] == ["Ada"]
    assert identity["attributes"]["title"] == ["Engineer"]
    assert identity["attributes"]["phone"] == ["+1 555 0100"]
    event = _sso_events(interop)[-1]
    assert event["success"] is True and event["idp_initiated"] is False
    assert event["application"]["name"] == interop.name
    with interop.sandbox.jumpcloud.database.sessions() as session:
        traces = [t for t in session.query(Trace).filter_by(kind="saml") if t.data["application"] == interop.name]
        assert {t.data["message_type"] for t in traces} == {"AuthnRequest", "Response"}
        assert all(t.related_id == event["id"] for t in traces)


def test_sp_initiated_post_continues_with_a_same_site_get(interop: Interop, backend: str) -> None:
    sp = interop.sp()
    action, fields = sp.post_form(relay_state="home")
    response = interop.browser.post(action, data=fields)
    assert response.status_code == 303
    page = interop.follow(response)
    _, answer = form_of(page.text)
    assert sp.accept(answer["SAMLResponse"])["name_id"] == "ada@example.com"
    assert answer["RelayState"] == "home"


def test_idp_initiated_from_the_user_console(interop: Interop, backend: str) -> None:
    interop.update_config(defaultRelayState="/welcome")
    sp = interop.sp()
    console = interop.follow(interop.browser.get(f"{interop.base}/userconsole"))
    assert "BlogIn" in console.text
    page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"))
    _, fields = form_of(page.text)
    identity = sp.accept(fields["SAMLResponse"])
    assert identity["in_response_to"] is None
    assert fields["RelayState"] == "/welcome"
    assert _sso_events(interop)[-1]["idp_initiated"] is True


@pytest.mark.parametrize(
    ("sign_assertion", "sign_response"),
    [(True, False), (False, True), (True, True)],
    ids=["assertion", "response", "both"],
)
def test_each_signing_option_is_accepted_by_an_sp_requiring_it(
    interop: Interop, backend: str, sign_assertion: bool, sign_response: bool
) -> None:
    interop.update_config(signAssertion=sign_assertion, signResponse=sign_response)
    sp = interop.sp(want_assertions_signed=sign_assertion, want_response_signed=sign_response)
    page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"))
    _, fields = form_of(page.text)
    assert sp.accept(fields["SAMLResponse"])["name_id"] == "ada@example.com"
    stricter = interop.sp(want_assertions_signed=True, want_response_signed=True)
    if not (sign_assertion and sign_response):
        page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"))
        with pytest.raises(Rejected):
            stricter.accept(form_of(page.text)[1]["SAMLResponse"])


def test_a_user_outside_the_authorized_groups_gets_the_error_page_not_an_assertion(interop: Interop) -> None:
    interop.sp()
    page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"), login="bob@example.com")
    assert page.status_code == 403
    assert "not authorized" in page.text
    assert "SAMLResponse" not in page.text
    event = _sso_events(interop)[-1]
    assert event["success"] is False and event["error_message"] == "not authorized"


EDGE_CASES = {
    "clock skew": ({"clockSkewMinutes": 30}, "ToEarly"),
    "short validity": ({"shortValiditySeconds": 0}, "ResponseLifetimeExceed"),
    "wrong audience": ({"wrongAudience": True}, "audience"),
    "no signature": ({"noSignature": True}, "ignature"),
    "different key": ({"foreignKey": True}, "ignature"),
    "drop attribute": ({"attributeMode": "drop", "attributeName": "email"}, "required attribute missing: email"),
    "rename attribute": (
        {"attributeMode": "rename", "attributeName": "lastname", "attributeRenameTo": "surname"},
        "required attribute missing: lastname",
    ),
}


@pytest.mark.parametrize("case", EDGE_CASES, ids=list(EDGE_CASES))
def test_each_edge_case_makes_the_sp_reject(interop: Interop, backend: str, case: str) -> None:
    edge, reason = EDGE_CASES[case]
    interop.update_config(edgeCases=edge)
    sp = interop.sp()
    page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"))
    response = form_of(page.text)[1]["SAMLResponse"]
    if case == "short validity":
        import time

        time.sleep(1.1)
    with pytest.raises(Rejected) as rejected:
        sp.accept(response)
    assert reason.lower() in str(rejected.value).lower()
    listing = interop.admin.get(f"{interop.base}/applications")
    assert "Edge cases on" in listing.text


def test_wrong_audience_adds_one_path_segment_to_an_entity_id_ending_in_a_slash(interop: Interop) -> None:
    # BlogIn's SP Entity ID ends in "/": the tracer and BlogIn's error page showed "…45325//wrong-audience".
    interop.sp()
    interop.update_config(spEntityId="https://sp.interop.localhost/", edgeCases={"wrongAudience": True})
    page = interop.follow(interop.browser.get(f"{interop.base}/saml2/{interop.name}"))
    issued = base64.b64decode(form_of(page.text)[1]["SAMLResponse"]).decode()
    assert re.findall(r"<(?:\w+:)?Audience>([^<]*)<", issued) == ["https://sp.interop.localhost/wrong-audience"]


def test_an_authn_request_from_an_unknown_sp_is_refused_and_logged(interop: Interop) -> None:
    interop.update_config(declareRedirectEndpoint=True)
    sp = interop.sp()
    interop.update_config(spEntityId="https://someone-else.example/")
    response = interop.browser.get(sp.redirect_url())
    assert response.status_code == 400
    assert "SP Entity ID" in response.text
    event = _sso_events(interop)[-1]
    assert event["success"] is False
    assert urljoin(interop.base, "/") in event["application"]["sso_url"]
