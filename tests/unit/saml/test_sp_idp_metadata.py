"""Reading identity provider metadata of every common shape, as BlogIn's service provider does."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.saml.keys import KeyPair, certificate_body, generate_key_pair, sha256_fingerprint
from sandbox.saml.metadata import MetadataError
from sandbox.saml.sp_idp_manual import certificates_from_text, manual_idp_metadata
from sandbox.saml.sp_idp_metadata import (
    EntityChoiceNeeded,
    describe_idp_metadata,
    read_idp_metadata,
    standalone_without_validity,
)
from tests.integration.blogin_sso import shapes

OKTA = (
    "http://www.okta.com/exk1a2b3c4d5E6f7g8h9",
    "https://acme.okta.com/app/acme_blogin_1/exk1a2b3c4d5E6f7g8h9/sso/saml",
)
ENTRA = (
    "https://sts.windows.net/9f8e7d6c-5b4a-4321-8fed-cba987654321/",
    "https://login.microsoftonline.com/9f8e7d6c-5b4a-4321-8fed-cba987654321/saml2",
)
GOOGLE = (
    "https://accounts.google.com/o/saml2?idpid=C01abcd2e",
    "https://accounts.google.com/o/saml2/idp?idpid=C01abcd2e",
)
KEYCLOAK = ("https://sso.acme.example/realms/acme", "https://sso.acme.example/realms/acme/protocol/saml")
ADFS = ("http://adfs.acme.example/adfs/services/trust", "https://adfs.acme.example/adfs/ls/")
SHIBBOLETH = ("https://idp.acme.example/idp/shibboleth", "https://idp.acme.example/idp/profile")


@pytest.fixture(scope="module")
def keys() -> list[KeyPair]:
    return [generate_key_pair("IdP signing 2025"), generate_key_pair("IdP signing 2026"), generate_key_pair("enc")]


def every_shape(keys: list[KeyPair]) -> list[shapes.Shape]:
    one, two = [keys[0].certificate_pem], [keys[0].certificate_pem, keys[1].certificate_pem]
    return [
        shapes.okta(one, *OKTA),
        shapes.entra(two, *ENTRA),
        shapes.google(one, *GOOGLE),
        shapes.keycloak(one, *KEYCLOAK),
        shapes.adfs(one, *ADFS, encryption=keys[2].certificate_pem),
        shapes.shibboleth(two, *SHIBBOLETH),
        shapes.one_binding(one, "urn:idp:post-only", "https://idp.example/post", shapes.POST),
        shapes.one_binding(one, "urn:idp:redirect-only", "https://idp.example/redirect", shapes.REDIRECT),
    ]


def test_every_shape_is_read_as_the_sp_needs_it(keys: list[KeyPair]) -> None:
    for shape in every_shape(keys):
        document, idp = read_idp_metadata(shape.xml)
        assert document.entity_id == shape.entity_id, shape.name
        binding, url = document.sso_endpoint()
        assert url == shape.sso_url, shape.name
        assert binding.endswith(shape.binding), shape.name
        assert len(idp.signing_certificates) == shape.certificate_count, shape.name
        # What is kept is read back the same, by this reader and by pysaml2's metadata store.
        again, _ = read_idp_metadata(document.xml)
        assert (again.entity_id, again.sso_urls, again.certificates) == (
            document.entity_id,
            document.sso_urls,
            document.certificates,
        )
        from saml2.mdstore import MetadataStore

        store = MetadataStore(None, None)
        store.load("inline", standalone_without_validity(document.xml))
        assert store.single_sign_on_service(shape.entity_id, binding=binding), shape.name


def test_each_product_detail(keys: list[KeyPair]) -> None:
    entra, google, keycloak, adfs, shibboleth = every_shape(keys)[1:6]
    # Entra: the RoleDescriptor's key and the metadata signature's certificate are not the IdP's keys twice.
    document = describe_idp_metadata(entra.xml)
    assert [c.fingerprint_sha256 for c in document.certificates] == [
        sha256_fingerprint(keys[0].certificate_pem),
        sha256_fingerprint(keys[1].certificate_pem),
    ]
    assert document.slo_urls
    # Google: validUntil is read; the SSO URL keeps its query.
    assert describe_idp_metadata(google.xml).valid_until == datetime(2036, 1, 1, tzinfo=UTC)
    # Keycloak: one entity in an EntitiesDescriptor; requests must be signed; POST listed first, Redirect used.
    document = describe_idp_metadata(keycloak.xml)
    assert document.want_authn_requests_signed
    assert document.entity_count == 1
    assert len(document.name_id_formats) == 4
    # ADFS: the encryption key (also in its SP role) is not a signing key; BOM and CRLF are fine.
    document = describe_idp_metadata(adfs.xml.encode("utf-8"))
    assert [c.fingerprint_sha256 for c in document.certificates] == [sha256_fingerprint(keys[0].certificate_pem)]
    # Shibboleth: keys without use count as signing keys; the English display name is taken.
    document = describe_idp_metadata(shibboleth.xml)
    assert len(document.certificates) == 2
    assert document.display_name == "Acme University Login"


@pytest.mark.parametrize(
    "encode",
    [
        lambda xml: codecs.BOM_UTF8 + xml.encode(),
        lambda xml: ("\ufeff" + xml).encode("utf-16"),
        lambda xml: xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        lambda xml: ("\r\n\r\n   " + xml.replace("\n", "\r\n")).encode(),
        lambda xml: "\n  " + xml,
        lambda xml: xml.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("Acme", "Acmé").encode("latin-1"),
    ],
    ids=["utf8-bom", "utf16-bom-text", "utf16-declared", "crlf-leading-blank-lines", "leading-whitespace", "latin1"],
)
def test_how_files_are_saved_does_not_matter(keys: list[KeyPair], encode: object) -> None:
    shape = shapes.shibboleth([keys[0].certificate_pem], *SHIBBOLETH)
    assert callable(encode)
    document = describe_idp_metadata(encode(shape.xml))
    assert document.entity_id == SHIBBOLETH[0]


def test_several_identity_providers_need_a_choice(keys: list[KeyPair]) -> None:
    okta = shapes.okta([keys[0].certificate_pem], *OKTA)
    entra = shapes.entra([keys[1].certificate_pem], *ENTRA)
    xml = shapes.aggregate([okta, entra], sp_pem=keys[2].certificate_pem)
    with pytest.raises(EntityChoiceNeeded) as raised:
        describe_idp_metadata(xml)
    assert [c.entity_id for c in raised.value.choices] == [OKTA[0], ENTRA[0]]
    assert "2 identity providers" in str(raised.value)
    document = describe_idp_metadata(xml, entity_id=ENTRA[0])
    assert document.entity_id == ENTRA[0]
    assert document.entity_count == 2
    assert document.valid_until == datetime(2036, 1, 1, tzinfo=UTC)
    # The aggregate's validUntil travels with the entity kept.
    assert 'validUntil="2036-01-01T00:00:00Z"' in document.xml
    assert OKTA[0] not in document.xml
    with pytest.raises(EntityChoiceNeeded):
        describe_idp_metadata(xml, entity_id="https://not.listed/")


def test_expired_metadata_and_certificates(keys: list[KeyPair]) -> None:
    google = shapes.google([keys[0].certificate_pem], *GOOGLE, valid_until="2020-01-01T00:00:00Z")
    document = describe_idp_metadata(google.xml)  # still described, for the page that shows it
    with pytest.raises(MetadataError, match=r"valid until 2020-01-01 00:00 UTC \(its validUntil\)"):
        document.check_usable()
    old = generate_key_pair("old", valid_days=1, not_before=datetime.now(UTC) - timedelta(days=30))
    rollover = shapes.okta([old.certificate_pem, keys[0].certificate_pem], *OKTA)
    _document, idp = read_idp_metadata(rollover.xml)
    assert idp.signing_certificates == [keys[0].certificate_pem]  # the expired one is shown, never trusted
    expired = shapes.okta([old.certificate_pem], *OKTA)
    with pytest.raises(MetadataError, match="certificate expired on"):
        read_idp_metadata(expired.xml)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<!DOCTYPE html><html><head><title>Sign in</title></head></html>", "web page (HTML)"),
        ("<!-- login --><html lang='en'><body/></html>", "web page (HTML)"),
        ("", "empty"),
        ("<EntityDescriptor/>", "its root element is <EntityDescriptor>"),
        ('<x:EntityDescriptor xmlns:x="urn:other"/>', "(urn:other)"),
        ('<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>', "describes no entity"),
        (
            '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><IDPSSODescriptor '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"/></EntityDescriptor>',
            "only older protocols",
        ),
    ],
)
def test_unusable_documents_are_named(xml: str, message: str) -> None:
    with pytest.raises(MetadataError, match=None) as raised:
        describe_idp_metadata(xml)
    assert message in str(raised.value)


def test_no_usable_sso_binding_says_which_there_are(keys: list[KeyPair]) -> None:
    shape = shapes.keycloak([keys[0].certificate_pem], *KEYCLOAK)
    only_artifact = re.sub(r'<md:SingleSignOnService Binding="[^"]*HTTP-(POST|Redirect)"[^>]*/>', "", shape.xml)
    with pytest.raises(MetadataError) as raised:
        describe_idp_metadata(only_artifact)
    assert "only SOAP, HTTP-Artifact" in str(raised.value)


def test_pasted_certificates(keys: list[KeyPair]) -> None:
    pem, second = keys[0].certificate_pem, keys[1].certificate_pem
    body = certificate_body(pem)
    assert certificates_from_text(pem.replace("\n", "\r\n")) == [pem]
    assert certificates_from_text(body) == [pem]
    assert certificates_from_text(" ".join(body[i : i + 64] for i in range(0, len(body), 64))) == [pem]
    assert certificates_from_text("\n".join("    " + line for line in pem.splitlines())) == [pem]
    assert certificates_from_text(pem + "\n" + second + pem) == [pem, second]
    for text, message in (
        (keys[0].private_key_pem, "private key"),
        (pem + keys[0].private_key_pem, "private key"),
        (pem.split("-----END")[0], "no -----END CERTIFICATE----- line"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "public key, not a certificate"),
        ("hello, world", "not an X.509 certificate"),
        ("AAAA" * 20, "not an X.509 certificate"),
        (pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "Certificate 2 of 2 cannot be read"),
    ):
        with pytest.raises(MetadataError) as raised:
            certificates_from_text(text)
        assert message in str(raised.value), text


def test_manual_metadata_keeps_every_certificate(keys: list[KeyPair]) -> None:
    xml = manual_idp_metadata("urn:manual", "https://idp/sso", [keys[0].certificate_pem, keys[1].certificate_pem])
    _document, idp = read_idp_metadata(xml)
    assert idp.signing_certificates == [keys[0].certificate_pem, keys[1].certificate_pem]
    assert idp.entity_id == "urn:manual"


@pytest.mark.parametrize("location", ["javascript:alert(document.cookie)", "/saml2/sso", "ftp://idp.example/sso", ""])
def test_an_sso_url_a_browser_must_not_be_sent_to_is_refused(keys: list[KeyPair], location: str) -> None:
    shape = shapes.one_binding([keys[0].certificate_pem], "urn:idp", location or " ", shapes.POST)
    with pytest.raises(MetadataError) as raised:
        describe_idp_metadata(shape.xml)
    assert ("is not an http:// or https:// address" if location else "no SingleSignOnService") in str(raised.value)
