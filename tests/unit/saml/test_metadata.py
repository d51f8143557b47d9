"""Identity provider metadata read safely; service provider metadata written correctly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.saml.keys import KeyPair, generate_key_pair, sha256_fingerprint
from sandbox.saml.metadata import (
    BINDING_POST,
    BINDING_REDIRECT,
    MetadataError,
    build_idp_metadata,
    build_sp_metadata,
    parse_idp_metadata,
)


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return generate_key_pair("idp")


def test_round_trip_of_idp_metadata(keys: KeyPair) -> None:
    xml = build_idp_metadata("urn:idp", "https://idp/sso", keys.certificate_pem)
    idp = parse_idp_metadata(xml)
    assert idp.entity_id == "urn:idp"
    assert idp.sso_endpoint() == (BINDING_REDIRECT, "https://idp/sso")
    assert sha256_fingerprint(idp.signing_certificates[0]) == sha256_fingerprint(keys.certificate_pem)


def test_post_only_idp(keys: KeyPair) -> None:
    xml = build_idp_metadata("urn:idp", "https://idp/sso", keys.certificate_pem, binding=BINDING_POST)
    assert parse_idp_metadata(xml).sso_endpoint() == (BINDING_POST, "https://idp/sso")


def test_sp_metadata_is_not_idp_metadata(keys: KeyPair) -> None:
    xml = build_sp_metadata("https://sp/", "https://sp/acs", keys.certificate_pem)
    with pytest.raises(MetadataError, match="service provider metadata") as error:
        parse_idp_metadata(xml)
    assert error.value.kind == "not_idp_metadata"


def test_expired_certificate(keys: KeyPair) -> None:
    old = generate_key_pair("old", valid_days=1, not_before=datetime.now(UTC) - timedelta(days=10))
    xml = build_idp_metadata("urn:idp", "https://idp/sso", old.certificate_pem)
    with pytest.raises(MetadataError, match="expired on") as error:
        parse_idp_metadata(xml)
    assert error.value.kind == "certificate_expired"


def test_no_signing_certificate(keys: KeyPair) -> None:
    xml = build_idp_metadata("urn:idp", "https://idp/sso", keys.certificate_pem).replace(
        'use="signing"', 'use="encryption"'
    )
    with pytest.raises(MetadataError) as error:
        parse_idp_metadata(xml)
    assert error.value.kind == "no_signing_certificate"


@pytest.mark.parametrize(
    ("xml", "kind"),
    [
        ("plain text", "not_xml"),
        ("<html/>", "not_idp_metadata"),
        ('<!DOCTYPE m [<!ENTITY a "a">]><m>&a;</m>', "not_xml"),
    ],
)
def test_unusable_documents(xml: str, kind: str) -> None:
    with pytest.raises(MetadataError) as error:
        parse_idp_metadata(xml)
    assert error.value.kind == kind


def test_sp_metadata_declares_acs_and_certificate(keys: KeyPair) -> None:
    from saml2.mdstore import MetadataStore

    xml = build_sp_metadata("https://sp/", "https://sp/acs", keys.certificate_pem, organization="Acme")
    store = MetadataStore(None, None)
    store.load("inline", xml)
    assert store.assertion_consumer_service("https://sp/")[0]["location"] == "https://sp/acs"
    assert store.certs("https://sp/", "spsso", "signing")
