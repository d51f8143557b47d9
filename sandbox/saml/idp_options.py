"""What an AuthnRequest asks of the IdP beyond "sign this user in" (SAML 2.0 core §3.4.1), as read from it.

An AuthnRequest may ask for a fresh login (``ForceAuthn``), for no visible login at all (``IsPassive``),
for the Response at an indexed endpoint (``AssertionConsumerServiceIndex``) or by some binding
(``ProtocolBinding``), for a kind of NameID (``NameIDPolicy``) and for a way of authenticating
(``RequestedAuthnContext``); its ``<Subject>`` and ``<Scoping>`` are read by
:mod:`sandbox.saml.idp_subject`. This module reads them into :class:`RequestOptions`, refusing only a
value the schema does not allow (:class:`MalformedOption`). Whether JumpCloud can give what is asked is
judged by :mod:`sandbox.saml.idp_refusals`; building and signing the Response is :mod:`sandbox.saml.idp`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from lxml import etree

if TYPE_CHECKING:
    from sandbox.saml.idp_subject import RequestedSubject, Scoping

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"

BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_ENCRYPTED = "urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted"

AC = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
AC_UNSPECIFIED = f"{AC}unspecified"
PASSWORD_PROTECTED_TRANSPORT = f"{AC}PasswordProtectedTransport"

COMPARISONS = ("exact", "minimum", "maximum", "better")
# xs:boolean's lexical forms.
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
MAX_INDEX = 65535  # xs:unsignedShort

BINDING_NAMES = {
    BINDING_POST: "HTTP-POST",
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect": "HTTP-Redirect",
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact": "HTTP-Artifact",
    "urn:oasis:names:tc:SAML:2.0:bindings:PAOS": "PAOS",
    "urn:oasis:names:tc:SAML:2.0:bindings:SOAP": "SOAP",
    "urn:oasis:names:tc:SAML:2.0:bindings:URI": "URI",
}


class MalformedOption(ValueError):
    """An option whose value the schema does not allow; the message says which, in a tester's words."""


@dataclass(frozen=True)
class NameIdPolicy:
    """``<NameIDPolicy>``: the kind of NameID the service provider wants."""

    format: str | None = None
    allow_create: bool = False  # core §3.4.1.1: "false" when absent
    sp_name_qualifier: str | None = None


@dataclass(frozen=True)
class RequestedAuthnContext:
    """``<RequestedAuthnContext>``: how the user should have authenticated (by class or declaration)."""

    comparison: str = "exact"
    class_refs: tuple[str, ...] = ()
    decl_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestOptions:
    """What an AuthnRequest asks beyond its ID, issuer and ACS URL; the defaults are "nothing asked"."""

    force_authn: bool = False
    is_passive: bool = False
    acs_index: int | None = None
    protocol_binding: str | None = None
    name_id_policy: NameIdPolicy | None = None
    authn_context: RequestedAuthnContext | None = None
    # The user the service provider wants signed in, and how the request may be proxied (idp_subject).
    subject: RequestedSubject | None = None
    scoping: Scoping | None = None


def read_options(root: etree._Element) -> RequestOptions:
    """The options of the ``samlp:AuthnRequest`` element ``root``; raises :class:`MalformedOption`."""
    # Imported here: idp_subject reads with this module's namespaces and MalformedOption.
    from sandbox.saml.idp_subject import read_scoping, read_subject

    index = root.get("AssertionConsumerServiceIndex")
    return RequestOptions(
        force_authn=boolean(root, "ForceAuthn"),
        is_passive=boolean(root, "IsPassive"),
        acs_index=_index(index) if index is not None else None,
        protocol_binding=(root.get("ProtocolBinding") or "").strip() or None,
        name_id_policy=_name_id_policy(root.find(f"{{{SAMLP}}}NameIDPolicy")),
        authn_context=_authn_context(root.find(f"{{{SAMLP}}}RequestedAuthnContext")),
        subject=read_subject(root),
        scoping=read_scoping(root),
    )


def boolean(element: etree._Element, attribute: str) -> bool:
    """An ``xs:boolean`` attribute (``False`` when absent); raises :class:`MalformedOption`."""
    value = element.get(attribute)
    if value is None:
        return False
    try:
        return BOOLEANS[value.strip()]
    except KeyError:
        raise MalformedOption(f"its {attribute} value “{escape(value)}” is neither true nor false.") from None


def _index(value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) > MAX_INDEX:
        raise MalformedOption(
            f"its AssertionConsumerServiceIndex “{escape(value)}” is not a number from 0 to {MAX_INDEX}."
        )
    return int(text)


def _name_id_policy(element: etree._Element | None) -> NameIdPolicy | None:
    if element is None:
        return None
    return NameIdPolicy(
        format=(element.get("Format") or "").strip() or None,
        allow_create=boolean(element, "AllowCreate"),
        sp_name_qualifier=(element.get("SPNameQualifier") or "").strip() or None,
    )


def _authn_context(element: etree._Element | None) -> RequestedAuthnContext | None:
    if element is None:
        return None
    comparison = (element.get("Comparison") or "exact").strip()
    if comparison not in COMPARISONS:
        raise MalformedOption(
            f"its RequestedAuthnContext Comparison “{escape(comparison)}” is not exact, minimum, maximum or better."
        )
    classes = tuple((ref.text or "").strip() for ref in element.findall(f"{{{SAML}}}AuthnContextClassRef"))
    declarations = tuple((ref.text or "").strip() for ref in element.findall(f"{{{SAML}}}AuthnContextDeclRef"))
    if not classes and not declarations:
        raise MalformedOption("its RequestedAuthnContext names no AuthnContextClassRef or AuthnContextDeclRef.")
    return RequestedAuthnContext(comparison, classes, declarations)


def format_name(uri: str) -> str:
    """A NameID format as people say it: ``persistent`` for ``urn:…:nameid-format:persistent``."""
    return uri.rsplit(":", 1)[-1] if uri.startswith("urn:oasis:names:tc:SAML:") else uri


def binding_name(uri: str) -> str:
    """A binding as people say it: ``HTTP-Artifact`` for ``urn:…:bindings:HTTP-Artifact``."""
    return BINDING_NAMES.get(uri, uri)


def class_name(uri: str) -> str:
    """An authentication context class as people say it: ``PasswordProtectedTransport``."""
    return uri.removeprefix(AC)
