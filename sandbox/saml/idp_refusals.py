"""Whether JumpCloud can give what an AuthnRequest asks (SAML 2.0 core §3.4.1), and the error status if not.

Core §3.4.1.4 and the Web Browser SSO profile (profiles §4.1.4.2) say that an identity provider that
cannot or will not satisfy such a request answers the service provider with a ``<Response>`` carrying
an error status, and no assertion: a :class:`Refusal` here. The request's options are read by
:mod:`sandbox.saml.idp_options`.

What JumpCloud can give:

- it authenticates with a password over HTTPS (``PasswordProtectedTransport``), by a login page: so it
  can neither satisfy ``IsPassive`` without a User Console session, nor ``ForceAuthn`` together with
  ``IsPassive``, nor an authentication context stronger than a password;
- it sends each application's NameID in the one format the application is configured with; a request
  for that format, for ``unspecified`` or for none is satisfied, any other is not (JumpCloud neither
  encrypts NameIDs nor qualifies them for another service provider's namespace);
- ``AllowCreate`` never stands in the way: JumpCloud's NameIDs are attributes of the directory user
  (email or username), established when the user is created rather than for a service provider, which
  core §3.4.1.1 allows ("this does not prevent the identity provider from creating such identifiers
  outside the context of this specific request"). Its value must still be an ``xs:boolean``;
- it sends Responses with HTTP-POST only (the Web Browser SSO profile allows POST or Artifact; HTTP-Redirect
  is forbidden for Responses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.saml.idp_options import (
    AC,
    AC_UNSPECIFIED,
    BINDING_POST,
    NAMEID_ENCRYPTED,
    NAMEID_UNSPECIFIED,
    PASSWORD_PROTECTED_TRANSPORT,
    NameIdPolicy,
    RequestedAuthnContext,
    RequestOptions,
    binding_name,
    class_name,
    format_name,
)

STATUS = "urn:oasis:names:tc:SAML:2.0:status:"
REQUESTER = f"{STATUS}Requester"
RESPONDER = f"{STATUS}Responder"
NO_PASSIVE = f"{STATUS}NoPassive"
INVALID_NAMEID_POLICY = f"{STATUS}InvalidNameIDPolicy"
NO_AUTHN_CONTEXT = f"{STATUS}NoAuthnContext"
UNSUPPORTED_BINDING = f"{STATUS}UnsupportedBinding"
REQUEST_DENIED = f"{STATUS}RequestDenied"

# How strong JumpCloud deems each class it knows (core §3.3.2.2.1 leaves the order to the responder).
# A password login over HTTPS is what JumpCloud does; a class it does not know is one it cannot satisfy.
_PASSWORD_ONLY = 1
_JUMPCLOUD_LOGIN = 2
_STRONGER = 3
AUTHN_CONTEXT_STRENGTH: Mapping[str, int] = {
    f"{AC}InternetProtocol": _PASSWORD_ONLY,
    f"{AC}InternetProtocolPassword": _PASSWORD_ONLY,
    f"{AC}Password": _PASSWORD_ONLY,
    f"{AC}PreviousSession": _PASSWORD_ONLY,
    PASSWORD_PROTECTED_TRANSPORT: _JUMPCLOUD_LOGIN,
    **{
        f"{AC}{name}": _STRONGER
        for name in (
            "Kerberos",
            "MobileOneFactorContract",
            "MobileOneFactorUnregistered",
            "MobileTwoFactorContract",
            "MobileTwoFactorUnregistered",
            "NomadTelephony",
            "PersonalTelephony",
            "PGP",
            "SecureRemotePassword",
            "Smartcard",
            "SmartcardPKI",
            "SoftwarePKI",
            "SPKI",
            "Telephony",
            "TimeSyncToken",
            "TLSClient",
            "X509",
            "XMLDSig",
            "AuthenticatedTelephony",
        )
    },
    # Multi-factor classes service providers commonly ask for.
    "https://refeds.org/profile/mfa": _STRONGER,
    "http://schemas.microsoft.com/claims/multipleauthn": _STRONGER,
}


@dataclass(frozen=True)
class Refusal:
    """A request JumpCloud answers with an error status instead of an assertion.

    ``reason`` is what the Directory Insights event, the trace and the hand-off page say; ``check`` names
    what was judged, for the tracer. ``message`` goes into the Response's ``StatusMessage``, only when no
    second-level status code says what went wrong.
    """

    status: str
    second_status: str | None
    reason: str
    check: str
    message: str | None = None

    @property
    def status_name(self) -> str:
        """The most precise status code, as people say it: ``NoPassive``, or ``Requester`` alone."""
        return (self.second_status or self.status).rsplit(":", 1)[-1]

    @property
    def error_message(self) -> str:
        """The reason with its status, as the Directory Insights event records it."""
        return f"{self.reason} ({self.status_name})"


def binding_refusal(options: RequestOptions) -> Refusal | None:
    """``ProtocolBinding`` other than HTTP-POST: JumpCloud cannot answer that way (UnsupportedBinding)."""
    binding = options.protocol_binding
    if binding is None or binding == BINDING_POST:
        return None
    return Refusal(
        REQUESTER,
        UNSUPPORTED_BINDING,
        f"the service provider asked for the Response by {binding_name(binding)}; "
        "JumpCloud sends Responses by HTTP-POST only",
        "protocol_binding",
    )


def passive_and_forced_refusal(options: RequestOptions) -> Refusal | None:
    """``ForceAuthn`` with ``IsPassive``: a fresh login needs the login page, which IsPassive forbids."""
    if not (options.force_authn and options.is_passive):
        return None
    return Refusal(
        RESPONDER,
        NO_PASSIVE,
        "the service provider asked for a fresh login (ForceAuthn) without a login page (IsPassive); "
        "JumpCloud can only sign a user in again by asking for the password",
        "is_passive",
    )


def no_session_refusal() -> Refusal:
    """``IsPassive`` and nobody signed in to the User Console: a login page would be needed (NoPassive)."""
    return Refusal(
        RESPONDER,
        NO_PASSIVE,
        "the service provider asked for a sign-in without a login page (IsPassive), "
        "and no one is signed in to the User Console",
        "is_passive",
    )


def not_authorized_refusal() -> Refusal:
    """``IsPassive`` and a signed-in user the application is not for: no error page may be shown."""
    return Refusal(RESPONDER, REQUEST_DENIED, "not authorized", "authorization")


def deactivated_refusal() -> Refusal:
    """``IsPassive`` to an application whose SSO is deactivated: the "deactivated" page may not be shown."""
    return Refusal(RESPONDER, REQUEST_DENIED, "application deactivated", "application")


def unknown_index_refusal(index: int) -> Refusal:
    """An ``AssertionConsumerServiceIndex`` that names none of the application's ACS URLs."""
    reason = (
        f"the service provider asked for the Response at AssertionConsumerServiceIndex {index}, "
        "which names none of this application's ACS URLs"
    )
    return Refusal(REQUESTER, None, reason, "acs_index", message=f"Unknown AssertionConsumerServiceIndex {index}.")


