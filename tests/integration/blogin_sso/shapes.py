"""Identity provider metadata in the shapes real products publish, trimmed to their structure.

Each builder takes the certificates to publish (made with ``sandbox.saml.keys``) and the entity ID and
SSO URL to use, so a test IdP can sign in with what the document describes. The layouts follow what
Okta, Entra ID, Google Workspace, Keycloak, ADFS and the Shibboleth IdP serve: their namespaces,
extra roles, signatures, bindings, NameID formats and key descriptors; no real tenant's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.saml.keys import certificate_body

POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"
SIMPLE_SIGN = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign"
SHIB1 = "urn:mace:shibboleth:1.0:profiles:AuthnRequest"
FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:"
FORMAT2 = "urn:oasis:names:tc:SAML:2.0:nameid-format:"


@dataclass(frozen=True)
class Shape:
    """A metadata document and what a service provider must read from it."""

    name: str
    xml: str
    entity_id: str
    sso_url: str
    binding: str  # "HTTP-Redirect" or "HTTP-POST": what BlogIn sends its AuthnRequest with
    certificate_count: int


def _cert(pem: str, indent: str = "") -> str:
    """A certificate body folded at 64 columns, as many IdPs print it."""
    body = certificate_body(pem)
    return "\n".join(indent + body[i : i + 64] for i in range(0, len(body), 64))


def _key(pem: str, use: str | None = "signing", prefix: str = "md:", ds: str = "ds:") -> str:
    use_attribute = f' use="{use}"' if use else ""
    return (
        f"<{prefix}KeyDescriptor{use_attribute}><{ds}KeyInfo><{ds}X509Data><{ds}X509Certificate>\n"
        f"{_cert(pem, '          ')}\n"
        f"</{ds}X509Certificate></{ds}X509Data></{ds}KeyInfo></{prefix}KeyDescriptor>"
    )


def _signature(pem: str, reference: str) -> str:
    """An enveloped ds:Signature block as Entra ID and ADFS put on their metadata (not verified by SPs
    that were given the metadata directly; its values here are placeholders of the right form)."""
    return f"""<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>
<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<Reference URI="#{reference}"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>
<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</DigestValue>
</Reference></SignedInfo><SignatureValue>AAAA</SignatureValue>
<KeyInfo><X509Data><X509Certificate>{certificate_body(pem)}</X509Certificate></X509Data></KeyInfo></Signature>"""


def okta(certificates: list[str], entity_id: str, sso_url: str) -> Shape:
    """Okta's app metadata: one EntityDescriptor, POST and Redirect on the same URL."""
    xml = f"""<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor entityID="{entity_id}" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{"".join(_key(c, ds="ds:").replace("<ds:KeyInfo>", '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">') for c in certificates)}<md:NameIDFormat>{FORMAT}unspecified</md:NameIDFormat><md:NameIDFormat>{FORMAT}emailAddress</md:NameIDFormat><md:SingleSignOnService Binding="{POST}" Location="{sso_url}"/><md:SingleSignOnService Binding="{REDIRECT}" Location="{sso_url}"/></md:IDPSSODescriptor></md:EntityDescriptor>"""  # noqa: E501
    return Shape("okta", xml, entity_id, sso_url, "HTTP-Redirect", len(certificates))


