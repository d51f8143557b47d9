"""An identity provider for tests, independent of the mock JumpCloud: pysaml2's Server with its own keys.

It issues responses the usual way (pysaml2 signs them), and can also issue a response that a test has
altered first (times, audience, recipient, …) and then signs it itself with python-xmlsec, so every
rejection can be provoked with an otherwise valid signature.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import xmlsec
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from sandbox.saml.backend import crypto_settings
from sandbox.saml.keys import KeyPair

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS}

ATTRIBUTE_MAP = """
from saml2.saml import NAME_FORMAT_BASIC
NAMES = ["email", "firstname", "lastname", "title", "phone", "department"]
MAP = {"identifier": NAME_FORMAT_BASIC, "fro": {n: n for n in NAMES}, "to": {n: n for n in NAMES}}
"""

Mutation = Callable[[etree._Element], None]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TestIdentityProvider:
    """One IdP (entity ID, SSO URL, keys) issuing responses for one service provider's metadata."""

    __test__ = False

    def __init__(
        self,
        workdir: Path,
        keys: KeyPair,
        *,
        entity_id: str = "https://idp.test.localhost/metadata",
        sso_url: str = "https://idp.test.localhost/sso",
    ) -> None:
        self.entity_id = entity_id
        self.sso_url = sso_url
        self.keys = keys
        self.workdir = Path(tempfile.mkdtemp(dir=workdir))
        (self.workdir / "attributemaps").mkdir()
        (self.workdir / "attributemaps" / "sandbox_test.py").write_text(ATTRIBUTE_MAP)
        self.key_file = self.workdir / "idp.key"
        self.cert_file = self.workdir / "idp.crt"
        self.key_file.write_text(keys.private_key_pem)
        self.cert_file.write_text(keys.certificate_pem)
        self._server: Server | None = None

    def metadata(self, *, bindings: tuple[str, ...] = (BINDING_HTTP_REDIRECT, BINDING_HTTP_POST)) -> str:
        from sandbox.saml.metadata import build_idp_metadata

        xml = build_idp_metadata(self.entity_id, self.sso_url, self.keys.certificate_pem, binding=bindings[0])
        for binding in bindings[1:]:
            root = etree.fromstring(xml.encode())
            idp = root.find("{urn:oasis:names:tc:SAML:2.0:metadata}IDPSSODescriptor")
            etree.SubElement(
                idp, "{urn:oasis:names:tc:SAML:2.0:metadata}SingleSignOnService", Binding=binding, Location=self.sso_url
            )
            xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()
        return xml

    def trust(self, sp_metadata: str) -> None:
        """Load the service provider's metadata (as downloaded from it)."""
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "attribute_map_dir": str(self.workdir / "attributemaps"),
                "metadata": {"inline": [sp_metadata]},
                "key_file": str(self.key_file),
                "cert_file": str(self.cert_file),
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]},
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "name_form": NAME_FORMAT_BASIC,
                                "attribute_restrictions": None,
                            }
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "signing_algorithm": SIG_RSA_SHA256,
                        "digest_algorithm": DIGEST_SHA256,
                    }
                },
                **crypto_settings(),
            }
        )
        self._server = Server(config=config)

    def parse_authn_request(self, saml_request: str, binding: str) -> Any:
        assert self._server is not None
        return self._server.parse_authn_request(saml_request, binding)

    def response_xml(
        self,
        *,
        email: str,
        sp_entity_id: str,
        acs_url: str,
        in_response_to: str | None = None,
        attributes: dict[str, list[str]] | None = None,
    ) -> str:
        """An unsigned response as pysaml2 builds it."""
        assert self._server is not None
        response = self._server.create_authn_response(
            identity=attributes if attributes is not None else {"email": [email]},
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
            sign_response=False,
            sign_assertion=False,
        )
        return str(response)

    def sign(
        self, xml: str, *, assertion: bool, response: bool, keys: KeyPair | None = None, mutate: Mutation | None = None
    ) -> str:
        """``xml`` altered by ``mutate``, then signed (assertion first, then the whole response)."""
        root = etree.fromstring(xml.encode())
        if mutate is not None:
            mutate(root)
        signer = keys or self.keys
        if assertion:
            _sign_element(root.find("saml:Assertion", NS), signer)
        if response:
            _sign_element(root, signer)
        return etree.tostring(root, encoding="UTF-8", xml_declaration=True).decode()

    def signed_response(
        self,
        *,
        assertion: bool = True,
        response: bool = False,
        keys: KeyPair | None = None,
        mutate: Mutation | None = None,
        **kwargs: Any,
    ) -> str:
        """A base64 SAMLResponse, ready to post to the ACS."""
        xml = self.sign(self.response_xml(**kwargs), assertion=assertion, response=response, keys=keys, mutate=mutate)
        return base64.b64encode(xml.encode()).decode()


def _sign_element(element: etree._Element, keys: KeyPair) -> None:
    """Enveloped RSA-SHA256 signature over ``element`` (by its ID), placed right after its Issuer."""
    signature = xmlsec.template.create(element, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256, ns="ds")
    issuer = element.find("saml:Issuer", NS)
    if issuer is not None:
        issuer.addnext(signature)
    else:
        element.insert(0, signature)
    reference = xmlsec.template.add_reference(signature, xmlsec.Transform.SHA256, uri=f"#{element.get('ID')}")
    xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.add_x509_data(key_info)
    xmlsec.tree.add_ids(element, ["ID"])
    context = xmlsec.SignatureContext()
    key = xmlsec.Key.from_memory(keys.private_key_pem.encode(), xmlsec.KeyFormat.PEM)
    key.load_cert_from_memory(keys.certificate_pem.encode(), xmlsec.KeyFormat.PEM)
    context.key = key
    context.sign(signature)


def shift_times(*, not_before: timedelta | None = None, not_on_or_after: timedelta | None = None) -> Mutation:
    """Move the assertion's validity window (Conditions and SubjectConfirmationData) relative to now."""
    now = datetime.now(UTC)

    def mutate(root: etree._Element) -> None:
        for xpath in (
            "saml:Assertion/saml:Conditions",
            "saml:Assertion/saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData",
        ):
            element = root.find(xpath, NS)
            if element is None:
                continue
            if not_on_or_after is not None:
                element.set("NotOnOrAfter", iso(now + not_on_or_after))
            if not_before is not None and element.tag.endswith("Conditions"):
                element.set("NotBefore", iso(now + not_before))

    return mutate


def subject(value: str, name_id_format: str | None) -> Mutation:
    """Send ``value`` as the NameID, in ``name_id_format`` (``None``: no Format attribute at all)."""

    def mutate(root: etree._Element) -> None:
        name_id = root.find("saml:Assertion/saml:Subject/saml:NameID", NS)
        assert name_id is not None
        name_id.text = value
        if name_id_format is None:
            name_id.attrib.pop("Format", None)
        else:
            name_id.set("Format", name_id_format)

    return mutate


def rename_attributes(
    names: dict[str, str], name_format: str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
) -> Mutation:
    """Give attributes the names another IdP uses (``{"email": "urn:oid:…"}``), or drop one (name ``""``)."""

    def mutate(root: etree._Element) -> None:
        for attribute in root.iterfind("saml:Assertion/saml:AttributeStatement/saml:Attribute", NS):
            new = names.get(attribute.get("Name") or "")
            if new == "":
                attribute.getparent().remove(attribute)
            elif new is not None:
                attribute.set("Name", new)
                attribute.set("NameFormat", name_format)

    return mutate


def all_of(*mutations: Mutation) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for mutation in mutations:
            mutation(root)

    return mutate