def name_id_refusal(policy: NameIdPolicy | None, name_id_format: str, sp_entity_id: str) -> Refusal | None:
    """A ``NameIDPolicy`` the application's NameID cannot meet (InvalidNameIDPolicy), or ``None``."""
    if policy is None:
        return None
    wanted = policy.format
    if wanted is not None and wanted not in (NAMEID_UNSPECIFIED, name_id_format):
        if wanted == NAMEID_ENCRYPTED:
            reason = "the service provider asked for an encrypted NameID; JumpCloud does not encrypt NameIDs"
        else:
            reason = (
                f"the service provider asked for a {format_name(wanted)} NameID; "
                f"this application sends {format_name(name_id_format)}"
            )
        return Refusal(REQUESTER, INVALID_NAMEID_POLICY, reason, "name_id_policy")
    if policy.sp_name_qualifier is not None and policy.sp_name_qualifier != sp_entity_id:
        return Refusal(
            REQUESTER,
            INVALID_NAMEID_POLICY,
            f"the service provider asked for a NameID in the namespace of {policy.sp_name_qualifier} "
            "(SPNameQualifier); JumpCloud gives NameIDs to the requesting service provider only",
            "name_id_policy",
        )
    return None


def authn_context_refusal(requested: RequestedAuthnContext | None) -> Refusal | None:
    """A ``RequestedAuthnContext`` a password login does not satisfy (NoAuthnContext), or ``None``.

    Core §3.3.2.2.1: ``exact`` wants one of the classes itself; ``minimum`` one at most as strong as the
    password login; ``better`` one weaker than it; ``maximum`` one at least as strong. ``unspecified``
    satisfies any comparison. JumpCloud has no authentication context declarations.
    """
    if requested is None or _satisfied(requested):
        return None
    asked = ", ".join(class_name(ref) for ref in requested.class_refs) or ", ".join(requested.decl_refs)
    return Refusal(
        REQUESTER,
        NO_AUTHN_CONTEXT,
        f"the service provider asked for {asked} ({requested.comparison}); "
        "JumpCloud signs users in with a password (PasswordProtectedTransport)",
        "authn_context",
    )


