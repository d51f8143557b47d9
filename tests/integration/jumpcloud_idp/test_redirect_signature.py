"""SP-initiated sign-in with a signed HTTP-Redirect AuthnRequest, over HTTP against the running sandbox.

The independent SP (pysaml2's ``Saml2Client``, its own keys) signs the query string as pysaml2 does;
JumpCloud checks that signature with the SP certificate uploaded in the SP's metadata. What a tester
sees for each refusal: JumpCloud's error page, a failed ``sso_auth`` event and the captured request.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from saml2 import BINDING_HTTP_REDIRECT
from saml2.xmldsig import SIG_RSA_SHA256, SIG_RSA_SHA512

from sandbox.jumpcloud.models import DirectoryInsightsEvent, Trace
from tests.integration.jumpcloud_idp.conftest import Interop
from tests.integration.jumpcloud_idp.independent_sp import ACS_URL, IndependentSp, form_of

DSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#dsa-sha1"


def _signed_url(sp: IndependentSp, relay_state: str, sigalg: str = SIG_RSA_SHA256) -> str:
    """Where the SP sends the browser: an AuthnRequest with ``SigAlg`` and ``Signature`` in the query."""
    request_id, info = sp.client.prepare_for_authenticate(
        relay_state=relay_state, binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=sigalg
    )
    sp.outstanding[request_id] = "/"
    url = str(dict(info["headers"])["Location"])
    assert "&Signature=" in url and "&SigAlg=" in url
    return url


def _with(url: str, name: str, raw_value: str | None) -> str:
    """``url`` with one query parameter's raw value replaced, or the parameter left out (``None``)."""
    base, _, query = url.partition("?")
    pieces = [piece for piece in query.split("&") if raw_value is not None or not piece.startswith(f"{name}=")]
    return base + "?" + "&".join(f"{name}={raw_value}" if piece.startswith(f"{name}=") else piece for piece in pieces)


def _last_sso_event(interop: Interop) -> dict[str, Any]:
    with interop.sandbox.jumpcloud.database.sessions() as session:
        rows = (
            session.query(DirectoryInsightsEvent).filter_by(event_type="sso_auth").order_by(DirectoryInsightsEvent.seq)
        )
        return [row.record for row in rows if row.record["application"]["id"] == interop.application_id][-1]


@dataclass(frozen=True)
class CapturedRequest:
    success: bool
    related_id: str | None
    data: dict[str, Any]


def _last_request_trace(interop: Interop) -> CapturedRequest:
    """The AuthnRequest JumpCloud captured last for this application, as the SAML tracer shows it."""
    with interop.sandbox.jumpcloud.database.sessions() as session:
        traces = [
            CapturedRequest(trace.success, trace.related_id, trace.data)
            for trace in session.query(Trace).filter_by(kind="saml").order_by(Trace.seq)
            if trace.data["application"] == interop.name and trace.data["message_type"] == "AuthnRequest"
        ]
    return traces[-1]


@pytest.fixture(autouse=True)
def _declare_redirect_endpoint(interop: Interop) -> None:
    """Declare Redirect Endpoint ticked, so the SP finds HTTP-Redirect in JumpCloud's metadata."""
    interop.update_config(declareRedirectEndpoint=True)


def _assert_refused(interop: Interop, url: str, words: str) -> None:
    """The request is refused with JumpCloud's error page, a failed event and a rejected capture naming ``words``."""
    response = interop.browser.get(url)
    assert response.status_code == 400
    page = unescape(response.text)
    assert "Single sign-on failed" in page
    assert words in page
    assert "SAMLResponse" not in page
    event = _last_sso_event(interop)
    assert event["success"] is False
    assert words in event["error_message"]
    assert event["idp_initiated"] is False
    trace = _last_request_trace(interop)
    assert trace.success is False and trace.related_id == event["id"]
    assert trace.data["verdict"] == "rejected" and trace.data["binding"] == "HTTP-Redirect"
    assert words in trace.data["reason"]
    assert "AuthnRequest" in trace.data["xml"]


