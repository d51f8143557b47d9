"""Signing in to BlogIn through identity providers laid out like Okta and Entra ID, configured from their
kind of metadata: a certificate rollover, NameIDs that are not email addresses, and the email in the
attributes those products send."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from sqlalchemy import select, update

from sandbox.app import Sandbox
from sandbox.blogin.models import SsoConfiguration, User
from sandbox.saml.keys import KeyPair, generate_key_pair
from tests.integration.blogin_sso import shapes
from tests.integration.blogin_sso.conftest import (
    configure,
    field_errors,
    post_to_acs,
    sp,
    sp_initiated_request,
    unescape,
)
from tests.integration.blogin_sso.idp import Mutation, TestIdentityProvider, all_of, rename_attributes, subject

OKTA = (
    "http://www.okta.com/exk9z8y7x6w5V4u3t2s1",
    "https://acme.okta.com/app/acme_blogin_1/exk9z8y7x6w5V4u3t2s1/sso/saml",
)
ENTRA = (
    "https://sts.windows.net/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/",
    "https://login.microsoftonline.com/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/saml2",
)
UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MAIL_OID = "urn:oid:0.9.2342.19200300.100.1.3"


@pytest.fixture(scope="module")
def rollover() -> list[KeyPair]:
    """Entra ID's certificates during a rollover: the current one and the next, both published."""
    return [generate_key_pair("Microsoft Azure Federated SSO Certificate"), generate_key_pair("Azure next")]


def _identity_provider(
    directory: Path, keys: KeyPair, entity_id: str, sso_url: str, admin: httpx.Client, sandbox: Sandbox
) -> TestIdentityProvider:
    provider = TestIdentityProvider(directory, keys, entity_id=entity_id, sso_url=sso_url)
    provider.trust(admin.get(f"{sandbox.blogin.base_url}/settings/sso/metadata.xml").text)
    return provider


@pytest.fixture(scope="module")
def okta(
    sso_sandbox: Sandbox, admin: httpx.Client, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestIdentityProvider]:
    yield _identity_provider(tmp_path_factory.mktemp("okta"), generate_key_pair("acme"), *OKTA, admin, sso_sandbox)


@pytest.fixture(scope="module")
def entra(
    sso_sandbox: Sandbox, admin: httpx.Client, rollover: list[KeyPair], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestIdentityProvider]:
    yield _identity_provider(tmp_path_factory.mktemp("entra"), rollover[0], *ENTRA, admin, sso_sandbox)


def sign_in(
    browser: httpx.Client,
    sandbox: Sandbox,
    provider: TestIdentityProvider,
    *,
    email: str,
    keys: KeyPair | None = None,
    mutate: Mutation | None = None,
    attributes: dict[str, list[str]] | None = None,
    expected_binding: str = BINDING_HTTP_REDIRECT,
) -> httpx.Response:
    """Log in with SSO at BlogIn, answer at the IdP, post the response back to BlogIn's ACS."""
    binding, saml_request, relay_state = sp_initiated_request(browser, sandbox, "/profile")
    assert binding == expected_binding
    request = provider.parse_authn_request(saml_request, binding)
    assert request.message.destination == provider.sso_url
    saml_response = provider.signed_response(
        email=email,
        keys=keys,
        mutate=mutate,
        in_response_to=request.message.id,
        attributes=attributes if attributes is not None else {"email": [email], "firstname": ["Ada"]},
        **sp(sandbox),
    )
    return post_to_acs(browser, sandbox, saml_response, relay_state)


def signed_in_as(browser: httpx.Client, sandbox: Sandbox, answer: httpx.Response, email: str) -> None:
    assert answer.status_code == 303, unescape(answer.text)
    assert answer.headers["location"] == "/profile"
    profile = browser.get(f"{sandbox.blogin.base_url}/profile")
    assert profile.status_code == 200
    assert email in profile.text


def refused(sandbox: Sandbox, answer: httpx.Response, *fragments: str) -> dict[str, object]:
    """Check the rejection page names every fragment; the matching audit event's detail."""
    assert answer.status_code == 403, answer.text
    text = unescape(answer.text)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not on the page:\n{text}"
    event = [e for e in sandbox.blogin.recent_events(20) if e.event_type == "sso_login_failed"][-1]
    assert event.success is False
    detail = event.data["detail"]
    for fragment in fragments:
        assert fragment in detail["reason"]
    return dict(detail)


