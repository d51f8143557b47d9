"""The Admin Portal's pages as QtWebEngine lays them out (offscreen), in a 470 px persona pane (the window split
in two on a projector) and at 1280 px, with long names, addresses and labels in them: the page never scrolls
sideways, buttons, tabs, badges and Home's stat cards show their words whole and in sight, a list's state,
status and actions stay inside its panel instead of behind a sideways scroll, an event's type (admin_login_attempt)
and a username or an address in a trail or a list is never broken inside a word, a search field's placeholder is
read whole, and so is an address shown to copy (SSO IdP URL, IdP-initiated URL), which wraps only at its punctuation
and copies exactly. In the narrowest pane Directory Insights folds its filters behind "Filters" (open while one is
active) so the events start on the first screen, and a failed event says why in its row.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.services.provisioning.mailbox import send_mail
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal

NARROWEST = 430
PANE = 470
WINDOW = 1000
WIDE = 1280

# BlogIn's own layout probe: a QtWebEngine process of its own, found without importing it (it imports Qt).
_PROBE = importlib.util.find_spec("tests.integration.blogin_sso.layout_probe")
assert _PROBE is not None and _PROBE.origin is not None
PROBE = _PROBE.origin

LONG_USER = DirectoryUser(
    "maximilian.featherstonehaugh-montgomery",
    "maximilian.featherstonehaugh-montgomery@engineering.example.org",
    "Maximilian Alexander",
    "Featherstonehaugh-Montgomery",
    "Senior Principal Infrastructure Engineer",
)
LONG_GROUP = "Engineering Platform and Infrastructure Team"

# What a person would see wrong, measured on one page. An element is "in sight" when its right edge is
# inside the page and inside its panel, or the part of the panel that scrolls it sideways.
MEASURE = """(() => {
  const page = document.documentElement;
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const name = e => (e.innerText || e.getAttribute('aria-label') || e.className)
    .trim().replace(/\\s+/g, ' ').slice(0, 60);
  const right = (e, selector) => {
    const box = e.parentElement && e.parentElement.closest(selector);
    return box ? box.getBoundingClientRect().right : Infinity;
  };
  const edge = e => Math.min(
    page.clientWidth, right(e, '.table-scroll, .panel.flush'), right(e, '.panel, .idm-section'));
  const whole = [...document.querySelectorAll('.btn, .tabs a, .badge, .stat-card, .crumbs, td.cell-main')]
    .filter(shown);
  const rows = e => { const r = document.createRange(); r.selectNodeContents(e);
    const boxes = [...r.getClientRects()].filter(b => b.width > 0).sort((a, b) => a.top - b.top);
    let count = 0, bottom = -Infinity;
    for (const b of boxes) { if (b.top >= bottom - 1) { count += 1; } bottom = Math.max(bottom, b.bottom); }
    return count; };
  // Only the element's own text counts when `own` (a cell whose details under it are a block of their own).
  const brokenInside = (e, own = false) => {
    const texts = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    const word = /[\\p{L}\\p{N}]/u;
    let top = null, before = '';
    for (let text = texts.nextNode(); text; text = texts.nextNode()) {
      if (own && text.parentElement !== e) continue;
      for (let i = 0; i < text.length; i++) {
        range.setStart(text, i); range.setEnd(text, i + 1);
        const box = range.getClientRects()[0];
        if (!box) continue;
        if (top !== null && box.top > top + 2 && word.test(before) && word.test(text.data[i])) return true;
        top = box.top; before = text.data[i];
      }
    }
    return false;
  };
  const lines = e => { const r = document.createRange(); r.selectNodeContents(e);
    return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; };
  return {
    sideways: page.scrollWidth - page.clientWidth,
    cut: whole.filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1).map(name),
    out_of_sight: whole.filter(e => e.getBoundingClientRect().right > edge(e) + 1).map(name),
    card_labels: [...document.querySelectorAll('.stat-card > span:last-child')].map(s => [s.innerText, lines(s)]),
    // An event's type (Home, Directory Insights) is an identifier: on one line and whole, or it is broken.
    broken_event_types: [...document.querySelectorAll('table.stack-narrow:not(.idm-failures) td.cell-main')]
      .filter(shown).map(td => td.querySelector('.etype') || td)
      .filter(e => lines(e) > 1 || e.scrollWidth > e.clientWidth + 1).map(name),
    // A trail or a list's username and address wraps at its punctuation, never between two letters or digits.
    broken_words: [...document.querySelectorAll('.crumbs, .cell-sub > span')].filter(shown).filter(e => brokenInside(e))
      .map(name),
    // The same in a full-width list's own columns (Users, a group's members, manual import): "jan|e.doe" is broken.
    broken_cells: [...document.querySelectorAll(
      '.table td.username, .table td.narrow-hide, .import-table td.import-user, .import-table td.import-value')]
      .filter(shown).filter(e => brokenInside(e, true)).map(name),
    // Manual import's cells hold their text: none runs under its neighbour.
    overflowing_cells: [...document.querySelectorAll('.import-table td')].filter(shown)
      .filter(td => td.scrollWidth > td.clientWidth + 1).map(name),
    // An address shown to read or copy (SSO IdP URL, IdP-initiated URL) is whole in its field.
    cut_values: [...document.querySelectorAll('input[readonly]:not(#api-key-value), textarea[readonly]')]
      .filter(e => e.checkVisibility())
      .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1).map(e => e.value),
    // The same address shown as text breaks only after its "/", "." or ":", never inside a word ("saml2/bl|ogin");
    // a field that wraps its value anywhere (a textarea) is broken as soon as it takes a second line.
    broken_values: [...document.querySelectorAll('.url-value')].filter(e => e.checkVisibility()).filter(e => {
      if (e.tagName !== 'TEXTAREA') return brokenInside(e);
      const style = getComputedStyle(e);
      const inner = e.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      return inner > 1.5 * parseFloat(style.lineHeight);
    }).map(e => e.value ?? e.textContent),
    // A catalog entry's name and description run to its card's edge (no column of badges squeezing them).
    squeezed_entries: [...document.querySelectorAll('.catalog-entry')].filter(shown).filter(e => {
      const end = e.getBoundingClientRect().right - parseFloat(getComputedStyle(e).paddingRight) - e.clientLeft;
      return e.querySelector(':scope > span').getBoundingClientRect().right < end - 2;
    }).map(name),
    // Identity Management's last sync and a mail's date break between date and time, if they must, never before UTC.
    orphaned_utc: [...document.querySelectorAll('.idm-stat, .mail-body > .small')].filter(shown).filter(e => {
      const placed = [];
      const texts = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let text = texts.nextNode(); text; text = texts.nextNode()) {
        for (let i = 0; i < text.length; i++) {
          range.setStart(text, i); range.setEnd(text, i + 1);
          const box = range.getClientRects()[0];
          if (box) placed.push([text.data[i], box.top]);
        }
      }
      const written = placed.map(([c]) => c).join('');
      return written.endsWith(' UTC') && placed.at(-3)[1] > placed.at(-5)[1] + 2;
    }).map(name),
    // A list's column names on one line (a sort arrow, smaller, sits on the same line).
    wrapped_headings: [...document.querySelectorAll('.panel-flush .table th, .panel.flush .table th, .import-table th')]
      .filter(shown).filter(th => !th.querySelector('.visually-hidden') && rows(th) > 1).map(name),
    // The SSO tab's attribute tables: a column name ("Service Provider Attribute Name") reads in two lines at most.
    tall_headings: [...document.querySelectorAll('.attr-table th')].filter(shown).filter(th => rows(th) > 2).map(name),
    // A choice is read whole: in its field, or written out (data-shows) where the field is too narrow for it (the
    // NameID Format's urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress).
    cut_choices: [...document.querySelectorAll('select')].filter(s => s.checkVisibility() && s.selectedOptions.length)
      .filter(s => {
        const style = getComputedStyle(s);
        const pen = document.createElement('canvas').getContext('2d');
        pen.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const text = s.selectedOptions[0].text;
        // The drop-down arrow takes about 20 px of the field's content box.
        const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
        if (pen.measureText(text).width <= room) return false;
        const shownElsewhere = s.id && document.querySelector(`[data-shows="${s.id}"]`);
        return !(shownElsewhere && shownElsewhere.checkVisibility() && shownElsewhere.textContent.trim() === text
          && shownElsewhere.scrollWidth <= shownElsewhere.clientWidth + 1
          && shownElsewhere.getBoundingClientRect().right <= page.clientWidth);
      }).map(s => s.selectedOptions[0].text),
    // How much of the page's width the page itself has beside the navigation.
    content_share: (() => { const main = document.querySelector('.shell > .main');
      return main ? main.getBoundingClientRect().width / page.clientWidth : 1; })(),
    // A search field's placeholder (shown while it is empty) fits inside the field.
    cut_placeholders: [...document.querySelectorAll('input[placeholder]')]
      .filter(i => i.value === '' && i.checkVisibility()).filter(i => {
        const style = getComputedStyle(i);
        const pen = document.createElement('canvas').getContext('2d');
        pen.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = i.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return pen.measureText(i.placeholder).width > room + 0.5;
      }).map(i => i.placeholder),
  };
})()"""


@dataclass(frozen=True)
class Built:
    sandbox: Sandbox
    user: str
    group: str
    application: str
    mail: str


@pytest.fixture(scope="module")
def built(jc_sandbox: Sandbox) -> Built:
    """Long names in every list, BlogIn added with Identity Management active, users to import, a mail."""
    jumpcloud = jc_sandbox.jumpcloud
    with Rehearsal(jumpcloud.base_url, jc_sandbox.blogin.base_url) as steps:
        steps.sign_in_admins()
        long_user = steps.create_user(LONG_USER)
        pending = steps.create_user(
            DirectoryUser("ada.laid-out", "ada.laid-out@research.example.org", "Ada", "Lovelace", "Engineer")
        )
        group = steps.create_group(LONG_GROUP, [long_user, pending])
        application = steps.create_blogin_application()
        steps.authorize_groups([group])
        base_url, token = steps.enable_blogin_provisioning()
        steps.activate_identity_management(base_url, token)
    # BlogIn users JumpCloud does not have: one new with a long name, one whose username it refuses.
    with http_client(headers={"Authorization": f"Bearer {token}"}) as scim:
        for user_name, email in [
            ("dorothy.hodgkin.crystallography@oxford-research.example.ac.uk", None),
            ("name with spaces", "spaces@example.com"),
        ]:
            created = scim.post(
                f"{base_url.rstrip('/')}/Users",
                json={
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": user_name,
                    "name": {"givenName": "Dorothy", "familyName": "Hodgkin"},
                    "emails": [{"value": email or user_name, "primary": True}],
                },
            )
            assert created.status_code == 201, created.text
    with jumpcloud.database.transaction() as session:
        mail = send_mail(
            session,
            "admin@example.com",
            "Manual import of BlogIn users completed",
            f"Open {jumpcloud.base_url}/applications/{application}/identity-management/import?new_only=1 to see them.",
        ).id
    return Built(jc_sandbox, long_user, group, application, mail)


def laid_out(sandbox: Sandbox, pages: list[tuple[str, int]], script: str = MEASURE) -> list[dict[str, Any]]:
    """What ``script`` finds on each (path, width), in one QtWebEngine process signed in as the administrator."""
    order = {
        "sign_in": sandbox.jumpcloud.admin_login_link(),
        "pages": [
            {"url": sandbox.jumpcloud.base_url + path, "width": width, "script": script} for path, width in pages
        ],
    }
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}
    done = subprocess.run(
        [sys.executable, PROBE],
        input=json.dumps(order),
        capture_output=True,
        text=True,
        timeout=90,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) == len(pages), done.stderr[-2000:]
    return results


#: what the probe reports of a page, and how a failure names it
_FINDINGS = (
    ("cut", "cut short"),
    ("out_of_sight", "out of sight"),
    ("broken_event_types", "event types broken or cut"),
    ("broken_words", "a word broken inside"),
    ("broken_cells", "a username, an address or a name broken inside a word in its column"),
    ("overflowing_cells", "cells whose text runs out of them"),
    ("tall_headings", "column names on more than two lines"),
    ("cut_choices", "a choice cut in its field"),
    ("cut_values", "values cut at the field's edge"),
    ("broken_values", "an address to copy broken inside a word"),
    ("squeezed_entries", "catalog descriptions squeezed"),
    ("orphaned_utc", "UTC alone on a line"),
    ("wrapped_headings", "column names on two lines"),
    ("cut_placeholders", "placeholders cut"),
)


def test_admin_portal_pages_fit_a_persona_pane_and_a_full_window(built: Built) -> None:
    application = f"/applications/{built.application}"
    paths = [
        "/",
        "/users",
        "/users/new",
        f"/users/{built.user}",
        f"/users/{built.user}/delete",
        "/groups",
        f"/groups/{built.group}",
        "/applications",
        "/applications/new",
        "/applications/new/blogin",
        f"{application}/sso",
        f"{application}/groups",
        f"{application}/identity-management",
        f"{application}/identity-management/import",
        "/insights",
        "/settings",
        f"/mailbox/{built.mail}",
    ]
    pages = [(path, width) for path in paths for width in (PANE, WIDE)]
    # Between the two: tables that still have their columns (a group's members) fit their panel, and a persona on
    # its own (1000 px) has the lists whole.
    pages.append((f"/groups/{built.group}", 800))
    pages += [
        (path, WINDOW)
        for path in ("/users", "/applications", "/applications/new", f"{application}/identity-management/import")
    ]
    pages.append(("/insights", WINDOW))
    # A 1280 x 720 window split in two beside the Guided walkthrough leaves each persona a page about 430 px wide.
    pages += [
        (path, NARROWEST)
        for path in (
            "/",
            "/users",
            "/applications/new",
            f"{application}/sso",
            "/insights",
            f"{application}/identity-management/import",
        )
    ]
    # The default window's persona pane (520 px), where the last sync's UTC once went to a line of its own.
    pages.append((f"{application}/identity-management", 520))
    # Manual import between a persona pane and a full window, where its four columns were squeezed to a few letters.
    pages += [(f"{application}/identity-management/import", width) for width in (761, 800, 900, 999)]
    # The SSO tab between a pane and a full window; a group's members and Users in a persona on its own.
    pages += [(f"{application}/sso", width) for width in (520, 800, WINDOW)]
    pages += [(f"/groups/{built.group}", WINDOW), ("/users", 800), ("/users", 901)]
    problems = []
    for (path, width), found in zip(pages, laid_out(built.sandbox, pages), strict=True):
        where = f"{path} at {width} px"
        if found["sideways"] > 0:
            problems.append(f"{where}: the page scrolls {found['sideways']} px sideways")
        problems += [f"{where}: {what}: {found[key]}" for key, what in _FINDINGS if found[key]]
        # Under 520 px the side navigation folds into a bar above the page (it took about 40 % of a 430 px page).
        if width < 520 and found["content_share"] < 0.9:
            problems.append(f"{where}: the page has {found['content_share']:.0%} of the width beside the navigation")
        for label, lines in found["card_labels"]:
            if lines != 1:
                problems.append(f"{where}: the stat card label {label!r} takes {lines} lines")
    assert not problems, "\n".join(problems)


# The navigation in the narrowest pane: what shows before and after Menu, and what the keyboard reaches.
NAVIGATION = """(() => {
  const nav = document.querySelector('.sidenav');
  const toggle = nav.querySelector('.nav-toggle');
  const items = [...nav.querySelectorAll('a.nav-item')];
  const seen = () => items.filter(a => a.checkVisibility()).map(a => a.innerText.trim());
  const state = () => ({items: seen(), expanded: toggle.getAttribute('aria-expanded'),
                        height: Math.round(nav.getBoundingClientRect().height)});
  const closed = state();
  const toggle_shown = toggle.checkVisibility();
  toggle.click();
  const opened = state();
  // Tab from Menu reaches the items in order: each follows the button, is a link with a name, and none is taken out.
  const after_toggle = items.every(a => toggle.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING);
  const named = items.filter(a => a.checkVisibility()).every(a => a.href && a.innerText.trim() && a.tabIndex >= 0);
  items[2].focus();
  items[2].dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
  const escaped = state();
  return {closed, opened, escaped, toggle_shown, after_toggle, named,
          toggle_name: toggle.innerText.trim(), controls: toggle.getAttribute('aria-controls'),
          focus_back: document.activeElement === toggle};
})()"""
EVERY_ITEM = ["Home", "Users", "User Groups", "SSO Applications", "Directory Insights", "Mailbox", "Settings"]


def test_the_narrowest_pane_folds_the_navigation_behind_menu(built: Built) -> None:
    narrow, pane = laid_out(built.sandbox, [("/users", NARROWEST), ("/users", 520)], NAVIGATION)
    # At 430 px only the bar shows (the brand and Menu); Menu opens every item, Escape closes it again.
    assert narrow["toggle_shown"] and narrow["toggle_name"] == "Menu", narrow
    assert narrow["closed"]["items"] == [] and narrow["closed"]["expanded"] == "false", narrow
    assert narrow["closed"]["height"] <= 60, narrow
    assert narrow["opened"]["items"] == EVERY_ITEM and narrow["opened"]["expanded"] == "true", narrow
    assert narrow["after_toggle"] and narrow["named"] and narrow["controls"] == "nav-items", narrow
    assert narrow["escaped"]["items"] == [] and narrow["focus_back"], narrow
    # At 520 px (the default window's pane) the side navigation stays as it is, every item in sight, no Menu.
    assert not pane["toggle_shown"] and pane["closed"]["items"] == EVERY_ITEM, pane


# The side navigation half-way down a page taller than the window: which of its items are on screen.
NAVIGATION_ON_A_LONG_PAGE = """(() => {
  const page = document.documentElement;
  const tall = page.scrollHeight > innerHeight;
  scrollTo(0, (page.scrollHeight - innerHeight) / 2);
  const items = [...document.querySelectorAll('.sidenav a.nav-item')];
  const seen = a => { const r = a.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; };
  const on_screen = items.filter(seen);
  return {tall, items: on_screen.map(a => a.innerText.trim()), sideways: page.scrollWidth - page.clientWidth};
})()"""


def test_mailbox_and_settings_stay_on_screen_down_a_long_page(built: Built) -> None:
    # The side navigation ran the page's height with Mailbox and Settings at its foot: on the SSO tab, or the
    # Identity Management tab with its failures listed ("You will receive an e-mail in the Mailbox"), they were
    # in sight only at the page's end.
    application = f"/applications/{built.application}"
    pages = [(f"{application}/sso", WINDOW), (f"{application}/sso", WIDE), (f"{application}/sso", 520)]
    for (path, width), found in zip(pages, laid_out(built.sandbox, pages, NAVIGATION_ON_A_LONG_PAGE), strict=True):
        assert found["tall"], (path, width)
        assert found["items"] == EVERY_ITEM and found["sideways"] <= 0, (path, width, found)


# The SSO tab's addresses to copy: what selecting one copies, and the name a screen reader gives it.
ADDRESSES = """(() => [...document.querySelectorAll('.url-value')].map(e => {
  const selection = getSelection();
  selection.removeAllRanges();
  const range = document.createRange();
  range.selectNodeContents(e);
  selection.addRange(range);
  const label = e.labels && e.labels[0];
  return {copied: selection.toString(), tag: e.tagName.toLowerCase(),
          label: label ? label.firstChild.textContent.trim() : null,
          hint: label && label.querySelector('.hint code') ? label.querySelector('.hint code').textContent : null};
}))()"""


def test_the_sso_tabs_addresses_copy_whole_and_keep_their_labels(built: Built) -> None:
    # In the narrowest pane "…/saml2/blogin" broke as "…/saml2/bl|ogin"; shown as text that wraps after its slashes,
    # an address still copies as the exact address (no character added where it may wrap) under its label's name.
    path = f"/applications/{built.application}/sso"
    pages = [(path, NARROWEST), (path, WIDE)]
    for (_, width), found in zip(pages, laid_out(built.sandbox, pages, ADDRESSES), strict=True):
        assert [a["label"] for a in found] == ["SSO IdP URL", "IdP-initiated URL"], (width, found)
        idp_url, served = found
        assert idp_url["copied"].startswith("https://sso.jumpcloud.com/saml2/"), (width, found)
        assert served["copied"] == idp_url["hint"], (width, found)
        for address in found:
            assert address["copied"].isprintable() and " " not in address["copied"], (width, address)


# Directory Insights in the narrowest pane: where the first event starts, the Filters fold, a failed event's reason.
INSIGHTS = """(() => {
  const fold = document.querySelector('details.filter-fold');
  const summary = fold && fold.querySelector(':scope > summary');
  const first = document.querySelector('table.events tbody tr');
  const failed = [...document.querySelectorAll('table.events tbody tr')].find(r => r.querySelector('.badge-fail'));
  const reason = failed && failed.querySelector('.event-reason');
  const fields_shown = [...document.querySelectorAll('.filters select, .filters input')]
    .filter(e => e.checkVisibility()).length;
  return {
    first_event_top: first ? Math.round(first.getBoundingClientRect().top) : null, screen: innerHeight,
    fold_open: fold ? fold.open : null, toggle_shown: summary ? summary.checkVisibility() : false,
    toggle_name: summary ? summary.innerText.replace(/\\s+/g, ' ').trim() : null, fields_shown,
    reason: reason && reason.checkVisibility() ? reason.innerText.trim() : null,
    // Lines in sight: a long reason is clamped to two (the whole of it is in the event's record).
    reason_lines: reason
      ? Math.round(reason.getBoundingClientRect().height / parseFloat(getComputedStyle(reason).lineHeight)) : 0,
    reason_inside: reason ? reason.getBoundingClientRect().right <= document.documentElement.clientWidth : false,
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
})()"""

REASON = "the SAML Response's Destination is not BlogIn's ACS URL (https://blogin.example/sso/saml/acs)"


def test_directory_insights_folds_its_filters_in_the_narrowest_pane(built: Built) -> None:
    from sandbox.jumpcloud.services.insights import Initiator, record_event

    with built.sandbox.jumpcloud.database.transaction() as session:
        record_event(
            session,
            "sso_auth",
            service="sso",
            initiated_by=Initiator("", "user", "ada.laid-out"),
            success=False,
            error_message=REASON,
            summary="Failed sign-in to BlogIn",
        )
    pages = [("/insights", NARROWEST), ("/insights?service=sso", NARROWEST), ("/insights", 520), ("/insights", WIDE)]
    narrow, narrow_filtered, pane, wide = laid_out(built.sandbox, pages, INSIGHTS)
    # At 430 px the filters fold behind "Filters" and the newest events start on the first screen.
    assert narrow["toggle_shown"] and narrow["toggle_name"] == "Filters", narrow
    assert narrow["fold_open"] is False and narrow["fields_shown"] == 0, narrow
    assert narrow["first_event_top"] is not None and narrow["first_event_top"] < narrow["screen"] / 2, narrow
    # A failed event says why in its row, wrapped in the pane, in one or two lines.
    assert narrow["reason"] == REASON and 1 <= narrow["reason_lines"] <= 2 and narrow["reason_inside"], narrow
    assert narrow["sideways"] <= 0, narrow
    # With a filter active the fold is open (the reason the list is short is in sight) and says so.
    assert narrow_filtered["fold_open"] is True and narrow_filtered["fields_shown"] == 5, narrow_filtered
    assert narrow_filtered["toggle_name"] == "Filters · active", narrow_filtered
    # From 520 px the filters show as before, with no toggle; the reason is in the row there too.
    for found in (pane, wide):
        assert not found["toggle_shown"] and found["fields_shown"] == 5 and found["reason"] == REASON, found
        assert 1 <= found["reason_lines"] <= 2, found