def test_a_signed_redirect_request_signs_the_user_in(interop: Interop) -> None:
    sp = interop.sp()
    page = interop.follow(interop.browser.get(_signed_url(sp, "/posts/42?tab=new posts")))
    assert page.status_code == 200
    action, fields = form_of(page.text)
    assert action == ACS_URL
    assert fields["RelayState"] == "/posts/42?tab=new posts"
    assert sp.accept(fields["SAMLResponse"])["name_id"] == "ada@example.com"
    assert _last_sso_event(interop)["success"] is True
    trace = _last_request_trace(interop)
    assert trace.data["verdict"] == "accepted"
    signature = next(check for check in trace.data["checks"] if check["name"] == "signature")
    assert signature == {
        "name": "signature",
        "ok": True,
        "detail": "its RSA-SHA256 signature over the query string verifies with the SP certificate",
    }


def test_an_sp_signing_with_rsa_sha512_is_accepted(interop: Interop) -> None:
    sp = interop.sp()
    page = interop.follow(interop.browser.get(_signed_url(sp, "/feed", sigalg=SIG_RSA_SHA512)))
    assert page.status_code == 200
    assert sp.accept(form_of(page.text)[1]["SAMLResponse"])["name_id"] == "ada@example.com"


def test_the_query_is_verified_as_sent_by_an_sp_encoding_unlike_python(interop: Interop) -> None:
    """Lower-case escapes and %20: another valid URL encoding, which a check re-encoding the values would refuse."""
    sp = interop.sp()
    url = _signed_url(sp, "/posts/42?tab=new posts")
    values = {
        name: unquote_plus(value) for name, _, value in (piece.partition("=") for piece in url.split("?")[1].split("&"))
    }
    pieces = [f"{name}={_lower_hex(values[name])}" for name in ("SAMLRequest", "RelayState", "SigAlg")]
    key = serialization.load_pem_private_key(sp.keys.private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign("&".join(pieces).encode(), padding.PKCS1v15(), hashes.SHA256())
    query = "&".join([*pieces, f"Signature={_lower_hex(base64.b64encode(signature).decode())}"])
    assert "%2f" in query and "%20" in query and query not in url
    page = interop.follow(interop.browser.get(f"{url.split('?')[0]}?{query}"))
    assert page.status_code == 200
    fields = form_of(page.text)[1]
    assert fields["RelayState"] == "/posts/42?tab=new posts"
    assert sp.accept(fields["SAMLResponse"])["name_id"] == "ada@example.com"


def _lower_hex(value: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group(0).lower(), quote(value, safe=""))


def test_a_relay_state_changed_after_signing_is_refused(interop: Interop) -> None:
    sp = interop.sp()
    url = _with(_signed_url(sp, "/posts/42"), "RelayState", quote_plus("https://evil.example/"))
    _assert_refused(interop, url, "its RSA-SHA256 signature over the query string does not verify")


def test_a_saml_request_changed_after_signing_is_refused(interop: Interop) -> None:
    sp = interop.sp()
    other = _signed_url(sp, "/feed").partition("SAMLRequest=")[2].partition("&")[0]
    url = _with(_signed_url(sp, "/feed"), "SAMLRequest", other)
    _assert_refused(interop, url, "does not verify with the application's SP certificate")


def test_a_request_signed_by_another_key_is_refused(interop: Interop) -> None:
    interop.sp()
    # Same entity ID, its own key pair: not the certificate uploaded to the application.
    impostor = IndependentSp(interop.metadata())
    try:
        _assert_refused(interop, _signed_url(impostor, "/feed"), "or it was signed with another key")
    finally:
        impostor.close()


def test_a_signature_without_its_sig_alg_is_refused(interop: Interop) -> None:
    sp = interop.sp()
    url = _with(_signed_url(sp, "/feed"), "SigAlg", None)
    _assert_refused(interop, url, "its query string has a Signature but no SigAlg")


def test_an_unknown_signature_algorithm_is_refused_by_name(interop: Interop) -> None:
    sp = interop.sp()
    url = _with(_signed_url(sp, "/feed"), "SigAlg", quote_plus(DSA_SHA1))
    _assert_refused(interop, url, f"its SigAlg {DSA_SHA1} is not a signature algorithm JumpCloud accepts")


def test_without_an_sp_certificate_a_signed_request_is_refused_and_an_unsigned_one_accepted(interop: Interop) -> None:
    sp = interop.sp()
    interop.update_config(spCertificate="")
    _assert_refused(interop, _signed_url(sp, "/feed"), "but this application has no SP certificate")
    page = interop.follow(interop.browser.get(sp.redirect_url(relay_state="/feed")))
    assert page.status_code == 200
    assert sp.accept(form_of(page.text)[1]["SAMLResponse"])["name_id"] == "ada@example.com"
