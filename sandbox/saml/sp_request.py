"""The AuthnRequest a service provider sends, built with lxml (SAML core §3.4.1, bindings §3.4 and §3.5).

What pysaml2's client would send, without loading pysaml2: an ``AuthnRequest`` naming the ACS URL and
the HTTP-POST binding for the answer, the SP as Issuer and an email NameIDPolicy. HTTP-Redirect
deflates it into the URL; HTTP-POST puts it in a form. When the identity provider's metadata says
``WantAuthnRequestsSigned``, it is signed with RSA-SHA256: over the query string for HTTP-Redirect
(with ``cryptography``), enveloped in the XML for HTTP-POST (with libxmlsec1, imported then).
"""

from __future__ import annotations

import base64
import secrets
import zlib
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from sandbox.saml.backend import SIG_RSA_SHA256
from sandbox.saml.inspect import SAML, SAMLP
from sandbox.saml.metadata import BINDING_POST, BINDING_REDIRECT, NAMEID_EMAIL
from sandbox.saml.sp_types import OutgoingMessage

NAMEID_ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
_NSMAP = {"samlp": SAMLP, "saml": SAML}


def new_message_id() -> str:
    """A fresh message ID: an XML NCName with 128 random bits."""
    return f"id-{secrets.token_hex(16)}"


def authn_request_xml(*, message_id: str, destination: str, entity_id: str, acs_url: str) -> etree._Element:
    """The unsigned AuthnRequest element."""
    request = etree.Element(
        f"{{{SAMLP}}}AuthnRequest",
        nsmap=_NSMAP,
        ID=message_id,
        Version="2.0",
        IssueInstant=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        Destination=destination,
        ProtocolBinding=BINDING_POST,
        AssertionConsumerServiceURL=acs_url,
    )
    issuer = etree.SubElement(request, f"{{{SAML}}}Issuer", Format=NAMEID_ENTITY)
    issuer.text = entity_id
    etree.SubElement(request, f"{{{SAMLP}}}NameIDPolicy", Format=NAMEID_EMAIL, AllowCreate="false")
    return request


class AuthnRequestBuilder:
    """AuthnRequests from one service provider to one identity provider SSO endpoint."""

    def __init__(
        self,
        *,
        entity_id: str,
        acs_url: str,
        binding: str,
        destination: str,
        sign: bool,
        key_pem: str,
        certificate_pem: str,
    ) -> None:
        self.entity_id = entity_id
        self.acs_url = acs_url
        self.binding = binding
        self.destination = destination
        self.sign = sign
        self._key_pem = key_pem
        self._certificate_pem = certificate_pem
        self._private_key: rsa.RSAPrivateKey | None = None

    def build(self, relay_state: str | None) -> OutgoingMessage:
        """A new AuthnRequest, ready for the browser."""
        message_id = new_message_id()
        request = authn_request_xml(
            message_id=message_id, destination=self.destination, entity_id=self.entity_id, acs_url=self.acs_url
        )
        if self.binding == BINDING_REDIRECT:
            xml = etree.tostring(request, encoding="unicode")
            return OutgoingMessage(
                message_id, "HTTP-Redirect", self._redirect_url(xml, relay_state), {}, xml, relay_state
            )
        if self.sign:
            self._sign_enveloped(request)
        xml = etree.tostring(request, encoding="unicode")
        form = {"SAMLRequest": base64.b64encode(xml.encode()).decode()}
        if relay_state:
            form["RelayState"] = relay_state
        return OutgoingMessage(message_id, "HTTP-POST", self.destination, form, xml, relay_state)

    def _redirect_url(self, xml: str, relay_state: str | None) -> str:
        # Raw DEFLATE (no zlib header or checksum), then base64 (bindings §3.4.4.1).
        deflated = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        encoded = base64.b64encode(deflated.compress(xml.encode()) + deflated.flush()).decode()
        args = {"SAMLRequest": encoded}
        if relay_state:
            args["RelayState"] = relay_state
        if self.sign:
            args["SigAlg"] = SIG_RSA_SHA256
            # The signature covers the parameters in this order, URL-encoded as sent.
            signed = urlencode(args).encode("ascii")
            args["Signature"] = base64.b64encode(self._key().sign(signed, padding.PKCS1v15(), hashes.SHA256())).decode()
        glue = "&" if urlsplit(self.destination).query else "?"
        return f"{self.destination}{glue}{urlencode(args)}"

    def _key(self) -> rsa.RSAPrivateKey:
        if self._private_key is None:
            key = serialization.load_pem_private_key(self._key_pem.encode(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("the service provider's key is not an RSA key")
            self._private_key = key
        return self._private_key

    def _sign_enveloped(self, request: etree._Element) -> None:
        import xmlsec
        from xmlsec import constants

        signature = xmlsec.template.create(request, constants.TransformExclC14N, constants.TransformRsaSha256, ns="ds")
        request[0].addnext(signature)  # right after the Issuer (SAML core §3.4.1)
        reference = xmlsec.template.add_reference(signature, constants.TransformSha256, uri=f"#{request.get('ID')}")
        xmlsec.template.add_transform(reference, constants.TransformEnveloped)
        xmlsec.template.add_transform(reference, constants.TransformExclC14N)
        xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
        key = xmlsec.Key.from_memory(self._key_pem.encode(), constants.KeyDataFormatPem)
        key.load_cert_from_memory(self._certificate_pem.encode(), constants.KeyDataFormatCertPem)
        context = xmlsec.SignatureContext()
        context.key = key
        context.register_id(request, "ID")
        context.sign(signature)
