"""Signing in to BlogIn with SAML from an independent IdP: SP- and IdP-initiated, each signing option, JIT."""

from __future__ import annotations

import httpx
import pytest
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from tests.integration.blogin_sso.conftest import configure, post_to_acs, sp, sp_initiated_request
from tests.integration.blogin_sso.idp import TestIdentityProvider

ATTRIBUTES = {
    "email": ["ada@acme.example"],
    "firstname": ["Ada"],
    "lastname": ["Lovelace"],
    "title": ["Analyst"],
    "phone": ["+44 20 7946 0000"],
}


def user_named(sandbox: Sandbox, email: str) -> User | None:
    with sandbox.blogin.database.sessions() as session:
        return session.scalars(select(User).where(User.user_name_key == email.lower())).first()


@pytest.fixture(autouse=True)
def sso_on(admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    response = configure(admin, sso_sandbox, idp.metadata())
    assert response.status_code == 302, response.text


def test_login_page_offers_sso_and_password(browser: httpx.Client, sso_sandbox: Sandbox) -> None:
    page = browser.get(f"{sso_sandbox.blogin.base_url}/login", params={"next": "/profile"})
    assert "Log in with SSO" in page.text
    assert "/sso/saml/login?next=/profile" in page.text
    assert 'name="password"' in page.text  # administrators can always bypass SSO here


@pytest.mark.parametrize(
    ("required", "assertion", "response"),
    [("assertion", True, False), ("response", False, True), ("both", True, True)],
)
def test_sp_initiated_sign_in_for_each_signing_option(
    admin: httpx.Client,
    browser: httpx.Client,
    sso_sandbox: Sandbox,
    idp: TestIdentityProvider,
    required: str,
    assertion: bool,
    response: bool,
) -> None:
    configure(admin, sso_sandbox, idp.metadata(), signatures_required=required)
    binding, saml_request, relay_state = sp_initiated_request(browser, sso_sandbox, "/profile")
    assert binding == BINDING_HTTP_REDIRECT
    request = idp.parse_authn_request(saml_request, binding)
    email = f"sp-{required}@acme.example"
    saml_response = idp.signed_response(
        assertion=assertion,
        response=response,
        email=email,
        in_response_to=request.message.id,
        attributes={**ATTRIBUTES, "email": [email]},
        **sp(sso_sandbox),
    )
    answer = post_to_acs(browser, sso_sandbox, saml_response, relay_state)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/profile"
    profile = browser.get(f"{sso_sandbox.blogin.base_url}/profile")
    assert profile.status_code == 200
    assert email in profile.text
    assert "What the SAML assertion delivered" in profile.text
    assert "Lovelace" in profile.text
    assert idp.entity_id in profile.text


def test_sp_initiated_uses_http_post_when_the_idp_declares_only_that(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    configure(admin, sso_sandbox, idp.metadata(bindings=(BINDING_HTTP_POST,)))
    binding, saml_request, relay_state = sp_initiated_request(browser, sso_sandbox, "/")
    assert binding == BINDING_HTTP_POST
    assert relay_state == "/"
    request = idp.parse_authn_request(saml_request, binding)
    assert request.message.assertion_consumer_service_url == f"{sso_sandbox.blogin.base_url}/sso/saml/callback"
    saml_response = idp.signed_response(
        email="poster@acme.example", in_response_to=request.message.id, **sp(sso_sandbox)
    )
    assert post_to_acs(browser, sso_sandbox, saml_response, relay_state).status_code == 303


def test_idp_initiated_sign_in_creates_the_user_by_jit(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    saml_response = idp.signed_response(email="ada@acme.example", attributes=ATTRIBUTES, **sp(sso_sandbox))
    answer = post_to_acs(browser, sso_sandbox, saml_response)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert "Welcome to the Acme blog" in browser.get(f"{sso_sandbox.blogin.base_url}/").text
    user = user_named(sso_sandbox, "ada@acme.example")
    assert user is not None
    assert (user.source, user.role, user.given_name, user.family_name, user.title, user.phone) == (
        "JIT",
        "Writer",
        "Ada",
        "Lovelace",
        "Analyst",
        "+44 20 7946 0000",
    )


def test_later_logins_update_the_attributes(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    first = idp.signed_response(
        email="grace@acme.example", attributes={**ATTRIBUTES, "email": ["grace@acme.example"]}, **sp(sso_sandbox)
    )
    assert post_to_acs(browser, sso_sandbox, first).status_code == 303
    changed = {**ATTRIBUTES, "email": ["grace@acme.example"], "title": ["Rear Admiral"], "lastname": ["Hopper"]}
    second = idp.signed_response(email="grace@acme.example", attributes=changed, **sp(sso_sandbox))
    assert post_to_acs(browser, sso_sandbox, second).status_code == 303
    user = user_named(sso_sandbox, "grace@acme.example")
    assert user is not None
    assert (user.title, user.family_name, user.source) == ("Rear Admiral", "Hopper", "JIT")


def test_accepted_response_is_traced(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    _binding, saml_request, relay_state = sp_initiated_request(browser, sso_sandbox, "/")
    request = idp.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
    saml_response = idp.signed_response(
        email="traced@acme.example", in_response_to=request.message.id, **sp(sso_sandbox)
    )
    assert post_to_acs(browser, sso_sandbox, saml_response, relay_state).status_code == 303
    traces = sso_sandbox.blogin.recent_traces("saml", 10)
    sent = [t for t in traces if t.data["message_type"] == "AuthnRequest" and t.data["flow_id"] == request.message.id]
    received = [t for t in traces if t.data["message_type"] == "Response" and t.data["flow_id"] == request.message.id]
    assert sent and sent[0].data["direction"] == "sent"
    assert received and received[0].data["verdict"] == "accepted"
    assert any(check["name"] == "signature" and check["ok"] for check in received[0].data["checks"])


def test_logout_ends_the_sso_session(browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    saml_response = idp.signed_response(email="leaving@acme.example", **sp(sso_sandbox))
    assert post_to_acs(browser, sso_sandbox, saml_response).status_code == 303
    assert browser.post(f"{sso_sandbox.blogin.base_url}/logout").status_code == 302
    assert browser.get(f"{sso_sandbox.blogin.base_url}/profile").status_code == 302
