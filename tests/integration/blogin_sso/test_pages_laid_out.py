"""BlogIn's guide pages as a browser lays them out (QtWebEngine, offscreen), at 1280 px and in a 520 px persona pane:
nothing runs out of sight, hints line up, cards end at their padding."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.blogin.models import Team, User, team_members
from tests.integration.blogin_sso.layout_probe import measure

# Where the first line of a label's words and each line of its hint start (a Range measures text nodes).
IDP_INITIATED = """(() => {
  const label = document.querySelector('input[name="idp_initiated_allowed"]').closest('label');
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  let words = null;
  while (walker.nextNode()) {
    if (walker.currentNode.textContent.includes('Allow IdP-initiated')) words = walker.currentNode;
  }
  const range = document.createRange(); range.selectNodeContents(words);
  const hint = label.querySelector('.muted');
  return {words: range.getClientRects()[0].left, hint: [...hint.getClientRects()].map(r => r.left)};
})()"""
METHODS = """(() => {
  const rows = [...document.querySelectorAll('.methods .method')].map(m => m.getBoundingClientRect());
  const second = rows.find(r => r.top > rows[0].bottom);
  return {rows_apart: second ? second.top - rows[0].bottom : null,
          side_by_side: rows[1].top === rows[0].top ? rows[1].left - rows[0].right : null};
})()"""
HINTS = """(() => ({
  role: document.getElementById('hint-default-role').getBoundingClientRect().top,
  jit: document.getElementById('jit-hint').getBoundingClientRect().top,
  status_card_below: document.querySelector('.sso-status').getBoundingClientRect().bottom
    - document.querySelector('.sso-status input[name="name"]').getBoundingClientRect().bottom,
}))()"""
CARD_BELOW_TEXT = """(() => {
  const card = document.querySelector('main .card');
  return card.getBoundingClientRect().bottom - card.lastElementChild.getBoundingClientRect().bottom;
})()"""
MEMBER_COUNTS = """[...document.querySelectorAll('#teams tbody tr')].map(r => r.cells[2].innerText.trim())"""
JSON_BOX = """(() => { const box = document.querySelector('.json-scroll');
  return {scroll: box.scrollWidth, visible: box.clientWidth}; })()"""


def laid_out(sandbox: Sandbox, pages: list[tuple[str, int, str]]) -> list[Any]:
    """Each (path, width, expression)'s value, measured in one QtWebEngine process signed in as the administrator."""
    base = sandbox.blogin.base_url
    return measure(
        sandbox.blogin.admin_login_link(),
        [{"url": base + path, "width": width, "script": script} for path, width, script in pages],
    )


@pytest.fixture(scope="module")
def people(sso_sandbox: Sandbox) -> str:
    """A team of one and a provisioned-looking member; the member's id."""
    with sso_sandbox.blogin.database.transaction() as session:
        solo = User(
            user_name="solo.member@acme.example",
            user_name_key="solo.member@acme.example",
            email="solo.member@acme.example",
            source="SCIM",
        )
        team = Team(display_name="Team of one", display_name_key="team of one", source="SCIM")
        session.add_all([solo, team])
        session.flush()
        session.execute(team_members.insert().values(team_id=team.id, user_id=solo.id))
        return solo.id


def test_guide_pages_at_both_widths(sso_sandbox: Sandbox, people: str) -> None:
    (
        idp_initiated,
        methods,
        hints,
        password_card,
        member_counts,
        wide_json,
        narrow_json,
    ) = laid_out(
        sso_sandbox,
        [
            ("/settings/sso", 520, IDP_INITIATED),
            ("/settings/sso", 520, METHODS),
            ("/settings/sso", 1280, HINTS),
            ("/settings/user-authentication", 1280, CARD_BELOW_TEXT),
            ("/teams?q=Team+of+one", 520, MEMBER_COUNTS),
            (f"/users/{people}", 1280, JSON_BOX),
            (f"/users/{people}", 520, JSON_BOX),
        ],
    )
    # The hint's lines wrap back under the option's words, not in a column of their own beside them.
    assert min(idp_initiated["hint"]) == pytest.approx(idp_initiated["words"], abs=1)
    # Wrapped CONFIGURATION METHOD choices are as far apart as choices side by side.
    assert methods["rows_apart"] == pytest.approx(methods["side_by_side"], abs=1)
    # The Users card's two hints start on one line; the status card ends at its padding (20 px and its border).
    assert hints["role"] == pytest.approx(hints["jit"], abs=1)
    assert hints["status_card_below"] <= 22
    assert password_card <= 22
    # In a persona pane, where the Members heading is hidden, the count says what it counts.
    assert member_counts == ["1 member"]
    # The SCIM representation wraps its long lines (its resource URL) instead of scrolling them out of sight.
    for box in (wide_json, narrow_json):
        assert box["scroll"] <= box["visible"]
