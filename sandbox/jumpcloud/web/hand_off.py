"""The hand-off page: the signed Response (or the refusal) posted from the browser to the SP's ACS.

It posts at once, unless the tester's "Hold the Response before posting it" edge case makes it count down
first, with a Post now button, so that an assertion with a short validity can expire on its way.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from sandbox.jumpcloud.services.sso import ApplicationFacts, UserFacts
from sandbox.saml.idp import IssuedResponse
from sandbox.saml.idp_options import Refusal


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
) -> str:
    """The page that posts ``issued`` to the ACS: at once, or after a countdown of ``hold`` seconds."""
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
    )
