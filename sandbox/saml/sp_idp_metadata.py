"""An identity provider's metadata as a service provider reads it, whatever product published it.

Real IdPs publish metadata in many shapes: Okta and JumpCloud a bare ``EntityDescriptor``; Entra ID
and ADFS one with a ``ds:Signature``, WS-Federation ``RoleDescriptor``s (and, for ADFS, an
``SPSSODescriptor`` beside the IdP's); Shibboleth several bindings (SAML 1 ones too), ``KeyDescriptor``s
without ``use`` and scopes; federations an ``EntitiesDescriptor`` holding many entities, with a
``validUntil``; files saved on Windows carry a byte order mark, CRLF line ends or UTF-16. This module
reads all of them the same way:

- the IdP entity is the one that has an ``IDPSSODescriptor`` for SAML 2.0; when a document holds
  several, the caller must name one (:class:`EntityChoiceNeeded` lists them);
- every signing certificate is kept (``use="signing"`` or no ``use``), so during a certificate
  rollover a response signed with either verifies;
- ``validUntil`` (the entity's or any enclosing ``EntitiesDescriptor``'s, the earliest) is honoured;
- what is kept is a small standalone ``EntityDescriptor`` (:attr:`IdpDocument.xml`): the entity ID,
  its SAML 2.0 ``IDPSSODescriptor`` and its validity, nothing another party's role could confuse.

Every problem is a :class:`sandbox.saml.metadata.MetadataError` whose message a person can act on.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lxml import etree

from sandbox.saml.keys import CertificateError, certificate_facts, certificate_pem
from sandbox.saml.metadata import (
    BINDING_NAMES,
    BINDING_POST,
    BINDING_REDIRECT,
    DS,
    MD,
    SAML2_PROTOCOL,
    IdpMetadata,
    MetadataError,
)
from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml
from sandbox.saml.sp_types import utc_moment

MDUI = "urn:oasis:names:tc:SAML:metadata:ui"
_ENTITY = f"{{{MD}}}EntityDescriptor"
_ENTITIES = f"{{{MD}}}EntitiesDescriptor"
_IDP = f"{{{MD}}}IDPSSODescriptor"
_SP = f"{{{MD}}}SPSSODescriptor"
_KEY = f"{{{MD}}}KeyDescriptor"
_SSO = f"{{{MD}}}SingleSignOnService"
_SLO = f"{{{MD}}}SingleLogoutService"
_NAME_ID_FORMAT = f"{{{MD}}}NameIDFormat"
_CERTIFICATE = f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]", re.I | re.S)

# Short names for the bindings people meet in metadata, for messages.
_OTHER_BINDINGS = {
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact": "HTTP-Artifact",
    "urn:oasis:names:tc:SAML:2.0:bindings:SOAP": "SOAP",
    "urn:oasis:names:tc:SAML:2.0:bindings:PAOS": "PAOS (ECP)",
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign": "HTTP-POST-SimpleSign",
    "urn:mace:shibboleth:1.0:profiles:AuthnRequest": "Shibboleth 1.0 AuthnRequest",
    "urn:mace:shibboleth:2.0:profiles:AuthnRequest": "Shibboleth unsolicited SSO",
}


class EntityChoiceNeeded(MetadataError):
    """The document describes several identity providers and none was named; ``choices`` lists them."""

    def __init__(self, choices: list[IdpChoice]) -> None:
        super().__init__(
            "several_idps",
            f"This metadata describes {len(choices)} identity providers; choose the one BlogIn should trust.",
        )
        self.choices = choices


@dataclass(frozen=True)
class IdpChoice:
    """One identity provider found in a document: its entity ID and the name it gives itself, if any."""

    entity_id: str
    display_name: str


@dataclass(frozen=True)
class IdpCertificate:
    """A signing certificate from the metadata, with what an administrator checks about it."""

    pem: str
    fingerprint_sha256: str
    subject: str
    not_before: datetime
    not_after: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) > self.not_after


@dataclass(frozen=True)
class IdpDocument:
    """What was read from an identity provider's metadata (see :func:`describe_idp_metadata`)."""

    entity_id: str
    display_name: str
    sso_urls: dict[str, str]  # binding URN → Location, for HTTP-Redirect and HTTP-POST
    slo_urls: dict[str, str]
    certificates: tuple[IdpCertificate, ...]  # every signing certificate, expired ones too, as declared
    want_authn_requests_signed: bool
    name_id_formats: tuple[str, ...]
    valid_until: datetime | None
    entity_count: int  # identity providers in the document this one was chosen from
    xml: str  # the standalone EntityDescriptor a service provider keeps

    def usable_certificates(self, now: datetime | None = None) -> list[IdpCertificate]:
        """The certificates a signature may be verified with: those not expired."""
        return [c for c in self.certificates if not c.expired(now)]

    def sso_endpoint(self) -> tuple[str, str]:
        """(binding, URL) to send an AuthnRequest to: HTTP-Redirect, or HTTP-POST when that is all there is."""
        for binding in (BINDING_REDIRECT, BINDING_POST):
            if binding in self.sso_urls:
                return binding, self.sso_urls[binding]
        raise MetadataError("no_sso_url", "The identity provider declares no HTTP-Redirect or HTTP-POST SSO URL.")

    def check_usable(self, now: datetime | None = None) -> IdpMetadata:
        """What a service provider signs users in with; raises :class:`MetadataError` when the metadata has
        expired (``validUntil``) or every signing certificate has."""
        moment = now or datetime.now(UTC)
        if self.valid_until is not None and moment > self.valid_until:
            raise MetadataError(
                "metadata_expired",
                f"This metadata was valid until {self.valid_until:%Y-%m-%d %H:%M} UTC (its validUntil) and must not "
                "be used after that. Get current metadata from the identity provider.",
            )
        usable = self.usable_certificates(moment)
        if not usable:
            last = max(self.certificates, key=lambda c: c.not_after)
            which = (
                "The identity provider's signing certificate"
                if len(self.certificates) == 1
                else f"All {len(self.certificates)} signing certificates of the identity provider have expired; "
                "the last"
            )
            raise MetadataError(
                "certificate_expired",
                f"{which} expired on {last.not_after:%Y-%m-%d %H:%M} UTC (SHA-256 {last.fingerprint_sha256}). "
                "Ask the identity provider for a current certificate.",
            )
        return IdpMetadata(
            entity_id=self.entity_id,
            sso_urls=dict(self.sso_urls),
            signing_certificates=[c.pem for c in usable],
            slo_urls=dict(self.slo_urls),
            want_authn_requests_signed=self.want_authn_requests_signed,
        )


