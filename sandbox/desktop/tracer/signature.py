"""What a tester wants to know of each XML signature in a SAML message, checked independently.

The receiving system decides whether to trust a message; the tracer re-checks the signatures itself
with the certificate carried in the message, so that a sent message or a rejected one still shows
whether its digest and signature hold, and which certificate made them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from copy import deepcopy
from dataclasses import dataclass

from lxml import etree

from sandbox.saml.keys import CertificateError, certificate_facts, certificate_pem

log = logging.getLogger("sandbox.desktop.tracer")

DS = "http://www.w3.org/2000/09/xmldsig#"
EXCLUSIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
WITH_COMMENTS = "#WithComments"
DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
ALGORITHM_NAMES = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "RSA-SHA1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": "RSA-SHA256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": "RSA-SHA384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": "RSA-SHA512",
}


@dataclass(frozen=True)
class SignatureStatus:
    """One ``ds:Signature``: what it signs and whether it holds."""

    element: str  # the signed element's local name: Response, Assertion, AuthnRequest, …
    element_id: str | None
    covers_its_element: bool
    algorithm: str  # e.g. RSA-SHA256
    digest_valid: bool | None  # None: could not be worked out (the reason says why)
    signature_valid: bool | None
    certificate_sha256: str | None
    certificate_subject: str | None
    matches_expected: bool | None  # None: the receiver's configured certificate is unknown
    problem: str | None = None

    @property
    def holds(self) -> bool:
        return bool(self.covers_its_element and self.digest_valid and self.signature_valid)


def check_signatures(root: etree._Element, expected_sha256: str | None) -> list[SignatureStatus]:
    """Every signature in the parsed message ``root``, each checked once against the certificate it carries."""
    return [_check(root, signature, expected_sha256) for signature in list(root.iter(f"{{{DS}}}Signature"))]


def _check(root: etree._Element, signature: etree._Element, expected: str | None) -> SignatureStatus:
    parent = signature.getparent()
    element = etree.QName(parent).localname if parent is not None else "?"
    element_id = parent.get("ID") if parent is not None else None
    reference = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    uri = reference.get("URI") if reference is not None else None
    covers = bool(uri and element_id and uri == f"#{element_id}")
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    algorithm_uri = method.get("Algorithm", "") if method is not None else ""
    algorithm = ALGORITHM_NAMES.get(algorithm_uri, algorithm_uri.rsplit("#", 1)[-1] or "unknown")
    cert_text = (signature.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate") or "").strip()
    fingerprint = subject = None
    problem: str | None = None
    if cert_text:
        try:
            facts = certificate_facts(cert_text)
            fingerprint, subject = facts.fingerprint_sha256, facts.subject
        except CertificateError:
            problem = "The certificate in the signature cannot be read."
    else:
        problem = "The signature carries no certificate, so it cannot be checked here."
    signature_valid: bool | None = None
    if fingerprint is not None and covers and parent is not None:
        signature_valid, reason = _signature_valid(root, cert_text, parent)
        problem = problem or reason
    # A signature that verifies covers its digest; the digest is recomputed only to say what failed.
    digest_valid: bool | None = True if signature_valid else None
    if not signature_valid and covers and reference is not None:
        digest_valid = _digest_valid(root, reference)
    if not covers:
        problem = f"The signature's reference ({uri or 'none'}) does not point at the element it sits in."
    elif digest_valid is False:
        problem = f"The digest does not match: the {element} was changed after it was signed."
    matches = None if expected is None or fingerprint is None else _same_fingerprint(fingerprint, expected)
    return SignatureStatus(
        element=element,
        element_id=element_id,
        covers_its_element=covers,
        algorithm=algorithm,
        digest_valid=digest_valid,
        signature_valid=signature_valid,
        certificate_sha256=fingerprint,
        certificate_subject=subject,
        matches_expected=matches,
        problem=problem,
    )


def _same_fingerprint(a: str, b: str) -> bool:
    return a.replace(":", "").lower() == b.replace(":", "").lower()


def _digest_valid(root: etree._Element, reference: etree._Element) -> bool | None:
    """Recompute the reference's digest as the enveloped-signature and c14n transforms say."""
    uri = reference.get("URI", "")
    carriers = [e for e in root.iter() if e.get("ID") == uri.removeprefix("#")]
    method = reference.find(f"{{{DS}}}DigestMethod")
    name = DIGESTS.get(method.get("Algorithm", "") if method is not None else "")
    stated = (reference.findtext(f"{{{DS}}}DigestValue") or "").strip()
    if len(carriers) != 1 or name is None or not stated:
        return None
    signed = deepcopy(carriers[0])
    for own in signed.findall(f"{{{DS}}}Signature"):
        signed.remove(own)
    exclusive, comments, prefixes = False, False, None
    for transform in reference.findall(f"{{{DS}}}Transforms/{{{DS}}}Transform"):
        algorithm = transform.get("Algorithm", "")
        if "c14n" in algorithm:
            exclusive = algorithm.startswith(EXCLUSIVE_C14N)
            comments = algorithm.endswith(WITH_COMMENTS)
            inclusive = transform.find(f"{{{EXCLUSIVE_C14N}}}InclusiveNamespaces")
            if inclusive is not None:
                prefixes = (inclusive.get("PrefixList") or "").split() or None
    canonical = etree.tostring(
        signed, method="c14n", exclusive=exclusive, with_comments=comments, inclusive_ns_prefixes=prefixes
    )
    actual = base64.b64encode(hashlib.new(name, canonical).digest()).decode("ascii")
    return actual == "".join(stated.split())


def _signature_valid(root: etree._Element, cert_text: str, element: etree._Element) -> tuple[bool | None, str | None]:
    qname = etree.QName(element)
    # Imported on the first check: loading libxmlsec1 is not needed to open the window. It refuses to
    # load once Chromium has initialised unless loaded before (sandbox.desktop.startup does).
    try:
        from sandbox.saml.enveloped import (
            SignatureStructureError,
            SignatureVerificationError,
            certificate_key,
            verify_in_tree,
        )
    except Exception as error:  # xmlsec.InternalError: libxml2 version mismatch
        log.warning("XML signatures cannot be checked in this process: %s", error)
        return None, "The signature cannot be checked here: the XML-signature library did not load."

    try:
        key = certificate_key(certificate_pem(cert_text))
        verify_in_tree(root, f"{qname.namespace}:{qname.localname}", element.get("ID"), key)
    except (SignatureStructureError, SignatureVerificationError) as error:
        log.debug("signature on %s does not verify: %s", qname.localname, error)
        return False, f"The signature on the {qname.localname} does not verify with its certificate."
    return True, None
