"""SAML 2.0 metadata: reading an identity provider's safely, and writing a service provider's and JumpCloud's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from sandbox.saml.idp_types import IdpSettings
from sandbox.saml.keys import CertificateError, certificate_body, certificate_facts, certificate_pem
from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
NS = {"md": MD, "ds": DS}

BINDING_NAMES = {BINDING_REDIRECT: "HTTP-Redirect", BINDING_POST: "HTTP-POST"}


class MetadataError(ValueError):
    """Metadata that cannot be used. ``kind`` names the failure for programs; the message is for people."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class IdpMetadata:
    """What a service provider needs from an identity provider's metadata."""

    entity_id: str
    sso_urls: dict[str, str]  # binding URN → Location
    signing_certificates: list[str]  # PEM, usable (not expired) ones first
    slo_urls: dict[str, str] = field(default_factory=dict)
    want_authn_requests_signed: bool = False

    def sso_endpoint(self) -> tuple[str, str]:
        """(binding, URL) to send an AuthnRequest to: HTTP-Redirect, or HTTP-POST when that is all there is."""
        for binding in (BINDING_REDIRECT, BINDING_POST):
            if binding in self.sso_urls:
                return binding, self.sso_urls[binding]
        raise MetadataError("no_sso_url", "The identity provider declares no HTTP-Redirect or HTTP-POST SSO URL.")


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1")


def _pick_idp_entity(root: etree._Element) -> etree._Element:
    tag = etree.QName(root)
    if tag.namespace != MD or tag.localname not in ("EntityDescriptor", "EntitiesDescriptor"):
        raise MetadataError(
            "not_idp_metadata",
            f"This XML is not SAML 2.0 metadata: its root element is <{tag.localname}>, not <EntityDescriptor>.",
        )
    entities = [root] if tag.localname == "EntityDescriptor" else root.findall(".//md:EntityDescriptor", NS)
    for entity in entities:
        for idp in entity.findall("md:IDPSSODescriptor", NS):
            if SAML2_PROTOCOL in (idp.get("protocolSupportEnumeration") or "").split():
                return entity
    if any(entity.find("md:SPSSODescriptor", NS) is not None for entity in entities):
        raise MetadataError(
            "not_idp_metadata",
            "This is service provider metadata (it has an SPSSODescriptor), not identity provider metadata. "
            "Use the metadata of your identity provider (for JumpCloud: Copy Metadata URL on the SSO tab).",
        )
    raise MetadataError("not_idp_metadata", "This metadata describes no SAML 2.0 identity provider (IDPSSODescriptor).")


def parse_idp_metadata(xml: str | bytes, *, now: datetime | None = None) -> IdpMetadata:
    """Read identity provider metadata; every problem becomes a :class:`MetadataError` with a plain message."""
    try:
        root = parse_xml(xml)
    except UnsafeXmlError as error:
        raise MetadataError("not_xml", f"The metadata is not usable XML. {error}") from error
    entity = _pick_idp_entity(root)
    entity_id = (entity.get("entityID") or "").strip()
    if not entity_id:
        raise MetadataError("not_idp_metadata", "The metadata has no entityID.")
    idp = next(
        d
        for d in entity.findall("md:IDPSSODescriptor", NS)
        if SAML2_PROTOCOL in (d.get("protocolSupportEnumeration") or "").split()
    )
    sso_urls = {
        s.get("Binding", ""): s.get("Location", "")
        for s in reversed(idp.findall("md:SingleSignOnService", NS))  # the first one declared wins
        if s.get("Binding") in BINDING_NAMES and s.get("Location")
    }
    if not sso_urls:
        raise MetadataError(
            "no_sso_url", "The identity provider declares no SingleSignOnService for HTTP-Redirect or HTTP-POST."
        )
    slo_urls = {
        s.get("Binding", ""): s.get("Location", "")
        for s in reversed(idp.findall("md:SingleLogoutService", NS))
        if s.get("Binding") in BINDING_NAMES and s.get("Location")
    }
    certificates: list[str] = []
    for descriptor in idp.findall("md:KeyDescriptor", NS):
        if descriptor.get("use") not in (None, "", "signing"):
            continue
        for element in descriptor.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
            try:
                certificates.append(certificate_pem(element.text or ""))
            except CertificateError as error:
                raise MetadataError(
                    "unreadable_certificate", f"A signing certificate in the metadata cannot be read: {error}"
                ) from error
    if not certificates:
        raise MetadataError(
            "no_signing_certificate",
            'The identity provider metadata contains no signing certificate (KeyDescriptor use="signing").',
        )
    moment = now or datetime.now(UTC)
    usable = [c for c in certificates if not certificate_facts(c).expired(moment)]
    if not usable:
        facts = certificate_facts(certificates[0])
        raise MetadataError(
            "certificate_expired",
            f"The identity provider's signing certificate expired on {facts.not_after:%Y-%m-%d %H:%M} UTC "
            f"(SHA-256 {facts.fingerprint_sha256}). Ask the identity provider for a current certificate.",
        )
    return IdpMetadata(
        entity_id=entity_id,
        sso_urls=sso_urls,
        signing_certificates=usable,
        slo_urls=slo_urls,
        want_authn_requests_signed=_bool(idp.get("WantAuthnRequestsSigned")),
    )