def read_idp_metadata(
    data: str | bytes, *, entity_id: str | None = None, now: datetime | None = None
) -> tuple[IdpDocument, IdpMetadata]:
    """:func:`describe_idp_metadata`, then :meth:`IdpDocument.check_usable`: the document and what signs in."""
    document = describe_idp_metadata(data, entity_id=entity_id)
    return document, document.check_usable(now)


def describe_idp_metadata(data: str | bytes, *, entity_id: str | None = None) -> IdpDocument:
    """Read identity provider metadata of any common shape; ``entity_id`` picks one of several IdPs.

    Raises :class:`MetadataError` for anything unusable (:class:`EntityChoiceNeeded` when the document
    holds several IdPs and ``entity_id`` names none of them). Expiry is not judged here, so a saved
    configuration can still be shown once it has expired: see :meth:`IdpDocument.check_usable`.
    """
    root = _parse(data)
    entities = _idp_entities(root)
    if entity_id:
        chosen = [e for e in entities if _entity_id(e) == entity_id.strip()]
        if not chosen:
            if len(entities) == 1:
                raise MetadataError(
                    "entity_not_found",
                    f"This metadata describes the identity provider “{_entity_id(entities[0])}”, not “{entity_id}”.",
                )
            raise EntityChoiceNeeded([_choice(e) for e in entities])
        entity = chosen[0]
    elif len(entities) > 1:
        raise EntityChoiceNeeded([_choice(e) for e in entities])
    else:
        entity = entities[0]
    return _describe(entity, len(entities))


def _parse(data: str | bytes) -> etree._Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if _HTML_START.match(raw[:4096].lstrip(codecs.BOM_UTF8)):
        raise MetadataError(
            "html",
            "This is a web page (HTML), not SAML 2.0 metadata: perhaps a sign-in page, or the page that links to the "
            "metadata. Use the metadata document itself (an .xml file or its URL).",
        )
    try:
        return parse_xml(_tidy(data))
    except UnsafeXmlError as error:
        raise MetadataError("not_xml", f"The metadata is not usable XML. {error}") from error


def _tidy(data: str | bytes) -> str | bytes:
    """The document without what editors and Windows add before it: a byte order mark, blank lines.

    UTF-16 files are decoded; text keeps no encoding declaration (it no longer describes the bytes).
    """
    if isinstance(data, bytes):
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            data = data.decode("utf-16")
        else:
            return data.removeprefix(codecs.BOM_UTF8).lstrip()
    return _XML_DECLARATION.sub("", data.lstrip("\ufeff \t\r\n"), count=1)


