"""What a user sees in the User Console of the names and labels an administrator typed."""

from __future__ import annotations

import re

import httpx

from sandbox.http import http_client


def test_the_user_console_shows_the_display_name_and_the_tiles_of_authorized_applications(
    admin: httpx.Client, base: str
) -> None:
    created = admin.post(
        f"{base}/users/new",
        data={
            "username": "console.user",
            "email": "console.user@acme.example",
            "firstname": "Katherine",
            "lastname": "Johnson",
            "displayname": "Kathy J.",
            "password": "orbit-1962",
        },
    )
    assert created.status_code == 302
    group = admin.post(f"{base}/groups/new", data={"name": "Console Readers"}).headers["location"]
    user_id = created.headers["location"].rsplit("/", 1)[1]
    admin.post(f"{base}{group}/members", data={"user_id": [user_id]})
    description = "Orbit tables " + "x" * 300
    application = (
        admin.post(
            f"{base}/applications/new/custom-saml",
            data={
                "display_label": "Trajectory <Desk>",
                "description": description,
                "show_in_portal": "on",
                "application_name": "trajectory",
            },
        )
        .headers["location"]
        .split("/")[2]
    )
    admin.post(f"{base}{group}/applications", data={"application_id": [application]})
    with http_client(follow_redirects=False) as browser:
        signed_in = browser.post(f"{base}/userconsole/login", data={"login": "console.user", "password": "orbit-1962"})
        assert signed_in.status_code == 302
        console = browser.get(f"{base}/userconsole").text
    # The form's hint says the Display Name is what the User Console shows.
    assert "Kathy J. · console.user@acme.example" in re.sub(r"<[^>]+>", "", console)
    assert "Trajectory &lt;Desk&gt;" in console and "<Desk>" not in console
    # The whole description is kept for the tile's tooltip; the tile shows its first lines.
    assert f'class="tile-description" title="{description}"' in console
