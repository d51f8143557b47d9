"""BlogIn refuses forms another site makes the browser post, and still takes identity providers' Responses."""

from __future__ import annotations

import httpx

from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import provisioning_gate, save_status
from sandbox.http import http_client

ELSEWHERE = "http://evil.example"


def test_a_sign_in_posted_from_another_site_is_refused_and_signs_nobody_in(sso_sandbox: Sandbox) -> None:
    base = sso_sandbox.blogin.base_url
    with http_client() as browser:
        answer = browser.post(
            f"{base}/login",
            data={"email": "admin@acme.example", "password": "sandbox"},
            headers={"Origin": ELSEWHERE},
        )
        assert answer.status_code == 403
        assert "sent from another site" in answer.text and "nothing was changed" in answer.text
        assert browser.get(f"{base}/settings/sso").status_code in (302, 303)  # still signed out
        # The same form from BlogIn's own page signs in.
        own = browser.post(
            f"{base}/login", data={"email": "admin@acme.example", "password": "sandbox"}, headers={"Origin": base}
        )
        assert own.status_code == 302
        assert browser.get(f"{base}/settings/sso").status_code == 200


def test_a_change_posted_from_another_site_changes_nothing(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    base = sso_sandbox.blogin.base_url
    with sso_sandbox.blogin.database.transaction() as session:
        save_status(session, True, actor="admin@acme.example")
    with sso_sandbox.blogin.database.sessions() as session:
        before = provisioning_gate(session)
    assert before[1]
    answer = admin.post(f"{base}/sso/provisioning/regenerate", headers={"Origin": ELSEWHERE})
    assert answer.status_code == 403 and "sent from another site" in answer.text
    with sso_sandbox.blogin.database.sessions() as session:
        assert provisioning_gate(session) == before  # the Secret token was not regenerated


def test_the_identity_providers_response_is_still_taken_from_its_own_site(sso_sandbox: Sandbox) -> None:
    base = sso_sandbox.blogin.base_url
    with http_client() as browser:
        # Not a forgery check: the ACS answers with its own verdict on the (empty) Response.
        answer = browser.post(
            f"{base}/sso/saml/callback",
            data={"SAMLResponse": ""},
            headers={"Origin": "http://console.jumpcloud.localhost"},
        )
        assert "sent from another site" not in answer.text
        assert answer.status_code == 400 and "Failed check" in answer.text