def _satisfied(requested: RequestedAuthnContext) -> bool:
    if not requested.class_refs:
        return False
    if AC_UNSPECIFIED in requested.class_refs:
        return True
    if requested.comparison == "exact":
        return PASSWORD_PROTECTED_TRANSPORT in requested.class_refs
    strengths = [AUTHN_CONTEXT_STRENGTH[ref] for ref in requested.class_refs if ref in AUTHN_CONTEXT_STRENGTH]
    if requested.comparison == "minimum":
        return any(strength <= _JUMPCLOUD_LOGIN for strength in strengths)
    if requested.comparison == "better":
        return any(strength < _JUMPCLOUD_LOGIN for strength in strengths)
    return any(strength >= _JUMPCLOUD_LOGIN for strength in strengths)  # maximum


def request_refusal(options: RequestOptions, name_id_format: str, sp_entity_id: str) -> Refusal | None:
    """The first thing in ``options`` JumpCloud cannot give whoever signs in, or ``None``.

    Judged when the request arrives, before any login page: a user is never asked for a password only
    to be refused. ``IsPassive`` without a session is judged later, when the session is known.
    """
    return (
        binding_refusal(options)
        or passive_and_forced_refusal(options)
        or name_id_refusal(options.name_id_policy, name_id_format, sp_entity_id)
        or authn_context_refusal(options.authn_context)
    )


def option_checks(options: RequestOptions, name_id_format: str) -> list[dict[str, object]]:
    """What the request asked and JumpCloud will do about it, as the tracer's checks (all passed)."""
    checks: list[dict[str, object]] = []
    if options.force_authn:
        checks.append({"name": "force_authn", "ok": True, "detail": "ForceAuthn: the user types the password again"})
    if options.is_passive:
        detail = "IsPassive: no login page; without a User Console session the answer is NoPassive"
        checks.append({"name": "is_passive", "ok": True, "detail": detail})
    policy = options.name_id_policy
    if policy is not None:
        detail = (
            f"NameIDPolicy {format_name(policy.format or NAMEID_UNSPECIFIED)}: "
            f"the NameID is sent as {format_name(name_id_format)}"
        )
        checks.append({"name": "name_id_policy", "ok": True, "detail": detail})
    context = options.authn_context
    if context is not None:
        asked = ", ".join(class_name(ref) for ref in context.class_refs)
        detail = f"RequestedAuthnContext {asked} ({context.comparison}): met by PasswordProtectedTransport"
        checks.append({"name": "authn_context", "ok": True, "detail": detail})
    return checks
