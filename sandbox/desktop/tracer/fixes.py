"""What to fix when a receiver refuses a SAML message, per failed check, in a tester's words.

The receivers name the check that failed (``"audience"``, ``"validity window"``, …) and say why; the
tracer adds what usually makes it pass and which field of the message holds the offending value.
Where one of the Edge cases panel's toggles produces the failure on purpose, the hint names it, so a
trainer who switched it on a minute ago sees the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FailedCheck:
    """The first failed check of a message, with the hint and the summary fields it concerns."""

    name: str
    detail: str
    fix: str
    #: keys of the tracer's summary fields holding the offending value (``"audience"``, ``"issuer"``, …)
    fields: tuple[str, ...] = ()
    #: whether the validity window (and its timeline) is what failed
    validity: bool = False
    #: whether a signature or the signing certificate is what failed
    signature: bool = False


# (hint, fields, validity, signature) per check name, as BlogIn names its checks on a Response.
_AT_THE_SERVICE_PROVIDER: dict[str, tuple[str, tuple[str, ...], bool, bool]] = {
    "audience": (
        "The Audience must be BlogIn's SP Entity ID. In JumpCloud, set the application's SP Entity ID to the "
        "Entity ID BlogIn's metadata gives (upload BlogIn's metadata again on the SSO tab). "
        "Edge cases panel: “Wrong audience” sends this on purpose.",
        ("audience",),
        False,
        False,
    ),
    "validity window": (
        "The assertion arrived outside NotBefore – NotOnOrAfter, even allowing for the clock skew. Make the "
        "identity provider's and BlogIn's clocks agree (NTP), or sign in again without waiting on the way. "
        "Edge cases panel: “Clock skew”, or “Short validity” with “Hold the Response before posting it”, "
        "send this on purpose.",
        (),
        True,
        False,
    ),
    "signing certificate": (
        "BlogIn trusts another certificate than the one that signed. Give BlogIn the identity provider's "
        "current certificate: Re-fetch the Metadata URL (or upload JumpCloud's metadata again) on BlogIn's "
        "Single Sign-On tab. Edge cases panel: “Signed with the wrong key” sends this on purpose.",
        (),
        False,
        True,
    ),
    "signature": (
        "The signature does not hold: the message was changed after it was signed, or another key signed it. "
        "Download the identity provider's metadata again, and make sure nothing rewrites the Response on its way.",
        (),
        False,
        True,
    ),
    "signatures present": (
        "BlogIn accepts only a signed assertion or response. In JumpCloud's SSO tab, tick Sign Assertion "
        "(or Sign Response). Edge cases panel: “Unsigned” sends this on purpose.",
        (),
        False,
        True,
    ),
    "signature algorithm": (
        "Choose RSA-SHA256 as the Signature Algorithm on JumpCloud's SSO tab.",
        (),
        False,
        True,
    ),
    "issuer": (
        "The Issuer must be the IdP Entity ID BlogIn was given. Make JumpCloud's IdP Entity ID and the entity "
        "ID on BlogIn's Single Sign-On tab the same (Re-fetch the Metadata URL after changing it).",
        ("issuer",),
        False,
        False,
    ),
    "destination": (
        "The Response was addressed to another ACS URL. In JumpCloud, set the ACS URL to BlogIn's "
        "…/sso/saml/callback, as BlogIn's metadata says.",
        ("destination",),
        False,
        False,
    ),
    "recipient": (
        "The assertion's Recipient is not BlogIn's ACS URL. In JumpCloud, set the ACS URL to BlogIn's "
        "…/sso/saml/callback, as BlogIn's metadata says.",
        ("destination",),
        False,
        False,
    ),
    "status": (
        "The identity provider did not sign the user in; its status says why. Often the user is not bound to "
        "the application: add them to a user group ticked on the application's User Groups tab.",
        ("status",),
        False,
        False,
    ),
    "InResponseTo": (
        "A Response answers one AuthnRequest, once. Start the sign-in again from BlogIn's login page instead "
        "of going Back or reloading the posted page.",
        ("in_response_to",),
        False,
        False,
    ),
    "replay": (
        "Each assertion is accepted once. Start a new sign-in instead of posting the same Response again.",
        (),
        False,
        False,
    ),
    "IdP-initiated sign-in": (
        "Start from BlogIn's login page with “Log in with SSO”, or allow IdP-initiated sign-in on BlogIn's "
        "Single Sign-On tab.",
        ("in_response_to",),
        False,
        False,
    ),
    "user": (
        "BlogIn could not find or create the user from what the assertion says. Check the NameID and the email, "
        "firstname and lastname attributes JumpCloud sends, and JIT provisioning on BlogIn's Single Sign-On tab. "
        "Edge cases panel: “Missing attribute” drops one on purpose.",
        ("name_id",),
        False,
        False,
    ),
    "NameID": (
        "The NameID must be plain text, usually the user's email: check the application's NameID setting in JumpCloud.",
        ("name_id",),
        False,
        False,
    ),
    "one assertion": (
        "A Response must carry exactly one assertion; check what the identity provider sends.",
        (),
        False,
        False,
    ),
    "identity provider metadata": (
        "BlogIn's copy of the identity provider's metadata is no longer valid: Re-fetch the Metadata URL or "
        "upload current metadata on BlogIn's Single Sign-On tab.",
        (),
        False,
        False,
    ),
    "XML parsing": (
        "The message is not well-formed XML, or carries a DTD or entities, which BlogIn refuses.",
        (),
        False,
        False,
    ),
}

# JumpCloud's checks on an AuthnRequest it receives.
_AT_THE_IDENTITY_PROVIDER: dict[str, tuple[str, tuple[str, ...], bool, bool]] = {
    "issuer": (
        "The AuthnRequest's Issuer must be the SP Entity ID on the application's SSO tab in JumpCloud: "
        "upload BlogIn's metadata there, or type BlogIn's Entity ID.",
        ("issuer",),
        False,
        False,
    ),
    "acs_url": (
        "The ACS URL the request asks for is not one of the application's ACS URLs in JumpCloud: add it on the "
        "SSO tab, or upload BlogIn's metadata again.",
        (),
        False,
        False,
    ),
    "signature": (
        "The request's signature does not verify with the SP certificate JumpCloud holds: upload BlogIn's "
        "current metadata on the application's SSO tab.",
        (),
        False,
        True,
    ),
}

GENERIC_FIX = "Compare the failed check's detail with the message's XML tab, then correct the setting it names."


def first_failed(checks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first check that did not pass, as the receiver recorded it."""
    return next((check for check in checks if not check.get("ok")), None)


def failed_check(checks: list[dict[str, Any]], reason: str | None, receiver: str) -> FailedCheck | None:
    """What failed at ``receiver`` (``"BlogIn"`` or ``"JumpCloud"``) and how to fix it; ``None`` if nothing did."""
    failed = first_failed(checks)
    if failed is None and not reason:
        return None
    name = str(failed.get("name", "")) if failed else ""
    detail = str(failed.get("detail", "")) if failed else ""
    table = _AT_THE_IDENTITY_PROVIDER if receiver == "JumpCloud" else _AT_THE_SERVICE_PROVIDER
    # BlogIn names a missing signature "signature" too: the fix is to sign, not to mend a signature.
    lookup = "signatures present" if name == "signature" and " not signed" in detail else name
    known = table.get(lookup)
    if known is None:
        return FailedCheck(name=name, detail=detail or reason or "", fix=GENERIC_FIX)
    fix, fields, validity, signature = known
    return FailedCheck(
        name=name, detail=detail or reason or "", fix=fix, fields=fields, validity=validity, signature=signature
    )
