"""manual import over HTTP: New/Imported, New Users-only, real-time results under 100, Mailbox at 100+."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from sandbox.http import http_client
from sandbox.jumpcloud.models import MailboxMessage, SystemUser
from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.scim_servers import ScimServer


@pytest.fixture
def admin(org: Org) -> Iterator[httpx.Client]:
    with http_client(follow_redirects=False) as client:
        client.post(
            f"{org.sandbox.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "sandbox"}
        )
        yield client


def _import_url(org: Org) -> str:
    return f"{org.sandbox.jumpcloud.base_url}/applications/{org.application_id}/identity-management/import"


def _app_user(scim: ScimServer, name: str) -> str:
    with scim.client() as client:
        return client.create_user(
            {
                "userName": name,
                "name": {"givenName": name.split("@")[0].title(), "familyName": "App"},
                "emails": [{"value": name, "primary": True}],
            }
        ).id


def test_small_import_shows_results_now_and_never_updates_existing_users(
    org: Org, scim: ScimServer, admin: httpx.Client
) -> None:
    org.activate(scim)
    known = org.user("known")
    new_a = _app_user(scim, f"{org.name('newa')}@app.example")
    new_b = _app_user(scim, f"{org.name('newb')}@app.example")
    existing = _app_user(scim, f"{org.name('known')}@example.com")  # the JumpCloud user's email

    listing = admin.get(_import_url(org), params={"new_only": "1"})
    assert listing.status_code == 200
    assert "Imported users must be members of a user group bound to an application" in listing.text
    rows = re.findall(r'name="scim_id" value="([^"]+)"', listing.text)
    assert set(rows) >= {new_a, new_b} and existing not in rows
    shown = lxml_html.fromstring(listing.text).text_content()  # as read: an address wraps at <wbr>, not in it
    assert shown.index(org.name("newa")) < shown.index(f"{org.name('known')}@example.com")
    assert "Imported</span>" in listing.text and "New</span>" in listing.text

    result = admin.post(_import_url(org), data={"scim_id": [new_a, new_b, existing]})
    assert result.status_code == 200
    assert "Import results" in result.text and "password pending" in result.text
    assert "already in JumpCloud (matched by email); not updated" in result.text
    with org.database.sessions() as s:
        imported = s.scalars(select(SystemUser).where(SystemUser.username.like(f"%{org.tag}@app.example"))).all()
        assert len(imported) == 2
        assert all(u.active and u.password_pending and u.password_hash is None and not u.groups for u in imported)
        kept = s.get(SystemUser, known)
        assert kept is not None and kept.lastname == "Tester"  # not updated from the application


def test_import_of_100_users_runs_in_background_and_reports_by_mail(
    org: Org, scim: ScimServer, admin: httpx.Client
) -> None:
    org.activate(scim)
    ids = [_app_user(scim, f"bulk{n:03d}-{org.tag}@app.example") for n in range(100)]
    response = admin.post(_import_url(org), data={"scim_id": ids})
    assert response.status_code == 302
    follow = admin.get(f"{org.sandbox.jumpcloud.base_url}{response.headers['location']}")
    assert "in the background" in follow.text
    org.sandbox.jumpcloud.provisioning.wait_for_imports(60)
    with org.database.sessions() as s:
        count = len(
            s.scalars(select(SystemUser.id).where(SystemUser.username.like(f"bulk%-{org.tag}@app.example"))).all()
        )
        message = s.scalars(select(MailboxMessage).order_by(MailboxMessage.sent.desc())).first()
    assert count == 100
    assert message is not None and "is complete" in message.subject and "Imported: 100" in message.body
    inbox = admin.get(f"{org.sandbox.jumpcloud.base_url}/mailbox/{message.id}")
    assert inbox.status_code == 200 and "Imported: 100" in inbox.text
