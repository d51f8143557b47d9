"""The signature of an HTTP-Redirect query string, checked over the octets as received
(SAML 2.0 Bindings §3.4.4.1), and JumpCloud's IdP refusing what does not verify with either backend."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from sandbox.saml.backend import BACKENDS
from sandbox.saml.idp import IdentityProviders, IdpError, IdpSettings, ServiceProviderSettings
from sandbox.saml.keys import KeyPair, generate_key_pair
from sandbox.saml.metadata import BINDING_REDIRECT
from sandbox.saml.query_signature import (
    SIG_RSA_SHA1,
    SIG_RSA_SHA256,
    SIG_RSA_SHA512,
    QuerySignatureRefused,
    SpQuerySignature,
    signed_query,
)
from sandbox.saml.sp_request import AuthnRequestBuilder

SP_KEYS = generate_key_pair("query signer sp")
OTHER_KEYS = generate_key_pair("query signer someone else")
IDP_KEYS = generate_key_pair("query signer idp")
SSO_URL = "http://console.jumpcloud.localhost:1/saml2/query"
SP_ENTITY_ID = "http://acme.blogin.localhost:1/"
ACS_URL = "http://acme.blogin.localhost:1/sso/saml/callback"
DIGESTS = {SIG_RSA_SHA1: hashes.SHA1(), SIG_RSA_SHA256: hashes.SHA256(), SIG_RSA_SHA512: hashes.SHA512()}
DSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#dsa-sha1"
# A RelayState with characters that URL encoders write in more than one way (space, "/", "?", "=").
RELAY_STATE = "/feed?tab=new posts&page=2"

Encoder = Callable[[str], str]


def _saml_request() -> str:
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="id-query-test" Version="2.0" '
        f'IssueInstant="{datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}" Destination="{SSO_URL}" '
        f'AssertionConsumerServiceURL="{ACS_URL}"><saml:Issuer>{SP_ENTITY_ID}</saml:Issuer></samlp:AuthnRequest>'
    )
    deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return base64.b64encode(deflate.compress(xml.encode()) + deflate.flush()).decode()


SAML_REQUEST = _saml_request()


def _private_key(keys: KeyPair) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(keys.private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _signed_query(
    *,
    keys: KeyPair = SP_KEYS,
    sig_alg: str = SIG_RSA_SHA256,
    relay_state: str | None = RELAY_STATE,
    encode: Encoder = quote_plus,
) -> str:
    """A query string signed as a sender does: over ``SAMLRequest=…&RelayState=…&SigAlg=…`` as it sends them."""
    pieces = [f"SAMLRequest={encode(SAML_REQUEST)}"]
    if relay_state is not None:
        pieces.append(f"RelayState={encode(relay_state)}")
    pieces.append(f"SigAlg={encode(sig_alg)}")
    signed = "&".join(pieces).encode("ascii")
    signature = _private_key(keys).sign(signed, padding.PKCS1v15(), DIGESTS.get(sig_alg, hashes.SHA256()))
    return "&".join([*pieces, f"Signature={encode(base64.b64encode(signature).decode())}"])


def _check(query: str, certificate_pem: str = SP_KEYS.certificate_pem) -> str | None:
    return SpQuerySignature(certificate_pem).check(query.encode("ascii"))


def _replace(query: str, name: str, value: str) -> str:
    return "&".join(f"{name}={value}" if piece.startswith(f"{name}=") else piece for piece in query.split("&"))


@pytest.mark.parametrize(
    ("sig_alg", "name"), [(SIG_RSA_SHA256, "RSA-SHA256"), (SIG_RSA_SHA1, "RSA-SHA1"), (SIG_RSA_SHA512, "RSA-SHA512")]
)
def test_a_good_signature_verifies_and_names_its_algorithm(sig_alg: str, name: str) -> None:
    assert _check(_signed_query(sig_alg=sig_alg)) == name


def test_a_signature_without_relay_state_covers_only_the_request_and_the_algorithm() -> None:
    assert _check(_signed_query(relay_state=None)) == "RSA-SHA256"


def test_the_signed_parameters_are_read_in_the_bindings_order_whatever_order_they_arrive_in() -> None:
    pieces = _signed_query().split("&")
    assert _check("&".join(reversed(pieces))) == "RSA-SHA256"


def test_an_unsigned_query_is_accepted_with_or_without_an_sp_certificate() -> None:
    query = f"SAMLRequest={quote_plus(SAML_REQUEST)}&RelayState=%2Ffeed"
    assert _check(query) is None
    assert _check(query, certificate_pem="") is None


def test_a_tampered_relay_state_is_refused() -> None:
    query = _replace(_signed_query(), "RelayState", quote_plus("https://evil.example/"))
    with pytest.raises(QuerySignatureRefused, match="RSA-SHA256 signature over the query string does not verify"):
        _check(query)


def test_a_tampered_saml_request_is_refused() -> None:
    other = base64.b64encode(zlib.compress(b"<samlp:AuthnRequest/>")[2:-4]).decode()
    with pytest.raises(QuerySignatureRefused, match="does not verify with the application's SP certificate"):
        _check(_replace(_signed_query(), "SAMLRequest", quote_plus(other)))


def test_a_relay_state_dropped_after_signing_is_refused() -> None:
    query = "&".join(piece for piece in _signed_query().split("&") if not piece.startswith("RelayState="))
    with pytest.raises(QuerySignatureRefused, match="does not verify"):
        _check(query)


def test_a_tampered_sig_alg_is_refused() -> None:
    with pytest.raises(QuerySignatureRefused, match="RSA-SHA512 signature over the query string does not verify"):
        _check(_replace(_signed_query(), "SigAlg", quote_plus(SIG_RSA_SHA512)))


def test_a_signature_made_with_another_key_is_refused() -> None:
    with pytest.raises(QuerySignatureRefused, match="or it was signed with another key"):
        _check(_signed_query(keys=OTHER_KEYS))


def test_the_octets_as_received_are_verified_even_when_the_sender_encodes_unlike_python() -> None:
    """Lower-case hex escapes and %20 for a space: another valid URL encoding, signed as the sender sent it."""

    def lower_hex(value: str) -> str:
        return re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group(0).lower(), quote(value, safe=""))

    query = _signed_query(encode=lower_hex)
    assert "%2f" in query and "%20" in query
    assert _check(query) == "RSA-SHA256"


def test_a_query_re_encoded_after_signing_is_refused() -> None:
    """Same decoded values, other octets: the signature covers the octets (Bindings §3.4.4.1)."""
    query = _signed_query()
    re_encoded = _replace(query, "RelayState", quote(RELAY_STATE, safe="/"))
    assert re_encoded != query
    with pytest.raises(QuerySignatureRefused, match="does not verify"):
        _check(re_encoded)


def test_an_unknown_sig_alg_is_refused_by_name() -> None:
    with pytest.raises(QuerySignatureRefused, match=f"its SigAlg {DSA_SHA1} is not a signature algorithm"):
        _check(_signed_query(sig_alg=DSA_SHA1))


def test_a_signature_without_sig_alg_is_refused() -> None:
    query = "&".join(piece for piece in _signed_query().split("&") if not piece.startswith("SigAlg="))
    with pytest.raises(QuerySignatureRefused, match="a Signature but no SigAlg"):
        _check(query)


def test_a_sig_alg_without_signature_is_refused() -> None:
    query = "&".join(piece for piece in _signed_query().split("&") if not piece.startswith("Signature="))
    with pytest.raises(QuerySignatureRefused, match="a SigAlg but no Signature"):
        _check(query)


@pytest.mark.parametrize("name", ["SigAlg", "RelayState", "SAMLRequest"])
def test_a_signed_parameter_given_twice_is_refused(name: str) -> None:
    query = _signed_query()
    duplicate = next(piece for piece in query.split("&") if piece.startswith(f"{name}="))
    with pytest.raises(QuerySignatureRefused, match=f"gives {name} more than once"):
        _check(f"{query}&{duplicate}")


def test_an_unsigned_query_with_a_repeated_parameter_is_left_to_the_reader() -> None:
    query = f"SAMLRequest={quote_plus(SAML_REQUEST)}&RelayState=%2Ffeed&RelayState=%2Fother"
    assert _check(query) is None


def test_a_signature_that_is_not_base64_is_refused() -> None:
    with pytest.raises(QuerySignatureRefused, match="its Signature is not valid base64"):
        _check(_replace(_signed_query(), "Signature", "not*base64"))


def test_a_signed_query_needs_an_sp_certificate() -> None:
    with pytest.raises(QuerySignatureRefused, match=r"signed \(RSA-SHA256\), but this application has no SP cert"):
        _check(_signed_query(), certificate_pem="")


def test_an_sp_certificate_without_an_rsa_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec sp")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now.replace(year=now.year + 1))
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(QuerySignatureRefused, match="SP certificate does not hold an RSA key"):
        _check(_signed_query(), certificate_pem=pem)


def test_the_signed_octets_are_the_pieces_as_received() -> None:
    query = _signed_query(encode=lambda value: quote(value, safe=""))
    signed = signed_query(query.encode())
    assert signed is not None
    assert signed.signed == query.rsplit("&Signature=", 1)[0].encode()
    assert signed.algorithm == SIG_RSA_SHA256


@pytest.fixture(scope="module")
def providers() -> Iterator[IdentityProviders]:
    built = IdentityProviders()
    yield built
    built.close()


def _redirect(relay_state: str | None) -> tuple[str, str]:
    """BlogIn's own signed HTTP-Redirect URL: the ``SAMLRequest`` value and the raw query string."""
    builder = AuthnRequestBuilder(
        entity_id=SP_ENTITY_ID,
        acs_url=ACS_URL,
        binding=BINDING_REDIRECT,
        destination=SSO_URL,
        sign=True,
        key_pem=SP_KEYS.private_key_pem,
        certificate_pem=SP_KEYS.certificate_pem,
    )
    query = urlsplit(builder.build(relay_state).url).query
    return parse_qs(query)["SAMLRequest"][0], query


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_idp_checks_the_query_signature_with_either_backend(providers: IdentityProviders, backend: str) -> None:
    idp = IdpSettings("JumpCloud", SSO_URL, IDP_KEYS.certificate_pem, IDP_KEYS.private_key_pem, backend=backend)
    provider = providers.get(idp, ServiceProviderSettings(SP_ENTITY_ID, (ACS_URL,), SP_KEYS.certificate_pem))
    value, query = _redirect("/feed")
    info = provider.read_authn_request(value, "HTTP-Redirect", "/feed", query.encode())
    assert info.query_signature == "RSA-SHA256"
    assert provider.read_authn_request(value, "HTTP-Redirect", "/feed").query_signature is None

    tampered = query.replace("RelayState=%2Ffeed", "RelayState=%2Fadmin")
    with pytest.raises(IdpError, match="could not be accepted: its RSA-SHA256 signature over the query string"):
        provider.read_authn_request(value, "HTTP-Redirect", "/admin", tampered.encode())