def test_okta_layout_from_its_metadata_url(
    admin: httpx.Client,
    browser: httpx.Client,
    sso_sandbox: Sandbox,
    okta: TestIdentityProvider,
    metadata_host: object,
) -> None:
    from tests.integration.blogin_sso.conftest import MetadataHost

    assert isinstance(metadata_host, MetadataHost)
    shape = shapes.okta([okta.keys.certificate_pem], *OKTA)
    metadata_host.documents["/app/exk9z8y7x6w5V4u3t2s1/sso/saml/metadata"] = (200, shape.xml, 0.0)
    url = metadata_host.url("/app/exk9z8y7x6w5V4u3t2s1/sso/saml/metadata")
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url, name="Okta")
    assert answer.status_code == 302, field_errors(answer.text)
    signed_in_as(
        browser,
        sso_sandbox,
        sign_in(browser, sso_sandbox, okta, email="okta.user@acme.example"),
        "okta.user@acme.example",
    )


def test_okta_posting_only(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, okta: TestIdentityProvider
) -> None:
    shape = shapes.one_binding([okta.keys.certificate_pem], *OKTA, shapes.POST)
    assert configure(admin, sso_sandbox, shape.xml).status_code == 302
    answer = sign_in(browser, sso_sandbox, okta, email="poster@acme.example", expected_binding=BINDING_HTTP_POST)
    signed_in_as(browser, sso_sandbox, answer, "poster@acme.example")


@pytest.fixture
def entra_configured(admin: httpx.Client, sso_sandbox: Sandbox, rollover: list[KeyPair]) -> None:
    shape = shapes.entra([k.certificate_pem for k in rollover], *ENTRA)
    answer = configure(admin, sso_sandbox, shape.xml, name="Microsoft Entra ID")
    assert answer.status_code == 302, field_errors(answer.text)


@pytest.mark.usefixtures("entra_configured")
@pytest.mark.parametrize("which", [0, 1], ids=["current-certificate", "next-certificate"])
def test_entra_rollover_either_certificate_signs(
    browser: httpx.Client, sso_sandbox: Sandbox, entra: TestIdentityProvider, rollover: list[KeyPair], which: int
) -> None:
    email = f"rollover{which}@acme.example"
    answer = sign_in(browser, sso_sandbox, entra, email=email, keys=rollover[which])
    signed_in_as(browser, sso_sandbox, answer, email)


@pytest.mark.usefixtures("entra_configured")
def test_entra_a_third_certificate_is_refused(
    browser: httpx.Client, sso_sandbox: Sandbox, entra: TestIdentityProvider
) -> None:
    answer = sign_in(browser, sso_sandbox, entra, email="forged@acme.example", keys=generate_key_pair("Azure"))
    refused(sso_sandbox, answer, "expected")


@pytest.mark.usefixtures("entra_configured")
@pytest.mark.parametrize(
    ("name_id", "name_id_format", "attribute"),
    [
        ("00u1a2b3c4D5e6F7g8h9", UNSPECIFIED, "email"),
        ("Zx8bQv3m1Kp0yRt7Lw2sNq9uHc4dFg6jEa5iOo1lTb0=", PERSISTENT, f"{CLAIMS}emailaddress"),
        ("AAAAAAAAAAAAAAAAAAAAAE3nT0x9yPqR", PERSISTENT, MAIL_OID),
        ("_7c2e9a51d4b04f3e8a6b", TRANSIENT, "email"),
        ("ACME\\ada", None, "mail"),
    ],
    ids=["okta-user-id", "entra-persistent-claim", "persistent-oid", "transient", "windows-name-no-format"],
)
def test_email_from_the_attributes_when_the_name_id_is_not_one(
    browser: httpx.Client,
    sso_sandbox: Sandbox,
    entra: TestIdentityProvider,
    name_id: str,
    name_id_format: str | None,
    attribute: str,
) -> None:
    email = f"{attribute.rsplit('/', 1)[-1].replace(':', '-')}-{name_id_format is None}@acme.example".lower()
    mutate = all_of(
        subject(name_id, name_id_format),
        rename_attributes({"email": attribute, "firstname": f"{CLAIMS}givenname", "lastname": f"{CLAIMS}surname"}),
    )
    attributes = {"email": [email], "firstname": ["Grace"], "lastname": ["Hopper"]}
    answer = sign_in(browser, sso_sandbox, entra, email=email, mutate=mutate, attributes=attributes)
    signed_in_as(browser, sso_sandbox, answer, email)
    with sso_sandbox.blogin.database.sessions() as session:
        user = session.scalars(select(User).where(User.user_name_key == email)).one()
        assert (user.given_name, user.family_name) == ("Grace", "Hopper")


