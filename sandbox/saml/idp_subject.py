"""The subject an AuthnRequest names (``<saml:Subject>``), and its ``<Scoping>``: what each asks of JumpCloud.

Subject (SAML 2.0 core §3.4.1): "If the <Subject> element is present, then the identity provider MUST
... authenticate that subject, or return an error". A service provider names the user it wants (an
account link, a re-authentication of the user it already knows), so JumpCloud signs in that user or no
one:

- the subject is matched as the application's own NameID would name the user: the value JumpCloud
  sends for the application (the user's email or username, as its SAMLSubject NameID says), compared
  without regard to case, since the directory keeps emails in lower case and no two usernames that
  differ only in case;
- a NameID in another format than the application's (``unspecified`` aside), one qualified for another
  IdP (``NameQualifier``) or another service provider (``SPNameQualifier``), an encrypted identifier
  (JumpCloud publishes no encryption key) or a ``BaseID`` can name none of the application's users: it
  is refused when the request arrives, before any login page, and judged again when the Response is
  issued (an administrator may change the application's NameID format in between);
- a User Console session of someone else is not used: the login page asks for the named user, saying
  who the application asked for; a login as someone else during the sign-in ends in the error Response;
- the error is ``Responder`` with ``UnknownPrincipal``. Core §3.2.2.2 defines UnknownPrincipal as "the
  responding provider does not recognize the principal specified or implied by the request", which
  is what happened: the principal specified is not the one who authenticated, or cannot be one of the
  application's users. ``RequestDenied`` says the IdP chose not to answer out of concern about the
  request, which would blame a sound request; ``AuthnFailed`` would read as a wrong password, while
  the password typed was right. ``IsPassive`` with someone else signed in is ``NoPassive``: only a
  login page could authenticate the named user.
- a ``<SubjectConfirmation>`` in the request's subject is refused as the requester's error
  (``Requester``). The Web Browser SSO profile, ``<AuthnRequest>`` Usage (saml-profiles-2.0-os
  §4.1.4.1): "Note that the service provider MAY include a <Subject> element in the request that names
  the actual identity about which it wishes to receive an assertion. This element MUST NOT contain any
  <SubjectConfirmation> elements. If the identity provider does not recognize the principal as that
  identity, then it MUST respond with a <Response> message containing an error status and no
  assertions." A request that breaks a MUST NOT of the profile is invalid by its processing rules, and
  core §3.2.1 names the status for that: "If a SAML responder deems a request to be invalid according
  to SAML syntax or processing rules, then if it responds, it MUST return a SAML response message with
  a <StatusCode> element with the value urn:oasis:names:tc:SAML:2.0:status:Requester." The profile's
  last sentence is the UnknownPrincipal Response above: an error status and no assertion.

Scoping (core §3.4.1.2, §3.4.1.5): ``ProxyCount`` limits how many identity providers may stand between
the one receiving the request and the one that authenticates the user; ``IDPList`` is "an advisory
list of identity providers ... the requester deems acceptable". JumpCloud never proxies: it
authenticates its users itself, at zero indirections, which every ProxyCount (0 included) permits.
The status codes for scoping (``ProxyCountExceeded``, ``NoAvailableIDP``, ``NoSupportedIDP``) are for an
IdP that cannot authenticate directly, or for an intermediary choosing among the list's entries; an IdP
that authenticates the user itself uses none of them. So ``ProxyCount="0"`` with an IDPList that does
not name JumpCloud changes nothing: the list is advisory, JumpCloud answers as the IdP the request was
sent to, and the request's trace says so. Scoping is read so that a malformed one is refused and the
tracer shows what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from sandbox.saml.idp_options import NAMEID_UNSPECIFIED, SAML, SAMLP, MalformedOption, format_name
from sandbox.saml.idp_refusals import NO_PASSIVE, REQUESTER, RESPONDER, Refusal

UNKNOWN_PRINCIPAL = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"
_SUBJECT = f"{{{SAML}}}Subject"
_NAME_ID = f"{{{SAML}}}NameID"
_ENCRYPTED_ID = f"{{{SAML}}}EncryptedID"
_BASE_ID = f"{{{SAML}}}BaseID"
_CONFIRMATION = f"{{{SAML}}}SubjectConfirmation"
_SCOPING = f"{{{SAMLP}}}Scoping"
_IDP_ENTRY = f"{{{SAMLP}}}IDPList/{{{SAMLP}}}IDPEntry"
_REQUESTER_ID = f"{{{SAMLP}}}RequesterID"


@dataclass(frozen=True)
class RequestedSubject:
    """``<saml:Subject>`` of an AuthnRequest: the user the service provider wants signed in.

    ``name_id`` is empty when the subject is named by an identifier JumpCloud cannot read (``kind``
    ``EncryptedID`` or ``BaseID``); ``confirmations`` counts the ``SubjectConfirmation`` elements.
    """

    name_id: str
    kind: str = "NameID"
    format: str | None = None
    name_qualifier: str | None = None
    sp_name_qualifier: str | None = None
    confirmations: int = 0

    @property
    def described(self) -> str:
        """How the subject reads in a page, an event or the tracer: ``ada@example.com``."""
        return self.name_id or f"an {self.kind}"


@dataclass(frozen=True)
class Scoping:
    """``<samlp:Scoping>``: how far the request may be proxied, and to which identity providers."""

    proxy_count: int | None = None
    idp_list: tuple[str, ...] = ()
    requester_ids: tuple[str, ...] = ()


def read_subject(root: etree._Element) -> RequestedSubject | None:
    """The subject the AuthnRequest ``root`` names; ``None`` when it names none (core §3.4.1: the presenter
    is then the subject). Raises :class:`MalformedOption` for an empty NameID."""
    subject = root.find(_SUBJECT)
    if subject is None:
        return None
    confirmations = len(subject.findall(_CONFIRMATION))
    name_id = subject.find(_NAME_ID)
    if name_id is None:
        for tag, kind in ((_ENCRYPTED_ID, "EncryptedID"), (_BASE_ID, "BaseID")):
            if subject.find(tag) is not None:
                return RequestedSubject("", kind, confirmations=confirmations)
        # No identifier: the presenter is the subject, as without the element (only a confirmation may be left).
        return RequestedSubject("", "", confirmations=confirmations) if confirmations else None
    # The text as a signature would see it: a comment inside the value does not cut it short.
    value = "".join(name_id.itertext()).strip()
    if not value:
        raise MalformedOption("its Subject names an empty NameID.")
    return RequestedSubject(
        name_id=value,
        format=(name_id.get("Format") or "").strip() or None,
        name_qualifier=(name_id.get("NameQualifier") or "").strip() or None,
        sp_name_qualifier=(name_id.get("SPNameQualifier") or "").strip() or None,
        confirmations=confirmations,
    )


def read_scoping(root: etree._Element) -> Scoping | None:
    """The ``<Scoping>`` of the AuthnRequest ``root``; raises :class:`MalformedOption` for a bad ProxyCount."""
    scoping = root.find(_SCOPING)
    if scoping is None:
        return None
    count = scoping.get("ProxyCount")
    proxy_count = None
    if count is not None:
        text = count.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 9:  # "²".isdigit(), yet int() refuses it
            raise MalformedOption(f"its Scoping ProxyCount “{escape(count)}” is not a whole number from 0.")
        proxy_count = int(text)
    return Scoping(
        proxy_count=proxy_count,
        idp_list=tuple((entry.get("ProviderID") or "").strip() for entry in scoping.findall(_IDP_ENTRY)),
        requester_ids=tuple((ref.text or "").strip() for ref in scoping.findall(_REQUESTER_ID)),
    )


def subject_refusal(
    subject: RequestedSubject | None, name_id_format: str, idp_entity_id: str, sp_entity_id: str
) -> Refusal | None:
    """A subject that can name none of the application's users, refused on arrival; or ``None``."""
    if subject is None:
        return None
    if subject.confirmations:
        return Refusal(
            REQUESTER,
            None,
            "the service provider put a SubjectConfirmation in the AuthnRequest's Subject, "
            "which the Web Browser SSO profile does not allow",
            "subject",
            message="SubjectConfirmation is not allowed in an AuthnRequest's Subject.",
        )
    if not subject.kind:
        return None
    reason = None
    if subject.kind == "EncryptedID":
        reason = "named the user by an encrypted identifier; JumpCloud publishes no encryption key to read it with"
    elif subject.kind == "BaseID":
        reason = "named the user by a BaseID, which JumpCloud does not use"
    elif subject.format is not None and subject.format not in (NAMEID_UNSPECIFIED, name_id_format):
        reason = (
            f"asked for the user whose {format_name(subject.format)} NameID is {subject.name_id}; "
            f"this application's NameIDs are {format_name(name_id_format)}"
        )
    elif subject.name_qualifier is not None and subject.name_qualifier != idp_entity_id:
        reason = (
            f"asked for {subject.name_id} as named by {subject.name_qualifier} (NameQualifier); "
            f"this application's IdP Entity ID is {idp_entity_id}"
        )
    elif subject.sp_name_qualifier is not None and subject.sp_name_qualifier != sp_entity_id:
        reason = (
            f"asked for {subject.name_id} as named for {subject.sp_name_qualifier} (SPNameQualifier); "
            "JumpCloud names users for the requesting service provider only"
        )
    if reason is None:
        return None
    return Refusal(RESPONDER, UNKNOWN_PRINCIPAL, f"the service provider {reason}", "subject")


