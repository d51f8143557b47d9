"""Settings › User Authentication › Configure SSO & User provisioning › Single Sign-On."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.sso import metadata_fetch
from sandbox.saml.keys import KeyPair, generate_key_pair, sha256_fingerprint
from sandbox.saml.metadata import build_sp_metadata
from tests.integration.blogin_sso.conftest import MetadataHost, configure, field_errors, unescape
from tests.integration.blogin_sso.idp import TestIdentityProvider


def tab(admin: httpx.Client, sandbox: Sandbox) -> str:
    page = admin.get(f"{sandbox.blogin.base_url}/settings/sso")
    assert page.status_code == 200
    return unescape(page.text)


def test_tab_uses_the_guides_words(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    text = tab(admin, sso_sandbox)
    for words in (
        "Single Sign-On",
        "User Provisioning",
        "SINGLE SIGN-ON STATUS",
        "Identity Provider Configuration Data",
        "Download Metadata as file (xml)",
        "CONFIGURATION METHOD",
        "Metadata URL",
        "Default User Role",
        "SAVE CHANGES",
        f"{sso_sandbox.blogin.base_url}/",
        f"{sso_sandbox.blogin.base_url}/sso/saml/callback",
    ):
        assert words in text


def test_only_administrators_see_the_tab(browser: httpx.Client, sso_sandbox: Sandbox) -> None:
    answer = browser.get(f"{sso_sandbox.blogin.base_url}/settings/sso")
    assert answer.status_code == 302
    assert "/login" in answer.headers["location"]


def test_downloaded_metadata_is_sp_metadata_with_the_shown_certificate(
    admin: httpx.Client, sso_sandbox: Sandbox
) -> None:
    download = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso/metadata.xml")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    xml = download.text
    assert f'entityID="{sso_sandbox.blogin.base_url}/"' in xml
    assert f'Location="{sso_sandbox.blogin.base_url}/sso/saml/callback"' in xml
    from lxml import etree

    root = etree.fromstring(xml.encode())
    cert = root.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    assert sha256_fingerprint(cert) in tab(admin, sso_sandbox)
    # pysaml2 itself reads it as SP metadata
    from saml2.mdstore import MetadataStore

    store = MetadataStore(None, None)
    store.load("inline", xml)
    assert store.assertion_consumer_service(f"{sso_sandbox.blogin.base_url}/")


def test_rotating_the_certificate_changes_the_metadata(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    before = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso/metadata.xml").text
    answer = admin.post(f"{sso_sandbox.blogin.base_url}/settings/sso/rotate-certificate")
    assert answer.status_code == 302
    after = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso/metadata.xml").text
    assert before != after
    assert "A new service provider certificate is in use" in tab(admin, sso_sandbox)


def test_metadata_url_is_fetched_on_save_and_shown(
    admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider, metadata_host: MetadataHost, idp_keys: KeyPair
) -> None:
    metadata_host.documents["/jumpcloud/metadata"] = (200, idp.metadata(), 0.0)
    answer = configure(
        admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/jumpcloud/metadata")
    )
    assert answer.status_code == 302, field_errors(answer.text)
    text = tab(admin, sso_sandbox)
    assert idp.entity_id in text
    assert idp.sso_url in text
    assert sha256_fingerprint(idp_keys.certificate_pem) in text
    assert "Single sign-on settings saved." in text or "valid" in text


def test_refetch_picks_up_a_new_certificate(
    admin: httpx.Client,
    sso_sandbox: Sandbox,
    idp: TestIdentityProvider,
    metadata_host: MetadataHost,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    metadata_host.documents["/rolling"] = (200, idp.metadata(), 0.0)
    assert (
        configure(
            admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/rolling")
        ).status_code
        == 302
    )
    new_keys = generate_key_pair("Test IdP rolled")
    rolled = TestIdentityProvider(tmp_path_factory.mktemp("rolled"), new_keys)
    metadata_host.documents["/rolling"] = (200, rolled.metadata(), 0.0)
    assert admin.post(f"{sso_sandbox.blogin.base_url}/settings/sso/refetch").status_code == 302
    text = tab(admin, sso_sandbox)
    assert "fetched again and is now in use" in text
    assert sha256_fingerprint(new_keys.certificate_pem) in text


def _expired_certificate_metadata(idp: TestIdentityProvider) -> str:
    old = generate_key_pair("Old IdP", valid_days=1, not_before=datetime.now(UTC) - timedelta(days=30))
    return idp.metadata().replace(_body(idp.keys.certificate_pem), _body(old.certificate_pem))


def _body(pem: str) -> str:
    from sandbox.saml.keys import certificate_body

    return certificate_body(pem)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ((200, "this is not xml at all", 0.0), "is not well-formed XML: it does not begin with an element"),
        ((200, "<html><body>Sign in</body></html>", 0.0), "not SAML 2.0 metadata"),
        ((404, "gone", 0.0), "answered 404 Not Found"),
        ((200, "SP", 0.0), "service provider metadata"),
        ((200, "NOCERT", 0.0), "no signing certificate"),
        ((200, "EXPIRED", 0.0), "certificate expired on"),
        ((200, "BOMB", 0.0), "DTD"),
        ((200, "slow", 1.5), "did not answer within"),
    ],
    ids=["not-xml", "not-metadata", "http-404", "sp-metadata", "no-certificate", "expired", "entities", "timeout"],
)
def test_every_metadata_failure_is_named(
    admin: httpx.Client,
    sso_sandbox: Sandbox,
    idp: TestIdentityProvider,
    metadata_host: MetadataHost,
    monkeypatch: pytest.MonkeyPatch,
    document: tuple[int, str, float],
    message: str,
) -> None:
    monkeypatch.setattr(metadata_fetch, "FETCH_TIMEOUT_S", 0.5)
    status, body, delay = document
    body = {
        "SP": build_sp_metadata("https://sp.example/", "https://sp.example/acs", idp.keys.certificate_pem),
        "NOCERT": idp.metadata().split("<md:KeyDescriptor")[0] + idp.metadata().split("</md:KeyDescriptor>")[1],
        "EXPIRED": _expired_certificate_metadata(idp),
        "BOMB": '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><m>&b;</m>',
    }.get(body, body)
    metadata_host.documents["/failing"] = (status, body, delay)
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/failing"))
    assert answer.status_code == 400
    errors = field_errors(answer.text)
    assert message in errors.get("metadata_url", ""), errors
    assert "Nothing was saved" in answer.text


def test_unreachable_metadata_url(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url="http://nobody.localhost:9/md")
    assert field_errors(answer.text)["metadata_url"] == "Nothing answers at nobody.localhost:9 (connection refused)."


def test_entity_expansion_in_an_uploaded_file(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;">]><EntityDescriptor>&lol2;</EntityDescriptor>'
    )
    answer = configure(admin, sso_sandbox, bomb)
    assert answer.status_code == 400
    assert "DTD" in field_errors(answer.text)["metadata_file"]


def test_manual_configuration(
    admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider, idp_keys: KeyPair
) -> None:
    answer = configure(
        admin,
        sso_sandbox,
        None,
        method="manual",
        sso_url="https://idp.manual.test/sso",
        issuer="urn:manual:idp",
        certificate=idp_keys.certificate_pem,
    )
    assert answer.status_code == 302, field_errors(answer.text)
    text = tab(admin, sso_sandbox)
    assert "urn:manual:idp" in text
    assert "https://idp.manual.test/sso" in text


def test_field_level_messages(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    answer = configure(
        admin,
        sso_sandbox,
        None,
        method="manual",
        sso_url="not a url",
        issuer="",
        certificate="garbage",
        allowed_skew_s="ten",
        default_role="Emperor",
    )
    assert answer.status_code == 400
    errors = field_errors(answer.text)
    assert errors["default_role"] == "Choose one of: Reader, Commenter, Writer, Reviewer, Administrator."
    assert "whole number of seconds" in errors["allowed_skew_s"]
    answer = configure(admin, sso_sandbox, None, method="manual", sso_url="not a url", issuer="", certificate="garbage")
    errors = field_errors(answer.text)
    assert "SSO URL" in errors["sso_url"]
    assert "Issuer" in errors["issuer"]
    assert "not an X.509 certificate" in errors["certificate"]
