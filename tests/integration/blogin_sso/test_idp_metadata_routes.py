"""Real-world identity provider metadata through every route of the Single Sign-On tab: a file, a
Metadata URL, manual entry; what the tab then shows; and every way a document or URL can be unusable."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.sso import metadata_fetch
from sandbox.saml.keys import KeyPair, certificate_body, generate_key_pair, sha256_fingerprint
from tests.integration.blogin_sso import shapes
from tests.integration.blogin_sso.conftest import MetadataHost, configure, field_errors, unescape

OKTA = (
    "http://www.okta.com/exk1a2b3c4d5E6f7g8h9",
    "https://acme.okta.com/app/acme_blogin_1/exk1a2b3c4d5E6f7g8h9/sso/saml",
)
ENTRA = (
    "https://sts.windows.net/9f8e7d6c-5b4a-4321-8fed-cba987654321/",
    "https://login.microsoftonline.com/9f8e7d6c-5b4a-4321-8fed-cba987654321/saml2",
)
KEYCLOAK = ("https://sso.acme.example/realms/acme", "https://sso.acme.example/realms/acme/protocol/saml")
ADFS = ("http://adfs.acme.example/adfs/services/trust", "https://adfs.acme.example/adfs/ls/")
SHIBBOLETH = ("https://idp.acme.example/idp/shibboleth", "https://idp.acme.example/idp/profile")
GOOGLE = (
    "https://accounts.google.com/o/saml2?idpid=C01abcd2e",
    "https://accounts.google.com/o/saml2/idp?idpid=C01abcd2e",
)


@pytest.fixture(scope="module")
def pair() -> list[KeyPair]:
    """A rollover pair: this year's signing key and next year's."""
    return [generate_key_pair("IdP signing 2025"), generate_key_pair("IdP signing 2026")]


def configured(admin: httpx.Client, sandbox: Sandbox) -> str:
    """The "Configured identity provider" card's text, whitespace folded."""
    page = admin.get(f"{sandbox.blogin.base_url}/settings/sso")
    assert page.status_code == 200
    card = page.text.split('<div class="card idp-card">', 1)[1].split('<div class="card">', 1)[0]
    text = unescape(re.sub(r"<wbr>", "", card))
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def folded(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unescape(html.replace("<wbr>", ""))).split())


@pytest.mark.parametrize("route", ["file", "url"])
@pytest.mark.parametrize("product", ["okta", "entra", "keycloak", "adfs", "shibboleth", "google"])
def test_each_product_through_each_route(
    admin: httpx.Client,
    sso_sandbox: Sandbox,
    metadata_host: MetadataHost,
    pair: list[KeyPair],
    product: str,
    route: str,
) -> None:
    two = [pair[0].certificate_pem, pair[1].certificate_pem]
    shape = {
        "okta": lambda: shapes.okta(two[:1], *OKTA),
        "entra": lambda: shapes.entra(two, *ENTRA),
        "keycloak": lambda: shapes.keycloak(two[:1], *KEYCLOAK),
        "adfs": lambda: shapes.adfs(two, *ADFS, encryption=generate_key_pair("enc").certificate_pem),
        "shibboleth": lambda: shapes.shibboleth(two, *SHIBBOLETH),
        "google": lambda: shapes.google(two[:1], *GOOGLE),
    }[product]()
    if route == "file":
        answer = configure(admin, sso_sandbox, shape.xml, name=product)
    else:
        metadata_host.documents[f"/{product}/metadata"] = (200, shape.xml.encode("utf-8"), 0.0)
        url = metadata_host.url(f"/{product}/metadata")
        answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url, name=product)
    assert answer.status_code == 302, field_errors(answer.text)
    card = configured(admin, sso_sandbox)
    assert shape.entity_id in card
    assert shape.sso_url in card
    assert shape.binding in card
    for pem in two[: shape.certificate_count]:
        assert sha256_fingerprint(pem) in card
    if shape.certificate_count > 1:
        assert "Certificate 2 of 2" in card
        assert "any of these certificates is accepted" in card
    expires = f"expires {pair[0].certificate_pem and _not_after(two[0])}"
    assert expires in card
    assert ("Metadata URL" if route == "url" else "Metadata file") in card


