"""The hand-off page: the signed Response (or the refusal) posted from the browser to the SP's ACS.

It posts at once, unless the tester's "Hold the Response before posting it" edge case makes it count down
first, with a Post now button, so that an assertion with a short validity can expire on its way.

A held sign-in is released through JumpCloud: when the countdown ends (or Post now is pressed) the page
asks JumpCloud to post it, and JumpCloud reads the application and the user again. An application
deleted or deactivated during the hold, a user suspended or no longer in a group bound to it, gets the
same page as before the Response was issued, a failed ``sso_auth`` event saying the Response was held,
and a trace of the Response withheld: JumpCloud does not post it. The Response itself was in the page
from the start, as any HTTP-POST binding puts it in the browser's hands, so a tester can still copy it
and post it by hand, and the service provider will accept it until its NotOnOrAfter: deactivating an
application in the IdP recalls no assertion already issued, which is what the validity window is for.
A held error Response (no assertion) is posted without asking: it signs nobody in.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, session

from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts
from sandbox.jumpcloud.services.sso_access import SignInParties, is_authorized, sign_in_parties
from sandbox.jumpcloud.web.idp_pages import record_refusal, refuse
from sandbox.jumpcloud.web.idp_runtime import runtime
from sandbox.jumpcloud.web.pending_logins import HeldResponse
from sandbox.jumpcloud.web.userconsole import USER_SESSION_KEY
from sandbox.saml.capture import capture
from sandbox.saml.idp import IssuedResponse
from sandbox.saml.idp_refusals import Refusal
from sandbox.webcommon import work

WITHHELD = " JumpCloud did not post the Response it was holding."


def held_summary(summary: str, captured: dict[str, object], hold: int) -> str:
    """The trace's summary, saying (as its data does) that the hand-off page holds the Response."""
    if not hold:
        return summary
    captured["held_seconds"] = hold
    return f"{summary}, held {hold} s before posting (edge case)"


def hand_off_page(
    application: ApplicationFacts,
    issued: IssuedResponse,
    user: UserFacts | None,
    hold: int,
    refusal: Refusal | None = None,
    release_url: str | None = None,
) -> str:
    """The page that posts ``issued`` to the ACS: at once, or after a countdown of ``hold`` seconds.

    ``release_url``: where a held sign-in is released (:func:`release_held`) instead of posted directly.
    """
    expires_in = not_on_or_after = None
    if hold and issued.not_on_or_after is not None:
        # What the countdown shows of the assertion's validity (the SP compares NotOnOrAfter with its clock).
        expires_in = (issued.not_on_or_after - datetime.now(UTC)).total_seconds()
        not_on_or_after = issued.not_on_or_after.strftime("%H:%M:%S UTC")
    # The hand-off page shows none of the portal's chrome, so it is rendered without the portal's
    # context processors (which would look the signed-in administrator up for nothing).
    return current_app.jinja_env.get_template("idp/post.html").render(
        application=application,
        issued=issued,
        acs_url=issued.acs_url,
        user=user,
        refusal=refusal,
        hold=hold,
        expires_in=expires_in,
        not_on_or_after=not_on_or_after,
        release_url=release_url if hold else None,
    )


def release_held(token: str) -> str | tuple[str, int]:
    """Post the held Response ``token`` at once if its application and user still allow it; else refuse.

    A held Response is released once, to the browser whose User Console user it was issued for.
    """
    store = runtime().held
    held = store.get(token)
    # Taken only by the browser it was issued in, so that a stranger who learnt the URL cannot spend it.
    if held is None or held.user_id != session.get(USER_SESSION_KEY) or store.take(token) is None:
        return refuse(
            "Sign-in expired",
            "This sign-in has expired or was already completed. Start again from the application.",
            400,
        )
    parties = sign_in_parties(work(), held.application.id, held.user_id)
    application = parties.application
    if application is None:
        label = held.application.display_label
        refused = ("application deleted", "Unknown application", f"{label} was deleted by your administrator.", 404)
    else:
        found = _refusal(application, parties)
        if found is None:
            return hand_off_page(application, held.issued, parties.user, 0)
        refused = found
    reason, title, message, code = refused
    reason = f"{reason} while the Response was held"
    event_id = record_refusal(application or held.application, parties.user, held.idp_initiated, reason)
    _trace_withheld(held, reason, event_id)
    return refuse(title, message + WITHHELD, code)


def _refusal(application: ApplicationFacts, parties: SignInParties) -> tuple[str, str, str, int] | None:
    """Why the held Response may not go now (event reason, page title, message, status), or ``None``."""
    user = parties.user
    label = application.display_label
    if not application.sso_active:
        return (
            "application deactivated",
            "Application deactivated",
            f"SSO for {label} has been deactivated by your administrator.",
            403,
        )
    if user is None or not user.active:
        return "user suspended", "Account suspended", "Your account is suspended. Contact your administrator.", 403
    if not is_authorized(application, user, member=parties.member):
        message = (
            f"You are not authorized to access {label}. "
            "Ask your administrator to add you to a user group that is bound to it."
        )
        return "not authorized", "Access denied", message, 403
    return None


def _trace_withheld(held: HeldResponse, reason: str, event_id: str) -> None:
    """The Response as it stays: never posted, with why (its trace as issued says it was held)."""
    issued = held.issued
    runtime().traces.record(
        work(),
        "saml",
        f"Response for {held.username} to {held.application.display_label} withheld: {reason}",
        capture(
            message_type="Response",
            direction="sent",
            binding="HTTP-POST",
            endpoint=issued.acs_url,
            xml=issued.xml,
            verdict="rejected",
            relay_state=issued.relay_state,
            reason=reason,
            expected_certificate_sha256=held.certificate_sha256,
            application=held.application.name,
            flow_id=held.flow_id,
        ),
        success=False,
        related_id=event_id,
    )
