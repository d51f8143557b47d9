"""manual import keeps the directory's input rules: a user the application lists with a value the Users form
would refuse is shown as not importable with the reason, is never created, and the results (on screen and in
the Mailbox) say why; the listing's traffic shows a redirect JumpCloud followed as a success."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from sandbox.jumpcloud.models import IdentityManagement, MailboxMessage, SystemUser
from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.portal import Portal
from tests.integration.jumpcloud_idm.quirky_server import (
    OLD_BASE_PATH,
    Quirks,
    QuirkyServer,
    quirky_server,
    redirecting_server,
)

CONTROL = "Remove the invisible control character (U+{:04X}) from this field."
USERNAME_RULE = "Username may contain letters, numbers, and . _ - @ only, and no spaces."


@dataclass
class Listed:
    """The application's users, by what each is about: the importable ones and the refused ones with the
    reason the import list gives."""

    importable: dict[str, str]  # application id -> userName
    refused: dict[str, tuple[str, str]]  # application id -> (label shown, reason)
    imported: str  # the application id of a user JumpCloud already has (matched by email)


def _add(server: QuirkyServer, user_name: str, email: str | None, **attributes: object) -> str:
    emails = [{"value": email, "primary": True}] if email else []
    return server.app.add_user(user_name, emails=emails, **attributes)


def _application_users(org: Org, server: QuirkyServer) -> Listed:
    tag = org.tag
    org.user("taken")  # a JumpCloud user, username taken-<tag>
    org.user("known")  # a JumpCloud user, email known-<tag>@example.com
    good = _add(server, f"good-{tag}", f"good-{tag}@app.example", name={"givenName": "Good", "familyName": "App"})
    first_dupe = _add(server, f"dupe-a-{tag}", f"Dupe-{tag}@app.example")
    first_twin = _add(server, f"Twin-{tag}", f"twin-a-{tag}@app.example")
    imported = _add(server, f"known-{tag}", f"KNOWN-{tag}@example.com")
    refused = {
        _add(server, f"bell-{tag}", f"bell-{tag}@app.example", name={"givenName": "Be\x07ll"}): (
            f"bell-{tag}",
            f"First Name: {CONTROL.format(0x07)}",
        ),
        _add(server, f"eve-{tag}", f"eve-{tag}@app.example", displayName="Eve \u202eevil"): (
            f"eve-{tag}",
            f"Display Name: {CONTROL.format(0x202E)}",
        ),
        _add(server, f"zw-{tag}", f"z\u200bw-{tag}@app.example"): (f"zw-{tag}", f"Email: {CONTROL.format(0x200B)}"),
        _add(server, f"ali\u202eecn-{tag}", f"alice-{tag}@app.example"): (
            f"ali[U+202E]ecn-{tag}",
            USERNAME_RULE,
        ),
        _add(server, f"has space-{tag}", f"space-{tag}@app.example"): (
            f"has space-{tag}",
            USERNAME_RULE,
        ),
        _add(server, f"long-{tag}", f"long-{tag}@app.example", name={"familyName": "x" * 300}): (
            f"long-{tag}",
            "Last Name: At most 256 characters.",
        ),
        _add(server, f"dupe-b-{tag}", f"dupe-{tag}@APP.example"): (
            f"dupe-b-{tag}",
            f"the same email address as dupe-a-{tag}, listed before it",
        ),
        _add(server, f"twin-{tag}", f"twin-b-{tag}@app.example"): (
            f"twin-{tag}",
            f"the same username as Twin-{tag} (letter case aside), listed before it",
        ),
        _add(server, f"TAKEN-{tag}", f"other-{tag}@app.example"): (
            f"TAKEN-{tag}",
            f"the username TAKEN-{tag} is taken by another JumpCloud user",
        ),
        _add(server, f"noemail-{tag}", None): (f"noemail-{tag}", "no email address in the application"),
    }
    importable = {good: f"good-{tag}", first_dupe: f"dupe-a-{tag}", first_twin: f"Twin-{tag}"}
    return Listed(importable, refused, imported)


def _rows(page: str) -> dict[str, str]:
    """Each row of the import list (with the line of its reason, if any) by the username in its first cell."""
    rows = {}
    pattern = r'<tr[^>]*><td class="narrow">.*?</tr>(?:\s*<tr class="[^"]*import-reason-row">.*?</tr>)?'
    for row in re.findall(pattern, page, re.S):
        cell = re.search(r'<td class="import-user">(.*?)<span class="cell-sub">', row, re.S)
        assert cell is not None
        rows[html.unescape(cell.group(1))] = row
    return rows


@pytest.fixture
def server(org: Org, portal: Portal) -> Iterator[QuirkyServer]:
    with quirky_server() as running:
        assert portal.activate(running).status_code == 200
        yield running


def test_users_with_values_the_directory_refuses_are_listed_with_the_reason_and_not_imported(
    org: Org, portal: Portal, server: QuirkyServer
) -> None:
    listed = _application_users(org, server)
    page, offered = portal.import_listing()
    assert page.status_code == 200
    assert set(offered) == set(listed.importable)
    assert f"{len(listed.refused)} not importable" in page.text
    # Nothing invisible reaches the page: what the application holds is written out.
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u202a-\u202e]", page.text)
    rows = _rows(page.text)
    for label, reason in listed.refused.values():
        row = rows[label]
        assert "Not importable</span>" in row and html.escape(reason, quote=False) in row
        assert 'name="scim_id"' not in row
    assert "Be[U+0007]ll" in rows[f"bell-{org.tag}"]  # the name shown as the application holds it
    assert "Imported</span>" in rows[f"known-{org.tag}"]
    for user_name in listed.importable.values():
        assert "New</span>" in rows[user_name]

    # Even a form that names them (a stale page, a script) does not import them.
    result = portal.run_import([*listed.importable, *listed.refused, listed.imported])
    assert result.status_code == 200 and "Import results" in result.text
    for label, reason in listed.refused.values():
        assert (
            f'{html.escape(label, quote=False)} — <span class="muted">{html.escape(reason, quote=False)}' in result.text
        )
    with org.database.sessions() as s:
        created = s.scalars(
            select(SystemUser.username).where(SystemUser.username.like(f"%-{org.tag}"), SystemUser.lastname != "Tester")
        ).all()
    assert sorted(created) == sorted(listed.importable.values())


def test_the_mailed_results_of_a_background_import_say_who_was_skipped_and_why(
    org: Org, portal: Portal, server: QuirkyServer
) -> None:
    listed = _application_users(org, server)
    bulk = [_add(server, f"bulk{n:03d}-{org.tag}", f"bulk{n:03d}-{org.tag}@app.example") for n in range(90)]
    gone = _add(server, f"gone-{org.tag}", f"gone-{org.tag}@app.example")
    _page, offered = portal.import_listing()
    assert gone in offered
    del server.app.users[gone]  # deleted in the application after the list was shown

    selected = [*listed.importable, *listed.refused, *bulk, gone]
    assert len(selected) >= 100
    response = portal.run_import(selected)
    assert response.status_code == 302
    org.sandbox.jumpcloud.provisioning.wait_for_imports(60)
    with org.database.sessions() as s:
        message = s.scalars(select(MailboxMessage).where(MailboxMessage.subject.like(f"%BlogIn {org.tag}%"))).one()
        created = s.scalars(select(SystemUser.username).where(SystemUser.username.like(f"%-{org.tag}"))).all()
    assert set(created) == {*listed.importable.values(), *(f"bulk{n:03d}-{org.tag}" for n in range(90))} | {
        f"taken-{org.tag}",
        f"known-{org.tag}",
    }
    body = message.body
    assert f"Selected: {len(selected)}" in body
    assert f"Imported: {len(listed.importable) + len(bulk)}" in body
    assert f"Not imported: {len(listed.refused) + 1}" in body
    for label, reason in listed.refused.values():
        assert f"  {label}: {reason}\n" in body
    assert f"  user {gone}: no longer listed by the application\n" in body
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u202a-\u202e]", body)
    inbox = portal.client.get(f"{portal.base}/mailbox/{message.id}")
    assert inbox.status_code == 200 and "Last Name: At most 256 characters." in inbox.text


def _listing_traces(org: Org, base_url: str) -> list[tuple[str, bool]]:
    origin = base_url.split("/", 3)[2]
    traces = org.sandbox.jumpcloud.recent_traces("scim", limit=2000)
    return [
        (t.summary, t.success)
        for t in traces
        if t.summary.startswith("manual import:") and t.data.get("url", "").split("/", 3)[2] == origin
    ]


def test_the_listings_traffic_shows_a_redirect_it_followed_as_a_success(org: Org, portal: Portal) -> None:
    with quirky_server(Quirks(moved=308), base_path=OLD_BASE_PATH) as server:
        for n in range(250):  # three pages, the last two asked together
            _add(server, f"moved{n:03d}-{org.tag}", f"moved{n:03d}-{org.tag}@app.example")
        assert portal.activate(server).status_code == 200
        page, offered = portal.import_listing()
        assert page.status_code == 200 and len(offered) == 250
    traces = _listing_traces(org, server.base_url)
    redirects = [summary for summary, _ok in traces if summary.endswith("→ 308")]
    assert len(redirects) == 3 and len(traces) == 6
    assert all(ok for _summary, ok in traces), traces


def test_a_redirect_to_another_server_the_listing_refused_is_still_a_failure(org: Org, portal: Portal) -> None:
    with quirky_server() as server, redirecting_server(server.base_url) as moved_elsewhere:
        assert portal.activate(server).status_code == 200
        # The application moved to another server after the integration was activated.
        with org.database.transaction() as s:
            idm = s.get(IdentityManagement, org.application_id)
            assert idm is not None
            idm.base_url = moved_elsewhere
        page, _offered = portal.import_listing()
        assert page.status_code == 502
    traces = _listing_traces(org, moved_elsewhere)
    assert len(traces) == 1
    summary, ok = traces[0]
    assert summary.endswith("→ 308") and not ok
