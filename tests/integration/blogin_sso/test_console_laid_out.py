"""BlogIn's pages beyond the guide's steps as QtWebEngine lays them out in a projector's persona pane (470 px) and at
1280 px: the page a rejected assertion shows, the User Provisioning tab's credentials, an error page's button, the
Teams list's search, and a member's home and profile (what the SAML assertion delivered) after single sign-on.

Each page is measured in one probe process: nothing scrolls the page sideways, and the value that used to run out
of sight is seen whole.
"""

from __future__ import annotations

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.models import Team, User, team_members
from sandbox.saml.keys import KeyPair
from tests.integration.blogin_sso.conftest import configure, sp
from tests.integration.blogin_sso.idp import TestIdentityProvider
from tests.integration.blogin_sso.layout_probe import measure

PANE = 470
# Two personas beside the walkthrough on a 1280 px window leave each page about 430 px.
NARROWEST = 430
WIDE = 1280

# The failed check's reason quotes two SHA-256 fingerprints: it must end inside its alert, the alert inside the card.
REFUSAL = """(() => {
  const alert = document.querySelector('.sso-refused .alert-error').getBoundingClientRect();
  const card = document.querySelector('.sso-refused').getBoundingClientRect();
  const reason = document.querySelector('.sso-refused .reason');
  // Where each line of the reason starts: a line starting between two hex digits split a fingerprint's byte.
  const walker = document.createTreeWalker(reason, NodeFilter.SHOW_TEXT);
  let read = '', top = null;
  const split_bytes = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (rect && top !== null && rect.top > top + 2 && /[0-9A-F]$/.test(read) && /[0-9A-F]/.test(node.data[i])) {
        split_bytes.push(read.slice(-5) + '|' + node.data[i]);
      }
      if (rect) top = rect.top;
      read += node.data[i];
    }
  }
  // The checks' names and details each start at one left edge, the failed one's (with the longest detail) too.
  const lefts = (part) => [...document.querySelectorAll('.checklist .' + part)]
    .map(e => Math.round(e.getBoundingClientRect().left));
  return {page: document.documentElement.scrollWidth, view: innerWidth, split_bytes: split_bytes,
          names: lefts('name'), details: lefts('detail'),
          reason_right: reason.getBoundingClientRect().right, alert_right: alert.right, card_right: card.right,
          reason_cut: reason.scrollWidth - reason.clientWidth, text: reason.innerText};
})()"""
# Where a line of the checks, the reason or what the message said starts: the character before it and its first.
LINE_STARTS = """(() => { const starts = [];
  for (const element of document.querySelectorAll('.sso-refused .reason, .sso-refused .detail, .sso-refused td')) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let read = '', top = null;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (rect && top !== null && rect.top > top + 2) starts.push(read.slice(-12) + '|' + node.data.slice(i, i + 6));
        if (rect) top = rect.top;
        read += node.data[i];
      }
    }
  }
  return starts; })()"""
# The Base (Tenant) URL and the Secret (Bearer) token: how much of each the field leaves out of sight.
CREDENTIALS = """(() => ({page: document.documentElement.scrollWidth, view: innerWidth,
  hidden: ['base-url', 'bearer-token'].map(id => { const f = document.getElementById(id);
    return {id: id, hidden: f.scrollWidth - f.clientWidth, right: f.getBoundingClientRect().right}; }),
  copy_right: Math.max(...[...document.querySelectorAll('[data-copy]')].map(b => b.getBoundingClientRect().right)),
}))()"""
SEARCH = """(() => { const field = document.querySelector('.toolbar input[type=search]').getBoundingClientRect();
  const button = [...document.querySelectorAll('.toolbar button')].find(b => b.innerText.trim() === 'Search')
    .getBoundingClientRect();
  return {same_row: Math.abs(button.top - field.top) < 8, after: button.left >= field.right, right: button.right,
          view: innerWidth}; })()"""