def _idp_entities(root: etree._Element) -> list[etree._Element]:
    tag = etree.QName(root)
    if tag.namespace != MD or tag.localname not in ("EntityDescriptor", "EntitiesDescriptor"):
        where = f"<{tag.localname}>" if tag.namespace in (None, MD) else f"<{tag.localname}> ({tag.namespace})"
        raise MetadataError(
            "not_idp_metadata",
            f"This XML is not SAML 2.0 metadata: its root element is {where}, not <EntityDescriptor>.",
        )
    entities = [root] if root.tag == _ENTITY else list(root.iter(_ENTITY))
    found = [e for e in entities if _saml2_idp(e) is not None]
    if found:
        return found
    if any(e.find(_SP) is not None for e in entities):
        raise MetadataError(
            "not_idp_metadata",
            "This is service provider metadata (it has an SPSSODescriptor), not identity provider metadata. "
            "Use the metadata of your identity provider (for JumpCloud: Copy Metadata URL on the SSO tab).",
        )
    if any(e.find(_IDP) is not None for e in entities):
        raise MetadataError(
            "not_idp_metadata",
            "This identity provider supports only older protocols (SAML 1.1 or Shibboleth 1.3), not SAML 2.0.",
        )
    if root.tag == _ENTITIES and not entities:
        raise MetadataError("not_idp_metadata", "This EntitiesDescriptor is empty: it describes no entity.")
    raise MetadataError("not_idp_metadata", "This metadata describes no SAML 2.0 identity provider (IDPSSODescriptor).")


def _saml2_idp(entity: etree._Element) -> etree._Element | None:
    for descriptor in entity.iterfind(_IDP):
        if SAML2_PROTOCOL in (descriptor.get("protocolSupportEnumeration") or "").split():
            return descriptor
    return None


def _entity_id(entity: etree._Element) -> str:
    return (entity.get("entityID") or "").strip()


def _choice(entity: etree._Element) -> IdpChoice:
    return IdpChoice(_entity_id(entity) or "(no entityID)", _display_name(entity))


def _display_name(entity: etree._Element) -> str:
    for path in (
        f"{_IDP}/{{{MD}}}Extensions/{{{MDUI}}}UIInfo/{{{MDUI}}}DisplayName",
        f"{{{MD}}}Organization/{{{MD}}}OrganizationDisplayName",
        f"{{{MD}}}Organization/{{{MD}}}OrganizationName",
    ):
        names = [(e.text or "").strip() for e in entity.iterfind(path)]
        english = [n for e, n in zip(entity.iterfind(path), names, strict=True) if n and _lang(e) == "en"]
        named = english or [n for n in names if n]
        if named:
            return " ".join(named[0].split())[:200]
    return ""


def _lang(element: etree._Element) -> str:
    return (element.get("{http://www.w3.org/XML/1998/namespace}lang") or "").split("-")[0].lower()


def _endpoints(descriptor: etree._Element, tag: str) -> dict[str, str]:
    endpoints: dict[str, str] = {}
    for service in descriptor.iterfind(tag):
        binding, location = (service.get("Binding") or "").strip(), (service.get("Location") or "").strip()
        if binding in BINDING_NAMES and location and binding not in endpoints:  # the first declared wins
            endpoints[binding] = location
    return endpoints


def _valid_until(entity: etree._Element) -> datetime | None:
    """The earliest validUntil on the entity or any EntitiesDescriptor around it."""
    moments: list[datetime] = []
    element: etree._Element | None = entity
    while element is not None:
        value = element.get("validUntil")
        if value is not None:
            moment = utc_moment(value)
            if moment is None:
                raise MetadataError("invalid_valid_until", f"The metadata's validUntil “{value}” is not a valid time.")
            moments.append(moment)
        element = element.getparent()
    return min(moments) if moments else None


