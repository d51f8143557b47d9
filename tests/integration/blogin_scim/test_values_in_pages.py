"""Values from a provisioning client that BlogIn must keep or refuse cleanly, and show readably: very long,
right-to-left, with a direction override, a NUL character or an unpaired surrogate."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx

from sandbox.app import Sandbox
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def test_right_to_left_names_and_an_override_show_readably(running: Sandbox, admin: httpx.Client, scim: Scim) -> None:
    created = scim.post(
        "/Users",
        user_body("zoe.\u202egnp.exe@acme.example", name={"givenName": "نورة", "familyName": "العبدالله"}),
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    team = scim.post(
        "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "فريق المنتج", "members": [{"value": user_id}]}
    )
    assert team.status_code == 201, team.text
    base = running.blogin.base_url
    listing = admin.get(f"{base}/users", params={"q": "zoe"})
    person = admin.get(f"{base}/users/{user_id}")
    teams = admin.get(f"{base}/teams/{team.json()['id']}")
    for page in (listing, person, teams):
        assert page.status_code == 200
        # The override never reaches the page as a character: it is shown as a labelled mark.
        assert "\u202e" not in page.text
        assert 'title="U+202E RIGHT-TO-LEFT OVERRIDE">RLO</span>' in page.text
        # Each name is isolated from the text around it, so Arabic reads right to left in place.
        assert "<bdi>نورة العبدالله</bdi>" in page.text
    assert "<bdi>فريق المنتج</bdi>" in listing.text
    # The SCIM representation shown is the same JSON, with the override written as its escape.
    shown = re.search(r'<pre class="json" id="scim-representation">(.*?)</pre>', person.text, re.S)
    assert shown is not None
    representation = json.loads(html.unescape(shown.group(1)))
    assert representation["userName"] == "zoe.\u202egnp.exe@acme.example"
    assert "\\u202e" in shown.group(1)


def test_values_longer_than_blogin_keeps_are_refused_naming_the_attribute(scim: Scim) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": {"givenName": "G" * 257, "familyName": "Long"}}, "'name.givenName' is 257 characters long"),
        ({"title": "T" * 300}, "'title' is 300 characters long; BlogIn keeps at most 256"),
        ({"externalId": "e" * 257}, "'externalId' is 257 characters long"),
        ({"phoneNumbers": [{"value": "5" * 65, "type": "work"}]}, "'phoneNumbers (primary value)' is 65 characters"),
    ]
    for number, (extra, said) in enumerate(cases):
        answer = scim.post("/Users", user_body(f"long{number}@acme.example", **extra))
        assert said in assert_scim_error(answer, 400, "invalidValue")["detail"]
        assert (
            scim.get("/Users", params={"filter": f'userName eq "long{number}@acme.example"'}).json()["totalResults"]
            == 0
        )
    # Exactly as long as the column: kept.
    longest = "u" * 250 + "@a.org"
    assert len(longest) == 256
    assert scim.post("/Users", user_body(longest)).status_code == 201
    answer = scim.post("/Users", user_body("u" * 257))
    assert "'userName' is 257 characters long" in assert_scim_error(answer, 400, "invalidValue")["detail"]
    group = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Team " + "x" * 252})
    assert "'displayName' is 257 characters long" in assert_scim_error(group, 400, "invalidValue")["detail"]


def test_a_change_to_a_value_longer_than_blogin_keeps_is_refused(scim: Scim) -> None:
    created = scim.post("/Users", user_body("grows@acme.example"))
    assert created.status_code == 201
    user_id = created.json()["id"]
    patch = scim.patch(f"/Users/{user_id}", [{"op": "replace", "path": "title", "value": "T" * 257}])
    assert "'title' is 257 characters long" in assert_scim_error(patch, 400, "invalidValue")["detail"]
    put = scim.put(f"/Users/{user_id}", user_body("grows@acme.example", displayName="D" * 513))
    assert "'displayName' is 513 characters long" in assert_scim_error(put, 400, "invalidValue")["detail"]
    assert scim.get(f"/Users/{user_id}").json().get("title") != "T" * 257


def test_a_nul_character_is_refused(scim: Scim) -> None:
    answer = scim.post("/Users", user_body("nul@acme.example", name={"givenName": "A\u0000da"}))
    assert "'name.givenName' contains a NUL character" in assert_scim_error(answer, 400, "invalidValue")["detail"]
    group = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Nul\u0000team"})
    assert "NUL character" in assert_scim_error(group, 400, "invalidValue")["detail"]


def test_an_unpaired_surrogate_is_refused_as_invalid_json(scim: Scim) -> None:
    body = json.dumps(user_body("surrogate@acme.example")).replace("Tester", "Te\\ud800ster")
    answer = scim.request("POST", "/Users", content=body)
    assert "unpaired UTF-16 surrogate" in assert_scim_error(answer, 400, "invalidSyntax")["detail"]
    # A pair, as any JSON encoder escapes an emoji, is a character like any other.
    paired = json.dumps(user_body("emoji@acme.example", title="Rocket \U0001f680"))
    assert "\\ud83d\\ude80" in paired
    created = scim.request("POST", "/Users", content=paired)
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "Rocket \U0001f680"


def test_a_member_of_many_teams_shows_four_and_how_many_more(running: Sandbox, admin: httpx.Client, scim: Scim) -> None:
    created = scim.post("/Users", user_body("joiner@acme.example"))
    assert created.status_code == 201
    user_id = created.json()["id"]
    for number in range(6):
        team = {"schemas": [GROUP_SCHEMA], "displayName": f"Guild {number}", "members": [{"value": user_id}]}
        assert scim.post("/Groups", team).status_code == 201
    listing = admin.get(f"{running.blogin.base_url}/users", params={"q": "joiner"})
    assert listing.text.count('class="team-chip"') == 4
    assert f'<a class="more-teams small" href="/users/{user_id}">+2 more</a>' in listing.text
    # The person's page names every team.
    person = admin.get(f"{running.blogin.base_url}/users/{user_id}").text
    assert all(f"<bdi>Guild {number}</bdi>" in person for number in range(6))


def test_a_nul_in_the_search_box_or_an_address_is_not_an_error(running: Sandbox, admin: httpx.Client) -> None:
    base = running.blogin.base_url
    assert admin.get(f"{base}/users", params={"q": "admin\x00"}).status_code == 200
    assert admin.get(f"{base}/teams", params={"q": "\x00"}).status_code == 200
    assert admin.get(f"{base}/users/a%00b").status_code == 404
    assert admin.get(f"{base}/teams/a%00b").status_code == 404