def _not_after(pem: str) -> str:
    from sandbox.saml.keys import certificate_facts

    return f"{certificate_facts(pem).not_after:%Y-%m-%d %H:%M} UTC"


def test_product_specific_facts_are_shown(admin: httpx.Client, sso_sandbox: Sandbox, pair: list[KeyPair]) -> None:
    keycloak = shapes.keycloak([pair[0].certificate_pem], *KEYCLOAK)
    assert configure(admin, sso_sandbox, keycloak.xml).status_code == 302
    card = configured(admin, sso_sandbox)
    assert "also offers HTTP-POST" in card
    assert "Signed with the SP certificate" in card
    assert "persistent, transient, unspecified, emailAddress" in card
    shibboleth = shapes.shibboleth([pair[0].certificate_pem], *SHIBBOLETH)
    assert configure(admin, sso_sandbox, shibboleth.xml).status_code == 302
    assert "Acme University Login" in configured(admin, sso_sandbox)
    google = shapes.google([pair[0].certificate_pem], *GOOGLE)
    assert configure(admin, sso_sandbox, google.xml).status_code == 302
    assert "Metadata valid until 2036-01-01 00:00 UTC" in configured(admin, sso_sandbox)


@pytest.mark.parametrize(
    "encode",
    [
        lambda xml: b"\xef\xbb\xbf" + xml.encode(),
        lambda xml: xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        lambda xml: ("\r\n  " + xml.replace("\n", "\r\n")).encode(),
    ],
    ids=["bom", "utf-16", "crlf-and-leading-whitespace"],
)
def test_a_file_saved_on_windows(
    admin: httpx.Client, sso_sandbox: Sandbox, pair: list[KeyPair], encode: object
) -> None:
    assert callable(encode)
    shape = shapes.shibboleth([pair[0].certificate_pem], *SHIBBOLETH)
    files = {"metadata_file": ("FederationMetadata.xml", encode(shape.xml), "text/xml")}
    from tests.integration.blogin_sso.conftest import sso_form

    answer = admin.post(f"{sso_sandbox.blogin.base_url}/settings/sso", data=sso_form(), files=files)
    assert answer.status_code == 302, field_errors(answer.text)
    assert SHIBBOLETH[0] in configured(admin, sso_sandbox)


def test_several_identity_providers_in_a_file_ask_which_one(
    admin: httpx.Client, sso_sandbox: Sandbox, pair: list[KeyPair]
) -> None:
    okta = shapes.okta([pair[0].certificate_pem], *OKTA)
    entra = shapes.entra([pair[1].certificate_pem], *ENTRA)
    xml = shapes.aggregate([okta, entra], sp_pem=pair[0].certificate_pem)
    before = configured(admin, sso_sandbox)
    answer = configure(admin, sso_sandbox, xml, name="Federation")
    assert answer.status_code == 400
    errors = field_errors(answer.text)
    assert errors["entity_id"] == "This metadata describes 2 identity providers; choose the one BlogIn should trust."
    assert f'<option value="{OKTA[0]}"' in answer.text and f'<option value="{ENTRA[0]}"' in answer.text
    kept = re.search(r'<textarea name="metadata_document" hidden[^>]*>(.*?)</textarea>', answer.text, re.S)
    assert kept is not None
    assert configured(admin, sso_sandbox) == before  # nothing saved meanwhile
    # The admin picks one and saves: the document comes back with the form, no second upload.
    form = {"metadata_document": unescape(kept.group(1)), "entity_id": ENTRA[0]}
    again = configure(admin, sso_sandbox, None, name="Federation", **form)
    assert again.status_code == 302, field_errors(again.text)
    card = configured(admin, sso_sandbox)
    assert ENTRA[0] in card and OKTA[0] not in card
    assert sha256_fingerprint(pair[1].certificate_pem) in card