# An identity provider may name an attribute by a claim URI: on the member's profile its name wraps in its column.
CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
PROFILE = """(() => {
  const name = [...document.querySelectorAll('.table.kv th')].find(th => th.innerText.includes('claims'));
  const card = name.closest('.card').getBoundingClientRect();
  return {page: document.documentElement.scrollWidth, view: innerWidth, name_right: name.getBoundingClientRect().right,
          name_width: name.getBoundingClientRect().width, card_right: card.right, text: name.innerText}; })()"""
# JIT makes the NameID the member's userName: an address with no hyphen to break at.
MEMBER = "clara.maximiliane.vandenberghe.communications@headquarters.acme.example"
SIGNED_IN = "location.pathname"
WHO = """(() => { const card = document.querySelector('.side .card');
  const name = [...card.querySelectorAll('div')].find(d => d.innerText.includes('@'));
  return {page: document.documentElement.scrollWidth, view: innerWidth, card_right: card.getBoundingClientRect().right,
          name_right: name.getBoundingClientRect().right, name_cut: name.scrollWidth - name.clientWidth,
          text: name.innerText}; })()"""
# The User Authentication page's sign-in address: it ends inside its card.
LOGIN_ADDRESS = """(() => { const code = document.querySelector('.card p code'); const card = code.closest('.card');
  const inner = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
  return {page: document.documentElement.scrollWidth, view: innerWidth, text: code.textContent,
          over: code.getBoundingClientRect().right - inner}; })()"""
# Where the bar's ends, the page's content, Home's first post and the card beside it, and a person's first attribute
# stand (left edges, right edges, tops).
ALIGNED = """(() => {
  const box = selector => { const e = document.querySelector(selector); return e ? e.getBoundingClientRect() : null; };
  const page = document.querySelector('main .page');
  const style = getComputedStyle(page);
  const content = page.getBoundingClientRect();
  const post = box('.feed .post'), side = box('.side .card');
  const attributes = document.querySelector('#attributes');
  const first = attributes && (() => { const range = document.createRange();
    range.selectNodeContents(attributes.querySelector('th')); return range.getClientRects()[0]; })();
  return {brand_left: box('.topbar .brand').left, account_right: box('.topbar .account').right,
          content_left: content.left + parseFloat(style.paddingLeft),
          content_right: content.right - parseFloat(style.paddingRight),
          post_top: post && post.top, side_top: side && side.top,
          heading_left: attributes && attributes.closest('.card').querySelector('h2').getBoundingClientRect().left,
          label_left: first && first.left};
})()"""
# The SSO tabs: how many lines "Sign-On" takes, and each tab's height.
TABS = """(() => ({sign_on_lines: document.querySelector('.tabs .nobreak').getClientRects().length,
  heights: [...document.querySelectorAll('.tabs a')].map(a => Math.round(a.getBoundingClientRect().height)),
  page: document.documentElement.scrollWidth, view: innerWidth}))()"""
ERROR_BUTTON = """(() => { const button = document.querySelector('.error-panel a.btn');
  return {text: button.innerText.trim(), underline: getComputedStyle(button).textDecorationLine,
          page: document.documentElement.scrollWidth, view: innerWidth}; })()"""


@pytest.fixture(scope="module")
def configured(sso_sandbox: Sandbox, admin: httpx.Client, idp: TestIdentityProvider) -> Sandbox:
    """Single sign-on with the test IdP, and User Provisioning On (its token generated)."""
    assert configure(admin, sso_sandbox, idp.metadata()).status_code == 302
    turned_on = admin.post(f"{sso_sandbox.blogin.base_url}/settings/sso/provisioning", data={"enabled": "on"})
    assert turned_on.status_code in (302, 303), turned_on.text[:300]
    return sso_sandbox