@pytest.mark.usefixtures("entra_configured")
def test_an_email_name_id_of_another_format_is_still_taken(
    browser: httpx.Client, sso_sandbox: Sandbox, entra: TestIdentityProvider
) -> None:
    # Google Workspace's persistent NameID is the primary email; no email attribute is configured.
    email = "google.style@acme.example"
    mutate = all_of(subject(email, PERSISTENT), rename_attributes({"email": ""}))
    answer = sign_in(browser, sso_sandbox, entra, email=email, mutate=mutate)
    signed_in_as(browser, sso_sandbox, answer, email)


@pytest.mark.usefixtures("entra_configured")
def test_an_email_attribute_wins_over_an_unspecified_email_name_id(
    browser: httpx.Client, sso_sandbox: Sandbox, entra: TestIdentityProvider
) -> None:
    mutate = subject("upn.alias@acme.onmicrosoft.example", UNSPECIFIED)
    answer = sign_in(browser, sso_sandbox, entra, email="primary@acme.example", mutate=mutate)
    signed_in_as(browser, sso_sandbox, answer, "primary@acme.example")


@pytest.mark.usefixtures("entra_configured")
@pytest.mark.parametrize(
    ("name_id", "name_id_format", "fragments"),
    [
        ("Zx8bQv3m1Kp0yRt7Lw2sNq9uHc4dFg6jEa5iOo1lTb0=", PERSISTENT, ["(persistent) is not an email address"]),
        ("_7c2e9a51d4b04f3e8a6b", TRANSIENT, ["is transient (a one-time identifier)"]),
        ("ada", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", ["declared emailAddress but is not"]),
    ],
    ids=["persistent", "transient", "email-format-without-email"],
)
def test_no_email_anywhere_is_refused_with_the_reason(
    browser: httpx.Client,
    sso_sandbox: Sandbox,
    entra: TestIdentityProvider,
    name_id: str,
    name_id_format: str,
    fragments: list[str],
) -> None:
    mutate = all_of(subject(name_id, name_id_format), rename_attributes({"email": ""}))
    answer = sign_in(browser, sso_sandbox, entra, email="nobody@acme.example", mutate=mutate)
    detail = refused(
        sso_sandbox, answer, *fragments, "send the NameID in emailAddress format or add an email attribute"
    )
    assert detail["check"] == "user"
    assert "Your identity provider sent no email address" in answer.text


@pytest.mark.usefixtures("entra_configured")
def test_an_email_attribute_that_is_not_an_address_is_refused(
    browser: httpx.Client, sso_sandbox: Sandbox, entra: TestIdentityProvider
) -> None:
    mutate = subject("Zx8bQv3m1Kp0yRt7", PERSISTENT)
    answer = sign_in(
        browser, sso_sandbox, entra, email="x@acme.example", mutate=mutate, attributes={"email": ["Ada Lovelace"]}
    )
    refused(sso_sandbox, answer, "“Ada Lovelace”, which is not one email address")


def test_metadata_that_expired_after_saving_refuses_sign_in_with_a_reason(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, okta: TestIdentityProvider
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    shape = shapes.google([okta.keys.certificate_pem], *OKTA, valid_until=soon)
    assert configure(admin, sso_sandbox, shape.xml).status_code == 302
    # A day passes: the saved document's validUntil is now behind the clock.
    with sso_sandbox.blogin.database.transaction() as session:
        row = session.get(SsoConfiguration, 1)
        assert row is not None
        session.execute(
            update(SsoConfiguration).values(metadata_xml=row.metadata_xml.replace(soon, "2020-01-01T00:00:00Z"))
        )
    login = browser.get(f"{sso_sandbox.blogin.base_url}/sso/saml/login", params={"next": "/profile"})
    assert login.status_code == 409
    assert "valid until 2020-01-01 00:00 UTC (its validUntil)" in unescape(login.text)
    # The tab says so too, and still shows what was read.
    page = unescape(admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text)
    assert 'id="idp-problem"' in page and "its validUntil" in page
    assert OKTA[0] in page
    # A response posted anyway is refused with the same reason, recorded in the audit log.
    saml_response = okta.signed_response(email="late@acme.example", **sp(sso_sandbox))
    refused(sso_sandbox, post_to_acs(browser, sso_sandbox, saml_response), "its validUntil")


KEYCLOAK = ("https://sso.acme.example/realms/acme", "https://sso.acme.example/realms/acme/protocol/saml")


def test_keycloak_layout_asking_for_signed_requests(
    admin: httpx.Client, browser: httpx.Client, sso_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import base64
    from urllib.parse import unquote, urlsplit

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from lxml import etree

    from sandbox.saml.keys import load_certificate

    keycloak = _identity_provider(
        tmp_path_factory.mktemp("keycloak"), generate_key_pair("acme"), *KEYCLOAK, admin, sso_sandbox
    )
    shape = shapes.keycloak([keycloak.keys.certificate_pem], *KEYCLOAK)
    assert configure(admin, sso_sandbox, shape.xml, name="Keycloak").status_code == 302
    # POST is listed first, but BlogIn sends HTTP-Redirect, signed over the query as SAML Bindings §3.4.4.1 says.
    start = browser.get(f"{sso_sandbox.blogin.base_url}/sso/saml/login", params={"next": "/profile"})
    assert start.status_code in (302, 303)
    location = start.headers["location"]
    assert location.startswith(KEYCLOAK[1] + "?")
    query = urlsplit(location).query
    signed, _, signature = query.rpartition("&Signature=")
    assert "&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256" in signed
    sp_metadata = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso/metadata.xml").content
    certificate = etree.fromstring(sp_metadata).findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    public_key = load_certificate(certificate or "").public_key()
    public_key.verify(  # type: ignore[union-attr, call-arg]
        base64.b64decode(unquote(signature)), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    fields = dict(part.split("=", 1) for part in signed.split("&"))
    request = keycloak.parse_authn_request(unquote(fields["SAMLRequest"]), BINDING_HTTP_REDIRECT)
    saml_response = keycloak.signed_response(
        email="kc.user@acme.example",
        in_response_to=request.message.id,
        mutate=subject("kc.user@acme.example", UNSPECIFIED),
        **sp(sso_sandbox),
    )
    answer = post_to_acs(browser, sso_sandbox, saml_response, unquote(fields.get("RelayState", "")))
    signed_in_as(browser, sso_sandbox, answer, "kc.user@acme.example")


def test_settings_can_still_be_saved_once_the_saved_metadata_has_expired(
    admin: httpx.Client, sso_sandbox: Sandbox, okta: TestIdentityProvider
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    shape = shapes.google([okta.keys.certificate_pem], *OKTA, valid_until=soon)
    assert configure(admin, sso_sandbox, shape.xml).status_code == 302
    with sso_sandbox.blogin.database.transaction() as session:
        row = session.get(SsoConfiguration, 1)
        assert row is not None
        session.execute(
            update(SsoConfiguration).values(metadata_xml=row.metadata_xml.replace(soon, "2020-01-01T00:00:00Z"))
        )
    # The administrator turns single sign-on off without a new file: saved, the expired document kept.
    answer = configure(admin, sso_sandbox, None, enabled=None, name="Google (expired)")
    assert answer.status_code == 302, field_errors(answer.text)
    with sso_sandbox.blogin.database.sessions() as session:
        row = session.get(SsoConfiguration, 1)
        assert row is not None
        assert (row.enabled, row.name, row.idp_entity_id) == (False, "Google (expired)", OKTA[0])