def test_several_identity_providers_at_a_url_and_refetch_keeps_the_choice(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost, pair: list[KeyPair]
) -> None:
    okta = shapes.okta([pair[0].certificate_pem], *OKTA)
    keycloak = shapes.keycloak([pair[0].certificate_pem], *KEYCLOAK)
    metadata_host.documents["/federation.xml"] = (200, shapes.aggregate([okta, keycloak]), 0.0)
    url = metadata_host.url("/federation.xml")
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url)
    assert answer.status_code == 400
    assert "choose the one BlogIn should trust" in field_errors(answer.text)["entity_id"]
    assert "metadata_document" not in answer.text  # a URL is fetched again on save
    chosen = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url, entity_id=KEYCLOAK[0])
    assert chosen.status_code == 302, field_errors(chosen.text)
    # The federation rolls the IdP's key: re-fetching picks the same IdP with its new certificate.
    rolled = shapes.keycloak([pair[1].certificate_pem], *KEYCLOAK)
    metadata_host.documents["/federation.xml"] = (200, shapes.aggregate([okta, rolled]), 0.0)
    assert admin.post(f"{sso_sandbox.blogin.base_url}/settings/sso/refetch").status_code == 302
    card = configured(admin, sso_sandbox)
    assert KEYCLOAK[0] in card
    assert sha256_fingerprint(pair[1].certificate_pem) in card
    # Saving the tab again keeps the chosen IdP without asking (the choice rides along, hidden).
    page = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text
    assert f'<input type="hidden" name="entity_id" value="{KEYCLOAK[0]}">' in page
    again = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url, entity_id=KEYCLOAK[0])
    assert again.status_code == 302


def _body_of(status: int, text: str) -> tuple[int, str, float]:
    return (status, text, 0.0)


