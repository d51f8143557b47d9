"""Where a SAML Response's assertion and signatures may be, checked on the parsed tree before any crypto.

Pure lxml, shared by both verification paths: SAML version 2.0; the assertion directly inside the
Response (a copy moved into Extensions or a ``ds:Object`` is how signature wrapping looks); every
``ds:Signature`` directly in the Response or that assertion, one per element, its single Reference
naming that element by an ``ID`` no other element carries (as ``ID`` or ``xml:id``), and an RSA
signature method; and every AudienceRestriction naming the service provider.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from sandbox.saml.inspect import DS, SAML
from sandbox.saml.sp_types import Reject

XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
SIGNATURE = f"{{{DS}}}Signature"
_REFERENCE = f"{{{DS}}}SignedInfo/{{{DS}}}Reference"
_SIGNATURE_METHOD = f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod"
_ASSERTION = f"{{{SAML}}}Assertion"
_CONDITIONS = f"{{{SAML}}}Conditions"
_AUDIENCE_RESTRICTION = f"{{{SAML}}}AudienceRestriction"
_AUDIENCE = f"{{{SAML}}}Audience"

SIGNATURE_ALGORITHMS = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": "RSA-SHA256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": "RSA-SHA384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": "RSA-SHA512",
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "RSA-SHA1",
}


@dataclass(frozen=True)
class SignedElement:
    """The Response or its Assertion with the one signature sitting in it."""

    element: etree._Element
    signature: etree._Element
    name: str  # "Response" or "Assertion"
    element_id: str


def text_of(element: etree._Element | None) -> str:
    """The text a canonicaliser signs: comments inside (a classic NameID trick) are skipped, not cut at."""
    return "".join(element.itertext()).strip() if element is not None else ""


def _id_counts(root: etree._Element) -> dict[str, int]:
    counts: dict[str, int] = {}
    for element in root.iter(tag=etree.Element):
        for name in ("ID", XML_ID):
            value = element.get(name)
            if value is not None:
                counts[value] = counts.get(value, 0) + 1
    return counts


def the_assertion(root: etree._Element, reject: Reject) -> etree._Element:
    """The Assertion directly inside the Response (SAML version 2.0)."""
    if root.get("Version") != "2.0":
        raise reject("message version", f"The response declares SAML version {root.get('Version')!r}, not 2.0.")
    assertion = root.find(_ASSERTION)
    if assertion is None:
        raise reject(
            "one assertion",
            "The assertion is not directly inside the Response, where SAML carries it "
            "(an assertion moved elsewhere is how XML signature wrapping attacks look).",
        )
    return assertion


def signed_elements(root: etree._Element, assertion: etree._Element | None, reject: Reject) -> list[SignedElement]:
    """The Response and assertion signatures, each checked for place, reference and algorithm."""
    for signature in root.iter(SIGNATURE):
        holder = signature.getparent()
        if holder is not root and holder is not assertion:
            where = etree.QName(holder).localname if holder is not None else "?"
            raise reject(
                "signature",
                f"A signature sits inside <{where}>, where a SAML response carries none: "
                "this is how XML signature wrapping attacks look.",
            )
    found: list[SignedElement] = []
    counts: dict[str, int] | None = None
    for element in (root, assertion):
        if element is None:
            continue
        signatures = element.findall(SIGNATURE)
        if not signatures:
            continue
        name = etree.QName(element).localname
        if len(signatures) > 1:
            raise reject("signature", f"The {name} carries {len(signatures)} signatures; one is accepted.")
        element_id = element.get("ID")
        if not element_id:
            raise reject("signature", f"The signed {name} has no ID for its signature to reference.")
        counts = counts if counts is not None else _id_counts(root)
        if counts.get(element_id, 0) != 1:
            raise reject(
                "signature",
                f"{counts.get(element_id, 0)} elements carry the ID {element_id} the {name}'s signature "
                "references; exactly one may (a duplicate is how XML signature wrapping attacks look).",
            )
        signature = signatures[0]
        references = signature.findall(_REFERENCE)
        if len(references) != 1 or references[0].get("URI") != f"#{element_id}":
            uris = ", ".join(r.get("URI") or "(none)" for r in references) or "(nothing)"
            raise reject(
                "signature",
                f"The signature inside the {name} references {uris}, not the {name} it sits in ({element_id}): "
                "this is how XML signature wrapping attacks look.",
            )
        method = signature.find(_SIGNATURE_METHOD)
        algorithm = method.get("Algorithm") if method is not None else None
        if algorithm not in SIGNATURE_ALGORITHMS:
            raise reject(
                "signature algorithm",
                f"The {name} is signed with {algorithm or '(no algorithm)'}; accepted: "
                f"{', '.join(SIGNATURE_ALGORITHMS.values())}.",
            )
        found.append(SignedElement(element, signature, name, element_id))
    return found


def check_audiences(assertion: etree._Element, entity_id: str, reject: Reject) -> None:
    """Every AudienceRestriction names ``entity_id`` (SAML core §2.5.1.4), and there is at least one."""
    conditions = assertion.find(_CONDITIONS)
    restrictions = conditions.findall(_AUDIENCE_RESTRICTION) if conditions is not None else []
    named = [[text_of(a) for a in r.findall(_AUDIENCE)] for r in restrictions]
    if not named or any(entity_id not in audiences for audiences in named):
        everyone = [audience for audiences in named for audience in audiences]
        raise reject(
            "audience",
            f"The assertion is meant for audience {', '.join(everyone) or '(none)'}; "
            f"this service provider's entity ID is {entity_id}.",
        )
