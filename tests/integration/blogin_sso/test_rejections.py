"""Every response BlogIn must refuse, each with the failed check named on the page a tester sees."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from lxml import etree
from saml2 import BINDING_HTTP_REDIRECT

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.saml.keys import KeyPair, sha256_fingerprint
from tests.integration.blogin_sso.conftest import configure, post_to_acs, sp, sp_initiated_request, unescape
from tests.integration.blogin_sso.idp import NS, TestIdentityProvider, shift_times

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


@pytest.fixture(autouse=True)
def sso_on(admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    assert configure(admin, sso_sandbox, idp.metadata()).status_code == 302


def refused(answer: httpx.Response, *fragments: str) -> str:
    """The rejection page's text, after checking it names every fragment."""
    assert answer.status_code in (400, 403), answer.text
    text = unescape(answer.text)
    assert "Failed check" in text
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not on the page:\n{text}"
    return text


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def set_text(xpath: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for element in root.xpath(xpath, namespaces=NS):
            element.text = value

    return mutate


def set_attribute(xpath: str, name: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for element in root.xpath(xpath, namespaces=NS):
            element.set(name, value)

    return mutate


def test_signed_with_another_certificate(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider, idp_keys: KeyPair, other_keys: KeyPair
) -> None:
    saml_response = idp.signed_response(email="x@acme.example", keys=other_keys, **sp(sso_sandbox))
    refused(
        post_to_acs(browser, sso_sandbox, saml_response),
        "signing certificate",
        f"fingerprint is {sha256_fingerprint(other_keys.certificate_pem)}",
        f"expected {sha256_fingerprint(idp_keys.certificate_pem)}",
    )


def test_unsigned_response(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(email="x@acme.example", assertion=False, response=False, **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, saml_response), "The assertion is not signed", "assertion signed")


def test_assertion_only_signed_when_both_are_required(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    configure(admin, sso_sandbox, idp.metadata(), signatures_required="both")
    saml_response = idp.signed_response(email="x@acme.example", **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, saml_response), "The response is not signed")


def test_altered_after_signing(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    xml = idp.sign(idp.response_xml(email="mallory@acme.example", **sp(sso_sandbox)), assertion=True, response=False)
    tampered = xml.replace("mallory@acme.example", "admin@acme.example")
    refused(post_to_acs(browser, sso_sandbox, encode(tampered)), "does not verify", "changed after signing")


def test_expired_assertion(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(
        email="x@acme.example", mutate=shift_times(not_on_or_after=timedelta(minutes=-10)), **sp(sso_sandbox)
    )
    text = refused(post_to_acs(browser, sso_sandbox, saml_response), "validity window", "The assertion expired at")
    assert "UTC; this server's clock says" in text
    assert "allowed skew 60 s" in text


def test_not_yet_valid_assertion(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(
        email="x@acme.example", mutate=shift_times(not_before=timedelta(minutes=10)), **sp(sso_sandbox)
    )
    refused(post_to_acs(browser, sso_sandbox, saml_response), "is not valid before", "allowed skew 60 s")


@pytest.mark.parametrize(
    "shift",
    [
        {"not_on_or_after": timedelta(seconds=-20), "not_before": timedelta(minutes=-5)},
        {"not_before": timedelta(seconds=20)},
    ],
    ids=["just-expired", "just-early"],
)
def test_within_the_allowed_skew_is_accepted(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider, shift: dict[str, timedelta]
) -> None:
    saml_response = idp.signed_response(email="skew@acme.example", mutate=shift_times(**shift), **sp(sso_sandbox))
    assert post_to_acs(browser, sso_sandbox, saml_response).status_code == 303


def test_skew_zero_refuses_what_sixty_seconds_allowed(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    configure(admin, sso_sandbox, idp.metadata(), allowed_skew_s="0")
    saml_response = idp.signed_response(
        email="skew@acme.example",
        mutate=shift_times(not_on_or_after=timedelta(seconds=-20), not_before=timedelta(minutes=-5)),
        **sp(sso_sandbox),
    )
    refused(post_to_acs(browser, sso_sandbox, saml_response), "The assertion expired at", "allowed skew 0 s")


def test_wrong_audience(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(
        email="x@acme.example",
        mutate=set_text(".//saml:Audience", "https://other.blogin.co/"),
        **sp(sso_sandbox),
    )
    refused(
        post_to_acs(browser, sso_sandbox, saml_response),
        "audience",
        "meant for audience https://other.blogin.co/",
        f"entity ID is {sso_sandbox.blogin.base_url}/",
    )


def test_wrong_destination(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(
        email="x@acme.example",
        response=True,
        mutate=set_attribute(".", "Destination", "https://other.example/acs"),
        **sp(sso_sandbox),
    )
    refused(post_to_acs(browser, sso_sandbox, saml_response), "destination", "addressed to https://other.example/acs")


def test_wrong_recipient(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(
        email="x@acme.example",
        mutate=set_attribute(".//saml:SubjectConfirmationData", "Recipient", "https://other.example/acs"),
        **sp(sso_sandbox),
    )
    refused(post_to_acs(browser, sso_sandbox, saml_response), "recipient", "Recipient is https://other.example/acs")


def test_wrong_issuer(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(
        email="x@acme.example", mutate=set_text(".//saml:Issuer", "https://evil.example/idp"), **sp(sso_sandbox)
    )
    refused(
        post_to_acs(browser, sso_sandbox, saml_response),
        "issuer",
        "issued by “https://evil.example/idp”",
        f"trusts only “{idp.entity_id}”",
    )


def test_unknown_in_response_to(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(
        email="x@acme.example", in_response_to="id-never-sent-by-blogin", **sp(sso_sandbox)
    )
    refused(
        post_to_acs(browser, sso_sandbox, saml_response),
        "InResponseTo",
        "AuthnRequest id-never-sent-by-blogin, which this BlogIn never sent",
    )


def test_each_request_is_answered_once(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    _binding, saml_request, relay_state = sp_initiated_request(browser, sso_sandbox)
    request_id = idp.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message.id
    first = idp.signed_response(email="once@acme.example", in_response_to=request_id, **sp(sso_sandbox))
    assert post_to_acs(browser, sso_sandbox, first, relay_state).status_code == 303
    second = idp.signed_response(email="once@acme.example", in_response_to=request_id, **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, second, relay_state), "InResponseTo", "already answered at")


def test_replayed_assertion(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(email="replay@acme.example", **sp(sso_sandbox))
    assert post_to_acs(browser, sso_sandbox, saml_response).status_code == 303
    refused(post_to_acs(browser, sso_sandbox, saml_response), "replay", "was already used to sign in at")


def test_deactivated_user_is_not_reactivated(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    first = idp.signed_response(email="gone@acme.example", **sp(sso_sandbox))
    assert post_to_acs(browser, sso_sandbox, first).status_code == 303
    with sso_sandbox.blogin.database.transaction() as session:
        user = session.query(User).filter_by(user_name_key="gone@acme.example").one()
        user.active = False
    again = idp.signed_response(email="gone@acme.example", **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, again), "account status", "is deactivated", "does not re-activate")
    with sso_sandbox.blogin.database.sessions() as session:
        assert session.query(User).filter_by(user_name_key="gone@acme.example").one().active is False


def test_jit_off_refuses_unknown_users(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    configure(admin, sso_sandbox, idp.metadata(), jit_enabled=None)
    saml_response = idp.signed_response(email="stranger@acme.example", **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, saml_response), "JIT provisioning is off", "has no BlogIn account")
    with sso_sandbox.blogin.database.sessions() as session:
        assert session.query(User).filter_by(user_name_key="stranger@acme.example").first() is None


def test_idp_initiated_off(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    configure(admin, sso_sandbox, idp.metadata(), idp_initiated_allowed=None)
    saml_response = idp.signed_response(email="x@acme.example", **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, saml_response), "IdP-initiated sign-in is turned off")


def test_sso_off(admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    configure(admin, sso_sandbox, None, enabled=None)
    saml_response = idp.signed_response(email="x@acme.example", **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, saml_response), "Single sign-on is turned off")
    assert "Log in with SSO" not in browser.get(f"{sso_sandbox.blogin.base_url}/login").text


def test_not_base64(browser: httpx.Client, sso_sandbox: Sandbox) -> None:
    refused(post_to_acs(browser, sso_sandbox, "%%% not base64 %%%"), "not valid base64")


def test_entity_expansion_in_a_response(browser: httpx.Client, sso_sandbox: Sandbox) -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<samlp:Response xmlns:samlp="{SAMLP}" ID="x" Version="2.0">&b;</samlp:Response>'
    )
    refused(post_to_acs(browser, sso_sandbox, encode(xml)), "XML parsing", "DTD")


def test_external_entity_in_a_response(browser: httpx.Client, sso_sandbox: Sandbox) -> None:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<samlp:Response xmlns:samlp="{SAMLP}" ID="x" Version="2.0">&x;</samlp:Response>'
    )
    text = refused(post_to_acs(browser, sso_sandbox, encode(xml)), "DTD")
    assert "root:" not in text


def test_comment_injected_into_the_name_id(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    # Signed for admin@acme.example.evil.test; a comment inserted afterwards keeps the signature valid.
    xml = idp.sign(
        idp.response_xml(email="admin@acme.example.evil.test", **sp(sso_sandbox)), assertion=True, response=False
    )
    injected = xml.replace("admin@acme.example.evil.test<", "admin@acme.example<!---->.evil.test<", 1)
    assert injected != xml
    answer = post_to_acs(browser, sso_sandbox, encode(injected))
    assert answer.status_code == 303  # the signed address is read whole, comment or not
    profile = browser.get(f"{sso_sandbox.blogin.base_url}/profile").text
    assert "admin@acme.example.evil.test" in profile
    assert "Acme Admin" not in profile


# -- XML signature wrapping ------------------------------------------------------------------------------


def _signed_tree(idp: TestIdentityProvider, sandbox: Sandbox, email: str = "mallory@acme.example") -> etree._Element:
    xml = idp.sign(idp.response_xml(email=email, **sp(sandbox)), assertion=True, response=False)
    return etree.fromstring(xml.encode())


def _evil_copy(assertion: etree._Element, new_id: str | None) -> etree._Element:
    evil = copy.deepcopy(assertion)
    for signature in evil.findall("ds:Signature", NS):
        evil.remove(signature)
    evil.find("saml:Subject/saml:NameID", NS).text = "admin@acme.example"
    if new_id:
        evil.set("ID", new_id)
    return evil


def xsw_second_assertion_first(root: etree._Element) -> None:
    """An unsigned forged assertion placed before the signed one."""
    assertion = root.find("saml:Assertion", NS)
    assertion.addprevious(_evil_copy(assertion, "_evil"))


def xsw_original_hidden_in_extensions(root: etree._Element) -> None:
    """The signed assertion moved into samlp:Extensions; a forged one with the same ID takes its place."""
    assertion = root.find("saml:Assertion", NS)
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    root.find("saml:Issuer", NS).addnext(extensions)
    assertion.addprevious(_evil_copy(assertion, None))
    extensions.append(assertion)


def xsw_original_inside_the_signature(root: etree._Element) -> None:
    """A forged assertion carrying the original signature, with the signed original inside ds:Object."""
    assertion = root.find("saml:Assertion", NS)
    evil = _evil_copy(assertion, "_evil")
    signature = copy.deepcopy(assertion.find("ds:Signature", NS))
    evil.find("saml:Issuer", NS).addnext(signature)
    holder = etree.SubElement(signature, "{http://www.w3.org/2000/09/xmldsig#}Object")
    root.replace(assertion, evil)
    holder.append(assertion)


def xsw_same_id_replaced(root: etree._Element) -> None:
    """The signed assertion's content rewritten in place (same ID, same signature)."""
    root.find("saml:Assertion/saml:Subject/saml:NameID", NS).text = "admin@acme.example"


@pytest.mark.parametrize(
    ("wrap", "reason"),
    [
        (xsw_second_assertion_first, "this response carries 2"),
        (xsw_original_hidden_in_extensions, "this response carries 2"),
        (xsw_original_inside_the_signature, "this response carries 2"),
        (xsw_same_id_replaced, "does not verify"),
    ],
    ids=["second-assertion", "extensions", "signature-object", "same-id"],
)
def test_signature_wrapping_is_refused(
    browser: httpx.Client,
    sso_sandbox: Sandbox,
    idp: TestIdentityProvider,
    wrap: Callable[[etree._Element], None],
    reason: str,
) -> None:
    root = _signed_tree(idp, sso_sandbox)
    wrap(root)
    answer = post_to_acs(browser, sso_sandbox, encode(etree.tostring(root).decode()))
    refused(answer, reason)
    with sso_sandbox.blogin.database.sessions() as session:
        assert session.get(User, "admin@acme.example") is None


def test_rejection_is_kept_as_trace_and_audit_event(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    saml_response = idp.signed_response(
        email="audited@acme.example", mutate=set_text(".//saml:Audience", "https://nope/"), **sp(sso_sandbox)
    )
    refused(post_to_acs(browser, sso_sandbox, saml_response), "audience")
    trace = sso_sandbox.blogin.recent_traces("saml", 1)[-1]
    assert trace.data["verdict"] == "rejected"
    assert "meant for audience https://nope/" in trace.data["reason"]
    assert "audited@acme.example" in trace.data["xml"]
    event = [e for e in sso_sandbox.blogin.recent_events(20) if e.event_type == "sso_login_failed"][-1]
    assert event.success is False
    assert event.data["detail"]["check"] == "audience"
    assert event.data["detail"]["message"]["name_id"] == "audited@acme.example"
    assert event.data["detail"]["message"]["audiences"] == ["https://nope/"]


def test_the_refused_message_names_the_audit_event_it_explains(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider, other_keys: KeyPair
) -> None:
    saml_response = idp.signed_response(email="linked@acme.example", keys=other_keys, **sp(sso_sandbox))
    refused(post_to_acs(browser, sso_sandbox, saml_response), "signing certificate")
    event = [e for e in sso_sandbox.blogin.recent_events() if e.event_type == "sso_login_failed"][-1]
    with sso_sandbox.blogin.database.sessions() as session:
        trace = sso_sandbox.blogin.traces.recent(session, "saml")[-1]
    # The desktop opens the one from the other: the event log's "Open related message", the tracer's event.
    assert trace.success is False and trace.summary.startswith("Response rejected")
    assert trace.related_id == event.id