@pytest.mark.parametrize(
    ("path", "document", "headers", "message"),
    [
        ("/e500", _body_of(500, "Internal Server Error"), {}, "answered 500 Internal Server Error; the server failed"),
        ("/e401", _body_of(401, "sign in first"), {}, "published without signing in"),
        ("/e404", _body_of(404, "nope"), {}, "check the address"),
        (
            "/login-page",
            _body_of(200, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body></body></html>"),
            {"Content-Type": "text/html; charset=utf-8"},
            "This is a web page (HTML), not SAML 2.0 metadata",
        ),
        ("/huge", _body_of(200, "<a>" + "x" * (1024 * 1024 + 10) + "</a>"), {}, "larger than 1 MB"),
        ("/loop", _body_of(302, ""), {"Location": "/loop"}, "redirects again and again (more than 5 times"),
        ("/to-ftp", _body_of(302, ""), {"Location": "ftp://idp.example/md.xml"}, "not http:// or https://"),
        ("/empty", _body_of(200, ""), {}, "The document is empty"),
        ("/json", _body_of(200, '{"metadata": "here"}'), {}, "not well-formed XML"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("/") else "",
)
def test_every_metadata_url_failure_is_named_and_nothing_is_saved(
    admin: httpx.Client,
    sso_sandbox: Sandbox,
    metadata_host: MetadataHost,
    pair: list[KeyPair],
    path: str,
    document: tuple[int, str, float],
    headers: dict[str, str],
    message: str,
) -> None:
    good = shapes.okta([pair[0].certificate_pem], *OKTA)
    assert configure(admin, sso_sandbox, good.xml, name="Okta", default_role="Writer").status_code == 302
    admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso")  # shows the flash once
    before = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text
    metadata_host.documents[path] = document
    metadata_host.headers[path] = headers
    answer = configure(
        admin,
        sso_sandbox,
        None,
        method="metadata_url",
        metadata_url=metadata_host.url(path),
        name="Changed",
        default_role="Reader",
    )
    assert answer.status_code == 400
    assert message in field_errors(answer.text)["metadata_url"]
    assert "Nothing was saved" in answer.text
    assert "Traceback" not in answer.text
    assert admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text == before


def test_a_redirect_to_the_metadata_is_followed(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost, pair: list[KeyPair]
) -> None:
    shape = shapes.entra([pair[0].certificate_pem], *ENTRA)
    metadata_host.documents["/federationmetadata/2007-06/federationmetadata.xml"] = (200, shape.xml, 0.0)
    metadata_host.documents["/old-address"] = (301, "", 0.0)
    metadata_host.headers["/old-address"] = {"Location": "/federationmetadata/2007-06/federationmetadata.xml"}
    url = metadata_host.url("/old-address")
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url)
    assert answer.status_code == 302, field_errors(answer.text)
    assert ENTRA[0] in configured(admin, sso_sandbox)


def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metadata_fetch, "FETCH_TIMEOUT_S", 1.0)
    metadata_host.trickles["/trickle"] = (0.2, 60)  # 12 seconds in all, a byte well within each read timeout
    started = time.monotonic()
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/trickle"))
    assert answer.status_code == 400
    assert "did not answer within 1 second." in field_errors(answer.text)["metadata_url"]
    assert time.monotonic() - started < 6


@pytest.mark.parametrize(
    "paste",
    [
        lambda pem: pem,
        lambda pem: pem.replace("\n", "\r\n"),
        lambda pem: certificate_body(pem),
        lambda pem: " ".join(certificate_body(pem)[i : i + 64] for i in range(0, len(certificate_body(pem)), 64)),
        lambda pem: "\n".join("    " + line for line in pem.splitlines()),
    ],
    ids=["pem", "pem-crlf", "base64-only", "base64-with-spaces", "indented-pem"],
)
def test_manual_entry_accepts_a_certificate_however_it_was_copied(
    admin: httpx.Client, sso_sandbox: Sandbox, pair: list[KeyPair], paste: object
) -> None:
    assert callable(paste)
    answer = configure(
        admin,
        sso_sandbox,
        None,
        method="manual",
        sso_url=OKTA[1],
        issuer=OKTA[0],
        certificate=paste(pair[0].certificate_pem),
    )
    assert answer.status_code == 302, field_errors(answer.text)
    card = configured(admin, sso_sandbox)
    assert sha256_fingerprint(pair[0].certificate_pem) in card
    assert "Manual configuration" in card and OKTA[0] in card and "HTTP-Redirect" in card


def test_manual_entry_keeps_both_certificates_of_a_rollover(
    admin: httpx.Client, sso_sandbox: Sandbox, pair: list[KeyPair]
) -> None:
    both = pair[0].certificate_pem + "\n" + pair[1].certificate_pem
    answer = configure(admin, sso_sandbox, None, method="manual", sso_url=OKTA[1], issuer=OKTA[0], certificate=both)
    assert answer.status_code == 302, field_errors(answer.text)
    card = configured(admin, sso_sandbox)
    assert sha256_fingerprint(pair[0].certificate_pem) in card and sha256_fingerprint(pair[1].certificate_pem) in card
    # The form shows both again, ready to edit.
    page = unescape(admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text)
    assert certificate_body(pair[1].certificate_pem)[:64] in page


@pytest.mark.parametrize(
    ("certificate", "message"),
    [
        ("PRIVATE", "This is a private key"),
        ("HALF", "no -----END CERTIFICATE----- line"),
        ("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", "public key, not a certificate"),
        ("Paste certificate here", "not an X.509 certificate"),
    ],
    ids=["private-key", "truncated", "public-key", "words"],
)
def test_manual_entry_names_what_was_pasted_instead(
    admin: httpx.Client, sso_sandbox: Sandbox, pair: list[KeyPair], certificate: str, message: str
) -> None:
    text = {"PRIVATE": pair[0].private_key_pem, "HALF": pair[0].certificate_pem[:300]}.get(certificate, certificate)
    answer = configure(admin, sso_sandbox, None, method="manual", sso_url=OKTA[1], issuer=OKTA[0], certificate=text)
    assert answer.status_code == 400
    assert message in field_errors(answer.text)["certificate"]
    if certificate == "PRIVATE":
        assert "PRIVATE KEY" not in answer.text  # the key is not echoed back into the page


def test_a_huge_upload_is_refused_with_a_page(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    files = {"metadata_file": ("huge.xml", b"<a>" + b"x" * (9 * 1024 * 1024) + b"</a>", "text/xml")}
    from tests.integration.blogin_sso.conftest import sso_form

    answer = admin.post(f"{sso_sandbox.blogin.base_url}/settings/sso", data=sso_form(), files=files)
    assert answer.status_code in (400, 413)
    assert "Traceback" not in answer.text
    assert "<html" in answer.text.lower()


@pytest.mark.parametrize("route", ["file", "url"])
def test_metadata_past_its_valid_until_is_refused(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost, pair: list[KeyPair], route: str
) -> None:
    stale = shapes.google([pair[0].certificate_pem], *GOOGLE, valid_until="2021-06-30T12:00:00Z")
    if route == "file":
        answer = configure(admin, sso_sandbox, stale.xml)
        field = "metadata_file"
    else:
        metadata_host.documents["/stale.xml"] = (200, stale.xml, 0.0)
        answer = configure(
            admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/stale.xml")
        )
        field = "metadata_url"
    assert answer.status_code == 400
    assert "valid until 2021-06-30 12:00 UTC (its validUntil)" in field_errors(answer.text)[field]


def test_an_expired_certificate_beside_a_current_one_is_shown_but_not_trusted(
    admin: httpx.Client, sso_sandbox: Sandbox, pair: list[KeyPair]
) -> None:
    from datetime import UTC, datetime, timedelta

    old = generate_key_pair("IdP signing 2023", valid_days=1, not_before=datetime.now(UTC) - timedelta(days=30))
    shape = shapes.okta([old.certificate_pem, pair[0].certificate_pem], *OKTA)
    assert configure(admin, sso_sandbox, shape.xml).status_code == 302
    card = configured(admin, sso_sandbox)
    old_row = card.split(sha256_fingerprint(old.certificate_pem), 1)[1].split("Certificate 2 of 2", 1)[0]
    assert "expired" in old_row and "valid " not in old_row
    assert sha256_fingerprint(pair[0].certificate_pem) in card


def test_refetch_says_when_the_chosen_identity_provider_left_the_document(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost, pair: list[KeyPair]
) -> None:
    okta = shapes.okta([pair[0].certificate_pem], *OKTA)
    keycloak = shapes.keycloak([pair[0].certificate_pem], *KEYCLOAK)
    entra = shapes.entra([pair[0].certificate_pem], *ENTRA)
    metadata_host.documents["/leaving.xml"] = (200, shapes.aggregate([okta, keycloak]), 0.0)
    url = metadata_host.url("/leaving.xml")
    chosen = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url, entity_id=KEYCLOAK[0])
    assert chosen.status_code == 302, field_errors(chosen.text)
    before = configured(admin, sso_sandbox)
    metadata_host.documents["/leaving.xml"] = (200, shapes.aggregate([okta, entra]), 0.0)
    assert admin.post(f"{sso_sandbox.blogin.base_url}/settings/sso/refetch").status_code == 302
    page = folded(admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text)
    assert f"“{KEYCLOAK[0]}” is not one of them ({OKTA[0]}, {ENTRA[0]})" in page
    assert configured(admin, sso_sandbox) == before


def test_single_sign_on_can_be_turned_off_while_the_metadata_url_is_down(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost, pair: list[KeyPair]
) -> None:
    shape = shapes.okta([pair[0].certificate_pem], *OKTA)
    metadata_host.documents["/flaky.xml"] = (200, shape.xml, 0.0)
    url = metadata_host.url("/flaky.xml")
    assert configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url).status_code == 302
    metadata_host.documents["/flaky.xml"] = (503, "Service Unavailable", 0.0)
    # Turning it on again with the IdP down is refused; turning it off is saved, the IdP kept.
    assert configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url).status_code == 400
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url, enabled=None)
    assert answer.status_code == 302, field_errors(answer.text)
    page = folded(admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text)
    assert "answered 503 Service Unavailable" in page and "the saved one is kept while single sign-on is off" in page
    assert OKTA[0] in configured(admin, sso_sandbox)
    # Another URL that fails is still an error, even when turning off.
    other = metadata_host.url("/nothing-here.xml")
    assert (
        configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=other, enabled=None).status_code == 400
    )