def test_console_pages_in_a_pane_and_wide(configured: Sandbox, idp: TestIdentityProvider, other_keys: KeyPair) -> None:
    base = configured.blogin.base_url
    acs = f"{base}/sso/saml/callback"
    service_provider = sp(configured)

    def wrongly_signed() -> dict[str, str]:
        # A fresh Response each time: one posted is not taken twice.
        signed = idp.signed_response(
            email="x@acme.example",
            keys=other_keys,
            sp_entity_id=service_provider["sp_entity_id"],
            acs_url=service_provider["acs_url"],
        )
        return {"SAMLResponse": signed}

    member = {"email": [MEMBER], "firstname": ["Clara"], CLAIM: [MEMBER]}
    signed = idp.signed_response(
        email=MEMBER,
        attributes=member,
        sp_entity_id=service_provider["sp_entity_id"],
        acs_url=service_provider["acs_url"],
    )
    (
        refused_pane,
        refused_wide,
        refused_narrowest,
        credentials,
        credentials_narrowest,
        credentials_zoomed,
        login_address_zoomed,
        tabs_on_sso,
        tabs_on_provisioning,
        error_page,
        teams_search,
        landed,
        home_pane,
        home_wide,
        home_window_aligned,
        home_wide_aligned,
        profile_pane,
        profile_wide,
    ) = measure(
        configured.blogin.admin_login_link(),
        [
            {"url": acs, "form": wrongly_signed(), "width": PANE, "script": REFUSAL},
            {"url": acs, "form": wrongly_signed(), "width": WIDE, "script": REFUSAL},
            {"url": acs, "form": wrongly_signed(), "width": NARROWEST, "script": LINE_STARTS},
            {"url": f"{base}/settings/sso/provisioning", "width": PANE, "script": CREDENTIALS},
            {"url": f"{base}/settings/sso/provisioning", "width": NARROWEST, "script": CREDENTIALS},
            # A trainer's 125 % in the narrowest pane: about 345 CSS px.
            {"url": f"{base}/settings/sso/provisioning", "width": NARROWEST, "zoom": 1.25, "script": CREDENTIALS},
            {"url": f"{base}/settings/user-authentication", "width": NARROWEST, "zoom": 1.25, "script": LOGIN_ADDRESS},
            {"url": f"{base}/settings/sso", "width": NARROWEST, "zoom": 1.25, "script": TABS},
            {"url": f"{base}/settings/sso/provisioning", "width": NARROWEST, "zoom": 1.25, "script": TABS},
            {"url": f"{base}/no-such-page", "width": PANE, "script": ERROR_BUTTON},
            {"url": f"{base}/teams", "width": PANE, "script": SEARCH},
            # The member signs in by single sign-on (JIT creates the account); the profile is theirs.
            {"url": acs, "form": {"SAMLResponse": signed}, "width": PANE, "script": SIGNED_IN},
            {"url": f"{base}/", "width": PANE, "script": WHO},
            {"url": f"{base}/", "width": WIDE, "script": WHO},
            {"url": f"{base}/", "width": 1000, "script": ALIGNED},
            {"url": f"{base}/", "width": WIDE, "script": ALIGNED},
            {"url": f"{base}/profile", "width": PANE, "script": PROFILE},
            {"url": f"{base}/profile", "width": WIDE, "script": PROFILE},
        ],
    )
    # "Single sign-on failed" for a wrong certificate: its reason wraps inside the alert, in a pane and wide.
    for refused in (refused_pane, refused_wide):
        assert "fingerprint is" in refused["text"]
        assert refused["page"] <= refused["view"], refused
        assert refused["reason_cut"] <= 0, refused
        assert refused["reason_right"] <= refused["alert_right"] + 0.5 <= refused["card_right"] + 0.5, refused
        # It breaks after a colon between two bytes of a fingerprint, never inside a byte.
        assert refused["split_bytes"] == [], refused
        # The failed check's mark keeps its width beside a long detail: its name and detail line up with the others'.
        assert len(set(refused["names"])) == 1 and len(set(refused["details"])) == 1, refused
    # In the narrowest pane a URL (the destination check's, the ACS URL) breaks after a slash, never inside a word
    # ("…/sso/saml/callb" over "ack"); a fingerprint after a colon, words at a space or a hyphen.
    assert refused_narrowest, "nothing wrapped at 430 px"
    assert [start for start in refused_narrowest if start.split("|")[0][-1] not in " /:-"] == [], refused_narrowest
    # The User Provisioning tab in a pane, the narrowest too: the Base (Tenant) URL (its port has five digits) and
    # the token show whole, Copy within the pane.
    for shown in (credentials, credentials_narrowest, credentials_zoomed):
        assert shown["page"] <= shown["view"], shown
        assert [field["hidden"] for field in shown["hidden"]] == [0, 0], shown
        assert shown["copy_right"] <= shown["view"], shown
    # At 125 % the User Authentication page's sign-in address wraps at its dots inside its card.
    assert login_address_zoomed["text"].endswith("/login"), login_address_zoomed
    assert login_address_zoomed["page"] <= login_address_zoomed["view"], login_address_zoomed
    assert login_address_zoomed["over"] <= 0.5, login_address_zoomed
    # At 125 % in the narrowest pane the tabs wrap between words ("Single" over "Sign-On"), never after the hyphen,
    # and the bar has the same shape on both tabs' pages.
    assert tabs_on_sso == tabs_on_provisioning, (tabs_on_sso, tabs_on_provisioning)
    assert tabs_on_sso["sign_on_lines"] == 1 and tabs_on_sso["page"] <= tabs_on_sso["view"], tabs_on_sso
    # An error page's way back is a button, not an underlined link.
    assert error_page["text"] == "Back to BlogIn"
    assert error_page["underline"] == "none", error_page
    assert error_page["page"] <= error_page["view"]
    # Teams in a pane: Search stays beside its field, as wide, instead of on a row of its own.
    assert teams_search["same_row"] and teams_search["after"], teams_search
    assert teams_search["right"] <= teams_search["view"], teams_search
    assert landed != "/login", "the member's single sign-on was refused"
    # Home: "Signed in as" wraps the member's userName inside its card, above the posts in a pane and beside them.
    for home in (home_pane, home_wide):
        assert MEMBER in home["text"], home
        assert home["page"] <= home["view"], home
        assert home["name_cut"] <= 0 and home["name_right"] <= home["card_right"], home
    # Home beside a persona's whole width and at 1280 px: the bar's brand and Log out line up with the page under them,
    # and who is signed in starts level with the first post.
    for aligned in (home_window_aligned, home_wide_aligned):
        assert abs(aligned["brand_left"] - aligned["content_left"]) <= 1, aligned
        assert abs(aligned["account_right"] - aligned["content_right"]) <= 1, aligned
        assert abs(aligned["side_top"] - aligned["post_top"]) <= 1, aligned
    # What the SAML assertion delivered: the claim URI wraps inside the card in a pane, and in its 200 px column wide.
    for profile in (profile_pane, profile_wide):
        assert profile["text"] == CLAIM
        assert profile["page"] <= profile["view"], profile
        assert profile["name_right"] <= profile["card_right"], profile
    assert profile_wide["name_width"] <= 201, profile_wide


