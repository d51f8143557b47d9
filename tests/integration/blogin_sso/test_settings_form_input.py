"""The Single Sign-On tab given what a tester might paste: addresses with a space, a bad port or an
unclosed IPv6 bracket, control characters, values longer than BlogIn keeps. Each is a field message, the
input stays in the form, and nothing is saved (never a server error)."""

from __future__ import annotations

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.saml.keys import KeyPair, generate_key_pair
from sandbox.saml.metadata import build_idp_metadata
from tests.integration.blogin_sso.conftest import configure, field_errors


@pytest.fixture(scope="module")
def idp_pair() -> KeyPair:
    return generate_key_pair("Pasted IdP")


def manual(admin: httpx.Client, sandbox: Sandbox, pair: KeyPair, **fields: str) -> httpx.Response:
    values = {
        "method": "manual",
        "sso_url": "https://idp.pasted.test/sso",
        "issuer": "https://idp.pasted.test/",
        "certificate": pair.certificate_pem,
        **fields,
    }
    return configure(admin, sandbox, None, **values)


def tab_text(admin: httpx.Client, sandbox: Sandbox) -> str:
    return admin.get(f"{sandbox.blogin.base_url}/settings/sso").text


@pytest.mark.parametrize(
    ("sso_url", "said"),
    [
        ("https://idp.pasted.test/sso path", "contains a space or a control character"),
        ("https://idp.pasted.test:99999/sso", "This is not a valid address (Port out of range"),
        ("https://[::1/sso", "This is not a valid address (Invalid IPv6 URL)"),
        ("https://idp.pasted.test/" + "a" * 2100, "characters long; BlogIn keeps at most 2,048."),
        ("ftp://idp.pasted.test/sso", "It must be an http:// or https:// address."),
    ],
)
def test_an_sso_url_that_cannot_be_used_is_named_and_kept_in_the_form(
    admin: httpx.Client, sso_sandbox: Sandbox, idp_pair: KeyPair, sso_url: str, said: str
) -> None:
    answer = manual(admin, sso_sandbox, idp_pair, sso_url=sso_url, issuer="urn:kept:issuer")
    assert answer.status_code == 400
    assert said in field_errors(answer.text)["sso_url"]
    # What was typed is still there to correct.
    assert 'value="urn:kept:issuer"' in answer.text
    assert sso_url[:60] in answer.text


def test_a_metadata_url_with_an_unclosed_bracket_is_a_field_message(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url="http://[::1/metadata")
    assert answer.status_code == 400
    assert field_errors(answer.text)["metadata_url"] == (
        "The Metadata URL cannot be used. This is not a valid address (Invalid IPv6 URL)."
    )


def test_control_characters_and_an_overlong_issuer_are_field_messages(
    admin: httpx.Client, sso_sandbox: Sandbox, idp_pair: KeyPair
) -> None:
    answer = manual(admin, sso_sandbox, idp_pair, issuer="urn:nul\x00issuer")
    assert answer.status_code == 400
    assert "contains a control character" in field_errors(answer.text)["issuer"]
    answer = manual(admin, sso_sandbox, idp_pair, issuer="urn:" + "i" * 1100)
    assert answer.status_code == 400
    assert field_errors(answer.text)["issuer"] == "This Issuer is 1,104 characters long; BlogIn keeps at most 1,024."
    answer = manual(admin, sso_sandbox, idp_pair, name="Okta\x07")
    assert answer.status_code == 400
    assert "no control characters" in field_errors(answer.text)["name"]
    assert "urn:" + "i" * 1100 not in tab_text(admin, sso_sandbox)


def test_metadata_naming_an_entity_id_longer_than_blogin_keeps_is_refused(
    admin: httpx.Client, sso_sandbox: Sandbox, idp_pair: KeyPair
) -> None:
    entity_id = "https://idp.pasted.test/" + "e" * 1100
    metadata = build_idp_metadata(entity_id, "https://idp.pasted.test/sso", idp_pair.certificate_pem)
    answer = configure(admin, sso_sandbox, metadata)
    assert answer.status_code == 400
    assert (
        "entity ID is 1,124 characters long; BlogIn keeps at most 1,024" in field_errors(answer.text)["metadata_file"]
    )
    assert entity_id not in tab_text(admin, sso_sandbox)


def test_a_well_formed_manual_entry_still_saves(admin: httpx.Client, sso_sandbox: Sandbox, idp_pair: KeyPair) -> None:
    answer = manual(admin, sso_sandbox, idp_pair, sso_url="https://idp.pasted.test:8443/sso?tenant=acme")
    assert answer.status_code == 302, field_errors(answer.text)
    assert "https://idp.pasted.test:8443/sso?tenant=acme" in tab_text(admin, sso_sandbox)


def test_the_configuration_name_on_the_login_page_stays_in_the_card(
    admin: httpx.Client, sso_sandbox: Sandbox, idp_pair: KeyPair
) -> None:
    name = "Acme\u202eOkta" + "N" * 100
    assert manual(admin, sso_sandbox, idp_pair, enabled="on", name=name).status_code == 302
    try:
        with http_client() as visitor:
            login = visitor.get(f"{sso_sandbox.blogin.base_url}/login").text
        # Its own line, wrapping inside the card (blogin.css), the override shown rather than obeyed.
        expected = (
            '<div class="sso-via">via <bdi>Acme<span class="control-char" '
            f'title="U+202E RIGHT-TO-LEFT OVERRIDE">RLO</span>Okta{"N" * 100}</bdi></div>'
        )
        assert expected in login
    finally:
        assert manual(admin, sso_sandbox, idp_pair, enabled=None, name="").status_code == 302
