"""manual import from servers whose paging is wrong: the listing ends and offers each user once, and
importing users from either side of the page boundaries creates each of them once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.jumpcloud.models import SystemUser
from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.portal import Portal
from tests.integration.jumpcloud_idm.quirky_server import Quirks, quirky_server

# (the server's quirks, users it has, users the listing can reach)
LISTINGS = {
    "count ignored: pages of 150": (Quirks(page_size=150), 160, 160),
    "startIndex counted from 0": (Quirks(zero_based_start_index=True), 210, 210),
    "totalResults 37 too high": (Quirks(total_offset=37), 210, 210),
    "totalResults 37 too low": (Quirks(total_offset=-37), 210, 210),
    "totalResults missing": (Quirks(omit_total_results=True), 210, 210),
    "ids as numbers": (Quirks(ids="int"), 210, 210),
    "ids holding a slash, a space, a plus and non-ASCII letters": (Quirks(ids="escaped"), 210, 210),
    # Every page is the first: only its users can be listed, and the listing still ends.
    "startIndex ignored": (Quirks(ignore_start_index=True), 210, 100),
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
        assert set(offered) <= {str(user_id) for user_id in server.app.users}
        # Users the server counted but never listed are named above the list, so the admin knows why.
        reported = None if quirks.omit_total_results else held + quirks.total_offset
        note = f"reported {reported} users, but its pages held {reachable}: only these can be imported"
        assert (note in listing.text) == (reported is not None and reported > reachable)

        # The first and last users, and those either side of each page boundary (under 100: the
        # results show at once).
        chosen = sorted({*offered[:3], *offered[97:103], *offered[197:203], *offered[-3:]})
        result = portal.run_import(chosen)
        assert result.status_code == 200 and "Import results" in result.text
        assert "already in JumpCloud" not in result.text

    with org.database.sessions() as s:
        imported = s.scalars(
            select(SystemUser.username).where(SystemUser.username.like(f"imp%-{org.tag}@app.example"))
        ).all()
    by_id = {str(user_id): user["userName"] for user_id, user in server.app.users.items()}
    assert sorted(imported) == sorted(by_id[user_id] for user_id in chosen)