def entra(certificates: list[str], entity_id: str, sso_url: str) -> Shape:
    """Entra ID's federation metadata: a ds:Signature, WS-Federation RoleDescriptors with their own keys,
    then the SAML IDPSSODescriptor; during a rollover two signing certificates."""
    keys = "".join(_key(c, prefix="", ds="") for c in certificates)
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_0c3f2bd1-8e0a-4d7e-b0a9-3f6b2c1d9e77" entityID="{entity_id}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
{_signature(certificates[0], "_0c3f2bd1-8e0a-4d7e-b0a9-3f6b2c1d9e77")}
<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">
<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{certificate_body(certificates[0])}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
<fed:ClaimTypesOffered><auth:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name" xmlns:auth="http://docs.oasis-open.org/wsfed/authorization/200706"><auth:DisplayName>Name</auth:DisplayName></auth:ClaimType></fed:ClaimTypesOffered>
<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{sso_url.replace("/saml2", "/wsfed")}</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint>
</RoleDescriptor>
<RoleDescriptor xsi:type="fed:ApplicationServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">
<fed:TargetScopes><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{entity_id}</wsa:Address></wsa:EndpointReference></fed:TargetScopes>
</RoleDescriptor>
<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
{keys.replace("<KeyInfo>", '<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">')}
<SingleLogoutService Binding="{REDIRECT}" Location="{sso_url}"/>
<SingleSignOnService Binding="{REDIRECT}" Location="{sso_url}"/>
<SingleSignOnService Binding="{POST}" Location="{sso_url}"/>
</IDPSSODescriptor>
</EntityDescriptor>"""  # noqa: E501
    return Shape("entra", xml, entity_id, sso_url, "HTTP-Redirect", len(certificates))


def google(
    certificates: list[str], entity_id: str, sso_url: str, valid_until: str = "2036-01-01T00:00:00.000Z"
) -> Shape:
    """Google Workspace: validUntil, the SSO URL carries a query (idpid=…), email NameIDs."""
    xml = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}" validUntil="{valid_until}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    {"".join(_key(c).replace("<ds:KeyInfo>", '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">') for c in certificates)}
    <md:NameIDFormat>{FORMAT}emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="{REDIRECT}" Location="{sso_url}"/>
    <md:SingleSignOnService Binding="{POST}" Location="{sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""  # noqa: E501
    return Shape("google", xml, entity_id, sso_url, "HTTP-Redirect", len(certificates))


def keycloak(certificates: list[str], entity_id: str, sso_url: str) -> Shape:
    """Keycloak's realm descriptor: an EntitiesDescriptor around one entity, ds:KeyName, every binding on
    one URL (POST listed first), Artifact resolution, four NameID formats, requests signed."""
    keys = "".join(
        f"""<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:KeyName>kc-key-{n}</ds:KeyName><ds:X509Data>