def _describe(entity: etree._Element, entity_count: int) -> IdpDocument:
    entity_id = _entity_id(entity)
    if not entity_id:
        raise MetadataError("not_idp_metadata", "The identity provider's EntityDescriptor has no entityID.")
    descriptor = _saml2_idp(entity)
    assert descriptor is not None  # only such entities are chosen
    sso_urls = _endpoints(descriptor, _SSO)
    if not sso_urls:
        declared = [(s.get("Binding") or "").strip() for s in descriptor.iterfind(_SSO)]
        named = ", ".join(dict.fromkeys(_OTHER_BINDINGS.get(b, b or "(no binding)") for b in declared))
        raise MetadataError(
            "no_sso_url",
            "The identity provider declares no SingleSignOnService for HTTP-Redirect or HTTP-POST"
            + (f" (only {named})" if named else "")
            + "; BlogIn sends its AuthnRequest with one of those two.",
        )
    for binding, location in sso_urls.items():
        parts = urlsplit(location)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise MetadataError(
                "invalid_sso_url",
                f"The identity provider's {BINDING_NAMES[binding]} SSO URL “{location[:200]}” is not an http:// or "
                "https:// address; BlogIn sends people's browsers only to such addresses.",
            )
    certificates = _signing_certificates(descriptor)
    formats = tuple(dict.fromkeys((e.text or "").strip() for e in descriptor.iterfind(_NAME_ID_FORMAT) if e.text))
    want_signed = (descriptor.get("WantAuthnRequestsSigned") or "").strip().lower() in ("true", "1")
    valid_until = _valid_until(entity)
    document = IdpDocument(
        entity_id=entity_id,
        display_name=_display_name(entity),
        sso_urls=sso_urls,
        slo_urls=_endpoints(descriptor, _SLO),
        certificates=certificates,
        want_authn_requests_signed=want_signed,
        name_id_formats=formats,
        valid_until=valid_until,
        entity_count=entity_count,
        xml="",
    )
    return replace(document, xml=standalone_metadata(document))


def _signing_certificates(descriptor: etree._Element) -> tuple[IdpCertificate, ...]:
    certificates: dict[str, IdpCertificate] = {}
    for key in descriptor.iterfind(_KEY):
        if (key.get("use") or "").strip() not in ("", "signing"):
            continue
        for element in key.iterfind(_CERTIFICATE):
            try:
                pem = certificate_pem(element.text or "")
                facts = certificate_facts(pem)
            except CertificateError as error:
                raise MetadataError(
                    "unreadable_certificate", f"A signing certificate in the metadata cannot be read: {error}"
                ) from error
            certificates.setdefault(
                facts.fingerprint_sha256,
                IdpCertificate(pem, facts.fingerprint_sha256, facts.subject, facts.not_before, facts.not_after),
            )
    if not certificates:
        raise MetadataError(
            "no_signing_certificate",
            "The identity provider metadata contains no signing certificate (a KeyDescriptor with "
            'use="signing", or without use, holding an X509Certificate).',
        )
    return tuple(certificates.values())


def standalone_metadata(document: IdpDocument) -> str:
    """``document``'s identity provider alone, as a service provider keeps it: one SAML 2.0 IDPSSODescriptor."""
    root = etree.Element(_ENTITY, nsmap={"md": MD, "ds": DS}, entityID=document.entity_id)
    if document.valid_until is not None:
        root.set("validUntil", document.valid_until.strftime("%Y-%m-%dT%H:%M:%SZ"))
    idp = etree.SubElement(root, _IDP, protocolSupportEnumeration=SAML2_PROTOCOL)
    if document.want_authn_requests_signed:
        idp.set("WantAuthnRequestsSigned", "true")
    for certificate in document.certificates:
        key = etree.SubElement(idp, _KEY, use="signing")
        data = etree.SubElement(etree.SubElement(key, f"{{{DS}}}KeyInfo"), f"{{{DS}}}X509Data")
        body = "".join(certificate.pem.strip().splitlines()[1:-1])
        etree.SubElement(data, f"{{{DS}}}X509Certificate").text = body
    for binding, location in document.slo_urls.items():
        etree.SubElement(idp, _SLO, Binding=binding, Location=location)
    for name_id_format in document.name_id_formats:
        etree.SubElement(idp, _NAME_ID_FORMAT).text = name_id_format
    for binding, location in document.sso_urls.items():
        etree.SubElement(idp, _SSO, Binding=binding, Location=location)
    if document.display_name:
        organization = etree.SubElement(root, f"{{{MD}}}Organization")
        for tag in ("OrganizationName", "OrganizationDisplayName"):
            element = etree.SubElement(organization, f"{{{MD}}}{tag}")
            element.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
            element.text = document.display_name
        url = etree.SubElement(organization, f"{{{MD}}}OrganizationURL")
        url.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        url.text = document.entity_id
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def standalone_without_validity(xml: str) -> str:
    """``xml`` (a document :func:`describe_idp_metadata` made) without its ``validUntil``.

    For libraries that refuse expired metadata on loading (pysaml2): the service provider checks the
    validity itself, on every sign-in, and says so in its own words.
    """
    root = parse_xml(xml)
    if root.get("validUntil") is None:
        return xml
    del root.attrib["validUntil"]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()
