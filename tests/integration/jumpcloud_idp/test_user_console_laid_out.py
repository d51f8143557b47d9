"""The User Console and the IdP's own pages as QtWebEngine lays them out in a projector's persona pane (470 px),
at 1000 and at 1280 px, measured in one probe process (``tests/integration/blogin_sso/layout_probe.py``).

A long name is seen whole on the console's bar (a short one keeps the bar's single row), with its long address
whole under it from 1000 px, and a refusal naming an application's long SSO IdP URL wraps inside its card instead
of scrolling the page sideways.
"""

from __future__ import annotations

import pytest

from sandbox.app import Sandbox
from sandbox.jumpcloud.models import SystemUser
from sandbox.passwords import hash_password
from tests.integration.blogin_sso.layout_probe import measure

PANE = 470
WINDOW = 1000
WIDE = 1280
PASSWORD = "correct horse 1"
LONG_NAME = ("Bartholomew-Alexander", "Featherstonehaugh-Montgomery")
LONG_EMAIL = "bartholomew.featherstonehaugh-montgomery@engineering.example.org"
# Nobody configured an application by this name: the IdP's "Unknown application" page names its /saml2/ path.
UNKNOWN_APPLICATION = "quarterly-" + "x" * 110

BAR = """(() => {
  const bar = document.querySelector('.console-bar').getBoundingClientRect();
  const who = document.querySelector('.console-bar .who');
  const logout = [...document.querySelectorAll('.console-bar button')].find(b => b.innerText.trim() === 'Log out');
  // The name and the address (each a part of .who, or .who itself) show whole, not ended by an ellipsis.
  const parts = [who, ...who.querySelectorAll('*')].filter(e => !e.closest('.visually-hidden') && e.checkVisibility());
  return {page: document.documentElement.scrollWidth, view: innerWidth, bar_height: bar.height,
          name: who.innerText, who_cut: Math.max(...parts.map(e => e.scrollWidth - e.clientWidth)),
          who_right: who.getBoundingClientRect().right,
          logout_right: logout.getBoundingClientRect().right};
})()"""
REFUSAL = """(() => {
  const card = document.querySelector('.login-card').getBoundingClientRect();
  const message = document.querySelector('.login-card [role=alert]');
  return {page: document.documentElement.scrollWidth, view: innerWidth, title: document.querySelector('h1').innerText,
          message_right: message.getBoundingClientRect().right, card_right: card.right,
          message_cut: message.scrollWidth - message.clientWidth};
})()"""


@pytest.fixture(scope="module")
def people(running: Sandbox) -> tuple[str, str]:
    """A user whose name and address are longer than a pane's bar, and one whose name is not: their usernames."""
    with running.jumpcloud.database.transaction() as session:
        for username, email, (first, last) in (
            ("bartholomew", LONG_EMAIL, LONG_NAME),
            ("kay", "kay@example.com", ("Kay", "Li")),
        ):
            session.add(
                SystemUser(
                    username=username,
                    email=email,
                    firstname=first,
                    lastname=last,
                    password_hash=hash_password(PASSWORD),
                )
            )
    return "bartholomew", "kay"


def test_user_console_and_idp_pages_in_a_pane_and_wide(running: Sandbox, people: tuple[str, str]) -> None:
    long_named, short_named = people
    base = running.jumpcloud.base_url
    login = f"{base}/userconsole/login"
    long_pane, long_wide, long_window, short_pane, refused_pane, refused_wide = measure(
        {"url": login, "fill": {"login": long_named, "password": PASSWORD}},
        [
            {"url": f"{base}/userconsole", "width": PANE, "script": BAR},
            {"url": f"{base}/userconsole", "width": WIDE, "script": BAR},
            {"url": f"{base}/userconsole", "width": WINDOW, "script": BAR},
            {"url": login, "fill": {"login": short_named, "password": PASSWORD}, "width": PANE, "script": BAR},
            {"url": f"{base}/saml2/{UNKNOWN_APPLICATION}", "width": PANE, "script": REFUSAL},
            {"url": f"{base}/saml2/{UNKNOWN_APPLICATION}", "width": WIDE, "script": REFUSAL},
        ],
    )
    # The long name is whole on the bar, in a pane (on a row of its own) and wide, Log out beside it on screen;
    # in a window (a persona on its own, 1000 px) and wider its address is whole under it too.
    for bar in (long_pane, long_wide, long_window):
        assert " ".join(LONG_NAME) in bar["name"], bar
        assert bar["who_cut"] <= 0, bar
        assert bar["page"] <= bar["view"], bar
        assert bar["who_right"] <= bar["logout_right"] <= bar["view"], bar
    for bar in (long_wide, long_window):
        assert LONG_EMAIL in bar["name"], bar
    # A short name keeps the bar's single row.
    assert "Kay Li" in short_pane["name"] and short_pane["who_cut"] <= 0, short_pane
    assert short_pane["bar_height"] == pytest.approx(56, abs=1), short_pane
    # The refusal names the long /saml2/ path and wraps it inside its card.
    for refused in (refused_pane, refused_wide):
        assert refused["title"] == "Unknown application", refused
        assert refused["page"] <= refused["view"], refused
        assert refused["message_cut"] <= 0 and refused["message_right"] <= refused["card_right"], refused