def _key_descriptor(parent: etree._Element, certificate: str, use: str) -> None:
    descriptor = etree.SubElement(parent, f"{{{MD}}}KeyDescriptor", use=use)
    data = etree.SubElement(etree.SubElement(descriptor, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = certificate_body(certificate)


def _to_text(root: etree._Element) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def build_idp_metadata(entity_id: str, sso_url: str, certificate: str, *, binding: str = BINDING_REDIRECT) -> str:
    """Identity provider metadata for settings typed by hand (SSO URL, Issuer, certificate)."""
    root = etree.Element(f"{{{MD}}}EntityDescriptor", nsmap={"md": MD, "ds": DS}, entityID=entity_id)
    idp = etree.SubElement(root, f"{{{MD}}}IDPSSODescriptor", protocolSupportEnumeration=SAML2_PROTOCOL)
    _key_descriptor(idp, certificate, "signing")
    etree.SubElement(idp, f"{{{MD}}}NameIDFormat").text = NAMEID_EMAIL
    etree.SubElement(idp, f"{{{MD}}}SingleSignOnService", Binding=binding, Location=sso_url)
    return _to_text(root)


def build_sp_metadata(
    entity_id: str,
    acs_url: str,
    certificate: str,
    *,
    slo_url: str | None = None,
    want_assertions_signed: bool = True,
    authn_requests_signed: bool = False,
    organization: str | None = None,
) -> str:
    """Service provider metadata: entity ID, ACS (HTTP-POST), optional SLO, signing/encryption certificate."""
    root = etree.Element(f"{{{MD}}}EntityDescriptor", nsmap={"md": MD, "ds": DS}, entityID=entity_id)
    sp = etree.SubElement(
        root,
        f"{{{MD}}}SPSSODescriptor",
        AuthnRequestsSigned="true" if authn_requests_signed else "false",
        WantAssertionsSigned="true" if want_assertions_signed else "false",
        protocolSupportEnumeration=SAML2_PROTOCOL,
    )
    _key_descriptor(sp, certificate, "signing")
    _key_descriptor(sp, certificate, "encryption")
    if slo_url:
        for binding in (BINDING_REDIRECT, BINDING_POST):
            etree.SubElement(sp, f"{{{MD}}}SingleLogoutService", Binding=binding, Location=slo_url)
    etree.SubElement(sp, f"{{{MD}}}NameIDFormat").text = NAMEID_EMAIL
    etree.SubElement(
        sp, f"{{{MD}}}AssertionConsumerService", Binding=BINDING_POST, Location=acs_url, index="0", isDefault="true"
    )
    if organization:
        org = etree.SubElement(root, f"{{{MD}}}Organization")
        for tag in ("OrganizationName", "OrganizationDisplayName"):
            etree.SubElement(
                org, f"{{{MD}}}{tag}", {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
            ).text = organization
        etree.SubElement(
            org, f"{{{MD}}}OrganizationURL", {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
        ).text = entity_id
    return _to_text(root)


def idp_metadata_xml(idp: IdpSettings) -> str:
    """The IdP metadata document: entity ID, signing certificate, NameID format, SSO endpoints.

    Written out here rather than by pysaml2, so that serving it (BlogIn fetches it from its Metadata
    URL, with a timeout) never waits for pysaml2 to load. The HTTP-Redirect endpoint appears only when
    declared (Declare Redirect Endpoint); HTTP-POST always.
    """
    root = etree.Element(f"{{{MD}}}EntityDescriptor", nsmap={"md": MD, "ds": DS}, entityID=idp.entity_id)
    descriptor = etree.SubElement(
        root, f"{{{MD}}}IDPSSODescriptor", protocolSupportEnumeration=SAML2_PROTOCOL, WantAuthnRequestsSigned="false"
    )
    key = etree.SubElement(descriptor, f"{{{MD}}}KeyDescriptor", use="signing")
    data = etree.SubElement(etree.SubElement(key, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = certificate_body(idp.certificate_pem)
    # The one format this application's NameIDs come in: a request for another is refused.
    etree.SubElement(descriptor, f"{{{MD}}}NameIDFormat").text = idp.name_id_format
    bindings = (BINDING_REDIRECT, BINDING_POST) if idp.declare_redirect else (BINDING_POST,)
    for binding in bindings:
        etree.SubElement(descriptor, f"{{{MD}}}SingleSignOnService", Binding=binding, Location=idp.sso_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()