# Between a persona pane and a full window: a single persona beside the walkthrough is about 700 to 900 px wide.
BESIDE = 700
WALKTHROUGH = 900
FULL = 1000
# Nothing scrolls the page sideways, and a list or the faults' table ends inside its card.
FITS = """(() => { const table = document.querySelector('#users, .fault-table');
  const card = table.closest('.card');
  const inner = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
  return {page: document.documentElement.scrollWidth, view: innerWidth, table_over: table.getBoundingClientRect().right
          - inner, card_scroll: card.scrollWidth - card.clientWidth}; })()"""
# Each key-value row: how far its name's first line stands from its value's first line (bottom to bottom).
FIRST_LINES = """(() => {
  const first = (cell) => { const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) { if (walker.currentNode.data.trim()) { const range = document.createRange();
      range.selectNodeContents(walker.currentNode); return range.getClientRects()[0]; } } return null; };
  return [...document.querySelectorAll('.table.kv tr')]
    .filter(row => row.cells.length === 2 && row.cells[0].tagName === 'TH')
    .map(row => ({name: row.cells[0].innerText.trim(),
                  apart: Math.round(first(row.cells[1]).bottom - first(row.cells[0]).bottom)}));
})()"""
PERSON = """({page: document.documentElement.scrollWidth, view: innerWidth})"""
# The metadata file's field: its type and its button's, beside the page's own.
FILE_FIELD = """(() => { const field = document.querySelector('input[type=file][name=metadata_file]');
  const button = getComputedStyle(field, '::file-selector-button');
  return {page: getComputedStyle(document.body).fontFamily, field: getComputedStyle(field).fontFamily,
          button_radius: button.borderTopLeftRadius, button_background: button.backgroundColor,
          card: getComputedStyle(field.closest('.card')).backgroundColor}; })()"""