def names_user(subject: RequestedSubject, name_id: str) -> bool:
    """Whether ``subject`` names the user whose NameID for this application is ``name_id`` (any case)."""
    return subject.name_id.casefold() == name_id.casefold()


def other_user_refusal(subject: RequestedSubject, signed_in: str) -> Refusal:
    """Someone other than the named user logged in during the sign-in (UnknownPrincipal)."""
    return Refusal(
        RESPONDER,
        UNKNOWN_PRINCIPAL,
        f"the service provider asked for {subject.described}, and {signed_in} signed in instead",
        "subject",
    )


def passive_other_user_refusal(subject: RequestedSubject, signed_in: str) -> Refusal:
    """``IsPassive`` for a named user while someone else is signed in: only a login page could do (NoPassive)."""
    return Refusal(
        RESPONDER,
        NO_PASSIVE,
        f"the service provider asked for {subject.described} without a login page (IsPassive), "
        f"and {signed_in} is signed in to the User Console",
        "subject",
    )


def subject_checks(subject: RequestedSubject | None, scoping: Scoping | None) -> list[dict[str, object]]:
    """What the request's subject and scoping asked and what JumpCloud does about them, as the tracer's checks."""
    checks: list[dict[str, object]] = []
    if subject is not None and subject.name_id:
        detail = f"Subject {subject.name_id}: only that user may sign in; someone else gets UnknownPrincipal"
        checks.append({"name": "subject", "ok": True, "detail": detail})
    if scoping is not None:
        asked = []
        if scoping.proxy_count is not None:
            asked.append(f"ProxyCount {scoping.proxy_count}")
        if scoping.idp_list:
            asked.append("IDPList " + ", ".join(scoping.idp_list))
        detail = (
            f"Scoping{' ' + '; '.join(asked) if asked else ''}: JumpCloud authenticates the user itself "
            "and never proxies, which any ProxyCount permits; the IDPList is advisory"
        )
        checks.append({"name": "scoping", "ok": True, "detail": detail})
    return checks
