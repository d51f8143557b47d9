"""manual import from servers whose paging is wrong: the listing ends, offers each user once, and the
import (in the background from 100 users on) creates each user once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.jumpcloud.models import MailboxMessage, SystemUser
from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.portal import Portal
from tests.integration.jumpcloud_idm.quirky_server import Quirks, quirky_server

# (the server's quirks, users it has, users the listing can reach)
LISTINGS = {
    "count ignored: pages of 150": (Quirks(page_size=150), 160, 160),
    "startIndex counted from 0": (Quirks(zero_based_start_index=True), 230, 230),
    "totalResults 37 too high": (Quirks(total_offset=37), 230, 230),
    "totalResults 37 too low": (Quirks(total_offset=-37), 230, 230),
    # Every page is the first: only its users can be listed, and the listing still ends.
    "startIndex ignored": (Quirks(ignore_start_index=True), 230, 100),
}


@pytest.mark.parametrize(("quirks", "held", "reachable"), list(LISTINGS.values()), ids=list(LISTINGS))
def test_the_import_ends_and_creates_each_user_once(
    org: Org, portal: Portal, quirks: Quirks, held: int, reachable: int
) -> None:
    with quirky_server(quirks) as server:
        for n in range(held):
            name = f"imp{n:03d}-{org.tag}@app.example"
            server.app.add_user(name, emails=[{"value": name, "primary": True}], name={"givenName": f"Imp{n}"})
        assert portal.activate(server).status_code == 200

        listing, offered = portal.import_listing()
        assert listing.status_code == 200
        assert len(offered) == len(set(offered)) == reachable
        assert set(offered) <= set(server.app.users)

        started = portal.run_import(offered)
        assert started.status_code == 302
        org.sandbox.jumpcloud.provisioning.wait_for_imports(60)

    with org.database.sessions() as s:
        imported = s.scalars(
            select(SystemUser.username).where(SystemUser.username.like(f"imp%-{org.tag}@app.example"))
        ).all()
        message = s.scalars(
            select(MailboxMessage)
            .where(MailboxMessage.body.like(f"%BlogIn {org.tag}%"))
            .order_by(MailboxMessage.sent.desc())
        ).first()
        duplicates = s.scalar(
            select(func.count())
            .select_from(SystemUser)
            .where(SystemUser.username.like(f"imp%-{org.tag}@app.example"))
            .group_by(SystemUser.email)
            .having(func.count() > 1)
        )
    assert len(imported) == len(set(imported)) == reachable and duplicates is None
    assert message is not None and f"Imported: {reachable}" in message.body and "Not imported: 0" in message.body