<ds:X509Certificate>{certificate_body(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"""
        for n, c in enumerate(certificates)
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntitiesDescriptor Name="urn:keycloak" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <md:EntityDescriptor entityID="{entity_id}">
    <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
      {keys}
      <md:ArtifactResolutionService Binding="{SOAP}" Location="{sso_url}/resolve" index="0"/>
      <md:SingleLogoutService Binding="{POST}" Location="{sso_url}"/>
      <md:SingleLogoutService Binding="{REDIRECT}" Location="{sso_url}"/>
      <md:NameIDFormat>{FORMAT2}persistent</md:NameIDFormat>
      <md:NameIDFormat>{FORMAT2}transient</md:NameIDFormat>
      <md:NameIDFormat>{FORMAT}unspecified</md:NameIDFormat>
      <md:NameIDFormat>{FORMAT}emailAddress</md:NameIDFormat>
      <md:SingleSignOnService Binding="{POST}" Location="{sso_url}"/>
      <md:SingleSignOnService Binding="{REDIRECT}" Location="{sso_url}"/>
      <md:SingleSignOnService Binding="{SOAP}" Location="{sso_url}"/>
      <md:SingleSignOnService Binding="{ARTIFACT}" Location="{sso_url}"/>
    </md:IDPSSODescriptor>
  </md:EntityDescriptor>
</md:EntitiesDescriptor>"""  # noqa: E501
    return Shape("keycloak", xml, entity_id, sso_url, "HTTP-Redirect", len(certificates))


def adfs(certificates: list[str], entity_id: str, sso_url: str, encryption: str) -> Shape:
    """ADFS FederationMetadata.xml: signed, RoleDescriptors, an SPSSODescriptor *before* the
    IDPSSODescriptor, an encryption key beside the signing one, saml:Attribute offers; saved on Windows
    (byte order mark, CRLF line ends)."""
    keys = "".join(_key(c, prefix="", ds="") for c in certificates).replace(
        "<KeyInfo>", '<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">'
    )
    encryption_key = _key(encryption, "encryption", prefix="", ds="").replace(
        "<KeyInfo>", '<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">'
    )
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_7d3c8a40-2f61-4c3b-9a55-0e1f2a3b4c5d" entityID="{entity_id}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
{_signature(certificates[0], "_7d3c8a40-2f61-4c3b-9a55-0e1f2a3b4c5d")}
<RoleDescriptor xsi:type="fed:ApplicationServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">
{encryption_key}
<fed:TargetScopes><EndpointReference xmlns="http://www.w3.org/2005/08/addressing"><Address>{sso_url}</Address></EndpointReference></fed:TargetScopes>
</RoleDescriptor>
<SPSSODescriptor WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
{encryption_key}
<AssertionConsumerService Binding="{POST}" Location="{sso_url}" index="0" isDefault="true"/>
</SPSSODescriptor>
<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
{encryption_key}
{keys}
<SingleLogoutService Binding="{REDIRECT}" Location="{sso_url}"/>
<SingleLogoutService Binding="{POST}" Location="{sso_url}"/>
<NameIDFormat>{FORMAT}emailAddress</NameIDFormat>
<NameIDFormat>{FORMAT2}persistent</NameIDFormat>
<NameIDFormat>{FORMAT2}transient</NameIDFormat>
<SingleSignOnService Binding="{REDIRECT}" Location="{sso_url}"/>
<SingleSignOnService Binding="{POST}" Location="{sso_url}"/>
<Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" FriendlyName="E-Mail Address" xmlns="urn:oasis:names:tc:SAML:2.0:assertion"/>
</IDPSSODescriptor>
</EntityDescriptor>"""  # noqa: E501
    windows = "\ufeff" + xml.replace("\n", "\r\n")
    return Shape("adfs", windows, entity_id, sso_url, "HTTP-Redirect", len(certificates))


def shibboleth(certificates: list[str], entity_id: str, sso_url: str) -> Shape:
    """The Shibboleth IdP's own metadata: SAML 1 and 2, scopes and UI info, KeyDescriptors without
    ``use`` (back-channel and front-channel keys), SAML 1 and SimpleSign bindings listed first."""
    keys = "".join(_key(c, use=None, prefix="", ds="ds:") for c in certificates)
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" xmlns:xml="http://www.w3.org/XML/1998/namespace" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" entityID="{entity_id}">
    <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol urn:oasis:names:tc:SAML:1.1:protocol urn:mace:shibboleth:1.0">
        <Extensions>
            <shibmd:Scope regexp="false">acme.example</shibmd:Scope>
            <mdui:UIInfo>
                <mdui:DisplayName xml:lang="de">Acme Anmeldung</mdui:DisplayName>
                <mdui:DisplayName xml:lang="en">Acme University Login</mdui:DisplayName>
            </mdui:UIInfo>
        </Extensions>
        {keys}
        <ArtifactResolutionService Binding="urn:oasis:names:tc:SAML:1.0:bindings:SOAP-binding" Location="{sso_url}/SAML1/SOAP/ArtifactResolution" index="1"/>
        <NameIDFormat>{FORMAT2}transient</NameIDFormat>
        <SingleSignOnService Binding="{SHIB1}" Location="{sso_url}/Shibboleth/SSO"/>
        <SingleSignOnService Binding="{POST}" Location="{sso_url}/SAML2/POST/SSO"/>
        <SingleSignOnService Binding="{SIMPLE_SIGN}" Location="{sso_url}/SAML2/POST-SimpleSign/SSO"/>
        <SingleSignOnService Binding="{REDIRECT}" Location="{sso_url}/SAML2/Redirect/SSO"/>
    </IDPSSODescriptor>
    <AttributeAuthorityDescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol">
        {keys}
        <AttributeService Binding="urn:oasis:names:tc:SAML:1.0:bindings:SOAP-binding" Location="{sso_url}/SAML1/SOAP/AttributeQuery"/>
    </AttributeAuthorityDescriptor>
</EntityDescriptor>"""  # noqa: E501
    return Shape("shibboleth", xml, entity_id, f"{sso_url}/SAML2/Redirect/SSO", "HTTP-Redirect", len(certificates))


def one_binding(certificates: list[str], entity_id: str, sso_url: str, binding: str) -> Shape:
    """A minimal IdP offering a single SSO binding (HTTP-POST only, or HTTP-Redirect only)."""
    xml = f"""<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    {"".join(_key(c, prefix="", ds="ds:").replace("<ds:KeyInfo>", '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">') for c in certificates)}
    <SingleSignOnService Binding="{binding}" Location="{sso_url}"/>
  </IDPSSODescriptor>
</EntityDescriptor>"""  # noqa: E501
    name = "HTTP-POST" if binding == POST else "HTTP-Redirect"
    return Shape(f"only-{name}", xml, entity_id, sso_url, name, len(certificates))


def aggregate(documents: list[Shape], valid_until: str = "2036-01-01T00:00:00Z", sp_pem: str = "") -> str:
    """A federation-style EntitiesDescriptor: the given IdPs (nested one level, as federations group
    them) and a service provider, all under one validUntil."""
    entities = []
    for shape in documents:
        xml = shape.xml.lstrip("\ufeff")
        if xml.startswith("<?xml"):
            xml = xml[xml.index("?>") + 2 :]
        entities.append(xml)
    sp = f"""<md:EntityDescriptor entityID="https://sp.partner.example/shibboleth"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{_key(sp_pem) if sp_pem else ""}<md:AssertionConsumerService Binding="{POST}" Location="https://sp.partner.example/acs" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>"""  # noqa: E501
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Name="https://federation.example/metadata" validUntil="{valid_until}">
  <md:EntitiesDescriptor Name="identity-providers">
    {"".join(entities)}
  </md:EntitiesDescriptor>
  {sp}
</md:EntitiesDescriptor>"""  # noqa: E501
