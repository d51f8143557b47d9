"""Reading a service provider's metadata, as **Upload Metadata** on an application's SSO tab does."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from sandbox.saml.keys import CertificateError, certificate_pem
from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


class SpMetadataError(ValueError):
    """Metadata that cannot configure an application; the message says why, in plain words."""


@dataclass(frozen=True)
class SpMetadata:
    entity_id: str
    acs_urls: tuple[str, ...]
    certificate_pem: str  # empty when the SP publishes no signing certificate
    # (index, URL) of each HTTP-POST ACS URL, as the metadata numbers it (for AssertionConsumerServiceIndex).
    acs_indexes: tuple[tuple[int, str], ...] = ()


def parse_sp_metadata(xml: str | bytes) -> SpMetadata:
    """SP Entity ID, ACS URL(s) (HTTP-POST: the default endpoint first, then in index order) and the SP
    certificate from SP metadata."""
    try:
        root = parse_xml(xml)
    except UnsafeXmlError as error:
        raise SpMetadataError(str(error)) from error
    if root.tag == f"{{{MD}}}EntitiesDescriptor":
        entities = [e for e in root.iter(f"{{{MD}}}EntityDescriptor") if e.find(f"{{{MD}}}SPSSODescriptor") is not None]
        if len(entities) != 1:
            raise SpMetadataError(f"The file describes {len(entities)} service providers; upload the metadata of one.")
        root = entities[0]
    if root.tag != f"{{{MD}}}EntityDescriptor":
        raise SpMetadataError("This is XML, but not SAML 2.0 metadata (no EntityDescriptor).")
    descriptor = root.find(f"{{{MD}}}SPSSODescriptor")
    if descriptor is None:
        raise SpMetadataError("The metadata has no SPSSODescriptor: it does not describe a service provider.")
    entity_id = (root.get("entityID") or "").strip()
    if not entity_id:
        raise SpMetadataError("The metadata has no entityID.")
    posts = [
        service
        for service in descriptor.findall(f"{{{MD}}}AssertionConsumerService")
        if service.get("Binding") == BINDING_POST and service.get("Location", "").strip()
    ]
    if not posts:
        raise SpMetadataError("The metadata has no AssertionConsumerService with the HTTP-POST binding.")
    ordered = sorted(((_index(s), s.get("Location", "").strip()) for s in posts), key=lambda item: item[0])
    # The Default URL comes first, the others in index order.
    default = _default_endpoint(posts).get("Location", "").strip()
    acs_urls = tuple(dict.fromkeys([default, *(url for _, url in ordered)]))
    return SpMetadata(
        entity_id=entity_id,
        acs_urls=acs_urls,
        certificate_pem=_signing_certificate(descriptor),
        acs_indexes=tuple(ordered),
    )


def _default_endpoint(services: list[etree._Element]) -> etree._Element:
    """SAML metadata §2.2.3: the first endpoint with ``isDefault`` true; else the first without
    ``isDefault`` false; else the first (in document order, whatever the indexes say)."""
    flags = [(service.get("isDefault") or "").strip().lower() for service in services]
    for wanted in (lambda flag: flag in ("true", "1"), lambda flag: flag not in ("false", "0")):
        chosen = next((service for service, flag in zip(services, flags, strict=True) if wanted(flag)), None)
        if chosen is not None:
            return chosen
    return services[0]


def _index(service: etree._Element) -> int:
    try:
        return int(service.get("index", "0"))
    except ValueError:
        return 0


def _signing_certificate(descriptor: etree._Element) -> str:
    for key in descriptor.findall(f"{{{MD}}}KeyDescriptor"):
        if key.get("use") in (None, "signing"):
            text = key.findtext(f".//{{{DS}}}X509Certificate")
            if text and text.strip():
                try:
                    return certificate_pem(text)
                except CertificateError as error:
                    raise SpMetadataError(f"The SP certificate in the metadata is unreadable: {error}") from error
    return ""
