"""Authorizing user access from the group's side ("…or from the Groups Configuration panel")."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.jumpcloud.models import DirectoryInsightsEvent


def _application(admin: httpx.Client, base: str, label: str, name: str) -> str:
    response = admin.post(
        f"{base}/applications/new/custom-saml", data={"display_label": label, "application_name": name}
    )
    assert response.status_code == 302, response.text
    return response.headers["location"].split("/")[2]


def _ticked(page: str) -> set[str]:
    section = page.split('id="applications"', 1)[1].split("</section>", 1)[0]
    return set(re.findall(r'name="application_id" value="([0-9a-f]+)"[^>]*checked', section))


def test_a_group_is_authorized_for_applications_from_its_own_page(
    admin: httpx.Client, base: str, jc_sandbox: Sandbox
) -> None:
    payroll = _application(admin, base, "Payroll", "payroll-grp")
    wiki = _application(admin, base, "Team Wiki", "team-wiki-grp")
    location = admin.post(f"{base}/groups/new", data={"name": "Finance"}).headers["location"]
    group_id = location.rsplit("/", 1)[1]
    page = admin.get(f"{base}{location}")
    assert "Select the applications the members of Finance may use." in page.text
    assert _ticked(page.text) == set()

    saved = admin.post(f"{base}{location}/applications", data={"application_id": [payroll, wiki]})
    assert saved.status_code == 302 and saved.headers["location"].endswith("#applications")
    page = admin.get(f"{base}{location}")
    assert "Applications saved for Finance: 2 authorized, 0 no longer authorized." in page.text
    assert _ticked(page.text) == {payroll, wiki}
    # The application's own User Groups tab agrees, with the group's member count.
    tab = admin.get(f"{base}/applications/{payroll}/groups")
    assert re.search(rf'value="{group_id}" id="g-{group_id}" checked', tab.text)
    # So does the Configured Applications list's User Groups column.
    listing = admin.get(f"{base}/applications", params={"q": "Payroll"}).text
    row = listing.split(f'value="{payroll}"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["1"]

    admin.post(f"{base}{location}/applications", data={"application_id": [wiki]})
    page = admin.get(f"{base}{location}")
    assert "0 authorized, 1 no longer authorized." in page.text
    assert _ticked(page.text) == {wiki}
    with jc_sandbox.jumpcloud.database.sessions() as session:
        summaries = set(
            session.scalars(
                select(DirectoryInsightsEvent.summary).where(DirectoryInsightsEvent.event_type == "association_change")
            )
        )
    assert "User group Finance authorized for Payroll" in summaries
    assert "User group Finance no longer authorized for Payroll" in summaries

    unchanged = admin.post(f"{base}{location}/applications", data={"application_id": [wiki]})
    assert "No change to the applications of this group." in admin.get(f"{base}{unchanged.headers['location']}").text
    gone = admin.post(f"{base}{location}/applications", data={"application_id": [wiki, "no-such-application"]})
    page = admin.get(f"{base}{gone.headers['location']}")
    assert "One of the selected applications no longer exists. Reload the page." in page.text
    assert _ticked(page.text) == {wiki}