LONG_NAME = "maximilian.oberhausen-vandenberghe@headquarters.acme.example"


@pytest.fixture(scope="module")
def teamed(configured: Sandbox) -> str:
    """A provisioned person with a long userName, in a team with a long name (as JumpCloud's groups often have)."""
    with configured.blogin.database.transaction() as session:
        person = User(
            user_name=LONG_NAME,
            user_name_key=LONG_NAME,
            email=LONG_NAME,
            given_name="Maximilian",
            family_name="Oberhausen",
            source="SCIM",
        )
        team = Team(
            display_name="Engineering and Developer Relations EMEA",
            display_name_key="engineering and developer relations emea",
            source="SCIM",
        )
        session.add_all([person, team])
        session.flush()
        session.execute(team_members.insert().values(team_id=team.id, user_id=person.id))
        return person.id


def test_console_beside_the_walkthrough(configured: Sandbox, teamed: str) -> None:
    base = configured.blogin.base_url
    (
        users_beside,
        users_walkthrough,
        faults_walkthrough,
        faults_full,
        person_beside,
        sso_full,
        person_full,
        file_field,
        person_full_aligned,
        person_wide_aligned,
    ) = measure(
        configured.blogin.admin_login_link(),
        [
            {"url": f"{base}/users", "width": BESIDE, "script": FITS},
            {"url": f"{base}/users", "width": WALKTHROUGH, "script": FITS},
            {"url": f"{base}/settings/test-faults", "width": WALKTHROUGH, "script": FITS},
            {"url": f"{base}/settings/test-faults", "width": FULL, "script": FITS},
            {"url": f"{base}/users/{teamed}", "width": BESIDE, "script": PERSON},
            {"url": f"{base}/settings/sso", "width": FULL, "script": FIRST_LINES},
            {"url": f"{base}/users/{teamed}", "width": FULL, "script": FIRST_LINES},
            {"url": f"{base}/settings/sso", "width": PANE, "script": FILE_FIELD},
            {"url": f"{base}/users/{teamed}", "width": FULL, "script": ALIGNED},
            {"url": f"{base}/users/{teamed}", "width": 1280, "script": ALIGNED},
        ],
    )
    # The Users list and the Test faults table fit their card: no sideways scroll of the page, none inside the card.
    for fits in (users_beside, users_walkthrough, faults_walkthrough, faults_full):
        assert fits["page"] <= fits["view"], fits
        assert fits["table_over"] <= 0.5 and fits["card_scroll"] <= 0, fits
    # A person's page: the SCIM path's 32-digit id wraps, the attributes take the width above the representation.
    assert person_beside["page"] <= person_beside["view"], person_beside
    # Each row's name stands on its value's first line: the IdP's certificate, whose fingerprint box has its expiry
    # under it, and a person's long userName, which wraps.
    names = [row["name"] for row in sso_full]
    assert "SP certificate" in names and "Certificate" in names, sso_full
    assert "userName" in [row["name"] for row in person_full], person_full
    for row in sso_full + person_full:
        assert abs(row["apart"]) <= 3, row
    # The metadata file's field is in the page's type, its button a rounded white button like the page's others.
    assert file_field["field"] == file_field["page"], file_field
    assert file_field["button_radius"] == "6px" and file_field["button_background"] == file_field["card"], file_field
    # A person's page: the bar lines up with the page, and the attributes start under their card's heading.
    for aligned in (person_full_aligned, person_wide_aligned):
        assert abs(aligned["brand_left"] - aligned["content_left"]) <= 1, aligned
        assert abs(aligned["account_right"] - aligned["content_right"]) <= 1, aligned
        assert abs(aligned["label_left"] - aligned["heading_left"]) <= 1, aligned
