"""BlogIn's admin console for provisioning over real HTTP: the User Provisioning tab, Users, Teams, Test faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lxml import html

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from sandbox.blogin.scim.settings import regenerate_token
from sandbox.http import http_client
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body

TAB = "/settings/sso/provisioning"


def page(client: httpx.Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return html.fromstring(response.text)


def text(tree: Any, xpath: str) -> str:
    return " ".join(" ".join(node.itertext()) for node in tree.xpath(xpath)).strip()


def save_status(admin: httpx.Client, base: str, on: bool) -> Any:
    response = admin.post(f"{base}{TAB}", data={"enabled": "on"} if on else {})
    assert response.status_code == 302
    return page(admin, f"{base}{TAB}")


def credentials(tree: Any) -> tuple[str, str]:
    return tree.get_element_by_id("base-url").value, tree.get_element_by_id("bearer-token").value


@pytest.fixture(scope="module")
def scim(running: Sandbox, admin: httpx.Client) -> Iterator[Scim]:
    """SCIM calls with the token the tab shows once provisioning is On."""
    base = running.blogin.base_url
    tree = save_status(admin, base, True)
    url, token = credentials(tree)
    with http_client() as client:
        yield Scim(client, url, token)


def test_user_provisioning_tab_status_token_regenerate_and_off(running: Sandbox, admin: httpx.Client) -> None:
    base = running.blogin.base_url
    before = page(admin, f"{base}{TAB}")
    assert "USER PROVISIONING STATUS" in before.text_content()
    assert not before.xpath('//*[@id="bearer-token"]'), "no token before the first save"
    assert "Upon first save" in before.text_content()

    tree = save_status(admin, base, True)
    assert "your Secret (Bearer) token has been generated" in tree.text_content()
    url, first = credentials(tree)
    assert url == f"{base}/sso/scim/V2"
    assert len(first) >= 32
    assert tree.xpath('//input[@id="provisioning-status"]/@checked')
    assert tree.xpath('//button[@data-copy="base-url"]') and tree.xpath('//button[@data-copy="bearer-token"]')

    with http_client() as client:
        old = Scim(client, url, first)
        assert old.get("/Users").status_code == 200

        regenerated = admin.post(f"{base}{TAB}/regenerate")
        assert regenerated.status_code == 302
        tree = page(admin, f"{base}{TAB}")
        assert "The old token no longer works" in tree.text_content()
        _, second = credentials(tree)
        assert second != first
        assert_scim_error(old.get("/Users"), 401)
        new = Scim(client, url, second)
        assert new.get("/Users").status_code == 200

        tree = save_status(admin, base, False)
        assert "User provisioning is Off" in tree.text_content()
        assert credentials(tree)[1] == second, "turning Off keeps the token"
        with running.blogin.database.sessions() as session:
            users_before = session.query(User).count()
        body = assert_scim_error(new.post("/Users", user_body("off.user@acme.example")), 401)
        assert "Off" in body["detail"]
        assert_scim_error(new.get("/Users"), 401)
        with running.blogin.database.sessions() as session:
            assert session.query(User).count() == users_before
            assert session.query(User).filter_by(user_name_key="off.user@acme.example").count() == 0

        save_status(admin, base, True)
        assert new.get("/Users").status_code == 200


@pytest.fixture(scope="module")
def people(running: Sandbox, scim: Scim) -> dict[str, Any]:
    """Three SCIM users (one with a password, one deactivated), a JIT user, and a team of two."""
    made = {}
    for name, extra in (
        ("ada.lovelace@acme.example", {"title": "Analyst", "password": "Engine-1843"}),
        ("grace.hopper@acme.example", {"title": "Rear Admiral"}),
        ("zed.inactive@acme.example", {"active": False}),
    ):
        response = scim.post("/Users", user_body(name, **extra))
        assert response.status_code == 201, response.text
        made[name] = response.json()
    with running.blogin.database.transaction() as session:
        session.add(
            User(
                user_name="jit.walker@acme.example",
                user_name_key="jit.walker@acme.example",
                email="jit.walker@acme.example",
                given_name="Jit",
                family_name="Walker",
                source="JIT",
            )
        )
    members = [{"value": made[n]["id"]} for n in ("ada.lovelace@acme.example", "grace.hopper@acme.example")]
    team = scim.post(
        "/Groups",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Pioneers", "members": members},
    )
    assert team.status_code == 201, team.text
    return {"users": made, "team": team.json()}


def user_rows(tree: Any) -> list[str]:
    return [text(row, "./td[1]/span[@class='sub'][1]") for row in tree.xpath('//table[@id="users"]/tbody/tr[td[2]]')]


def test_users_page_search_sort_and_source(running: Sandbox, admin: httpx.Client, people: dict[str, Any]) -> None:
    base = running.blogin.base_url
    tree = page(admin, f"{base}/users")
    rows = {text(r, "./td[1]/span[@class='sub'][1]"): r for r in tree.xpath('//table[@id="users"]/tbody/tr[td[2]]')}
    assert text(rows["ada.lovelace@acme.example"], "./td[2]") == "SCIM"
    assert text(rows["jit.walker@acme.example"], "./td[2]") == "SSO / JIT"
    assert text(rows["admin@acme.example"], "./td[2]") == "manual"
    assert text(rows["zed.inactive@acme.example"], "./td[3]") == "Deactivated"
    assert text(rows["ada.lovelace@acme.example"], "./td[3]") == "Active"
    assert text(rows["ada.lovelace@acme.example"], "./td[5]") == "Pioneers"

    found = user_rows(page(admin, f"{base}/users?q=hopper"))
    assert found == ["grace.hopper@acme.example"]
    assert "No users match." in page(admin, f"{base}/users?q=nobody-at-all").text_content()

    ascending = user_rows(page(admin, f"{base}/users?sort=name&order=asc"))
    descending = user_rows(page(admin, f"{base}/users?sort=name&order=desc"))
    assert ascending == sorted(ascending) and descending == list(reversed(ascending))

    only_jit = user_rows(page(admin, f"{base}/users?source=JIT"))
    assert only_jit == ["jit.walker@acme.example"]


def test_user_page_shows_attributes_and_scim_representation_without_password(
    running: Sandbox, admin: httpx.Client, scim: Scim, people: dict[str, Any]
) -> None:
    ada = people["users"]["ada.lovelace@acme.example"]
    tree = page(admin, f"{running.blogin.base_url}/users/{ada['id']}")
    attributes = {text(row, "./th"): text(row, "./td") for row in tree.xpath('//table[@id="attributes"]//tr')}
    assert attributes["userName"] == "ada.lovelace@acme.example"
    assert attributes["Job title"] == "Analyst"
    assert attributes["Teams"] == "Pioneers"
    assert attributes["Password"] == "Set"
    shown = json.loads(text(tree, '//pre[@id="scim-representation"]'))
    assert shown == scim.get(f"/Users/{ada['id']}").json()
    assert "password" not in shown and "Engine-1843" not in tree.text_content()
    with running.blogin.database.sessions() as session:
        stored = session.get(User, ada["id"])
        assert stored is not None and stored.password_hash
        assert stored.password_hash not in tree.text_content()

    missing = admin.get(f"{running.blogin.base_url}/users/not-a-user")
    assert missing.status_code == 404 and "no such user" in missing.text


def test_teams_pages_list_members(running: Sandbox, admin: httpx.Client, scim: Scim, people: dict[str, Any]) -> None:
    base = running.blogin.base_url
    tree = page(admin, f"{base}/teams")
    rows = {text(r, "./td[1]"): r for r in tree.xpath('//table[@id="teams"]/tbody/tr[td[2]]')}
    assert text(rows["Pioneers"], "./td[2]") == "SCIM"
    # The count under the Members heading; its unit is for the narrow layout, where the heading is hidden.
    assert text(rows["Pioneers"], "./td[3]") == "2  members"
    assert rows["Pioneers"].xpath("./td[3]/text()") == ["2"]

    team = people["team"]
    tree = page(admin, f"{base}/teams/{team['id']}")
    members = [text(r, "./td[1]//span") for r in tree.xpath('//table[@id="members"]/tbody/tr')]
    assert members == ["ada.lovelace@acme.example", "grace.hopper@acme.example"]
    assert json.loads(text(tree, '//pre[@id="scim-representation"]')) == scim.get(f"/Groups/{team['id']}").json()


def faults_form(**overrides: str) -> dict[str, str]:
    form = {"action": "save"}
    for endpoint in ("Users", "Groups", "Discovery"):
        form |= {f"{endpoint}-latency": "0", f"{endpoint}-status": "", f"{endpoint}-nth": "0", f"{endpoint}-retry": "5"}
    return form | overrides


def banner(tree: Any) -> str:
    return text(tree, '//*[contains(@class, "fault-banner")]')


def test_forced_503_answers_and_shows_a_banner_until_cleared(
    running: Sandbox, admin: httpx.Client, scim: Scim, people: dict[str, Any]
) -> None:
    base = running.blogin.base_url
    assert banner(page(admin, f"{base}/users")) == ""

    saved = admin.post(f"{base}/settings/test-faults", data=faults_form(**{"Users-status": "503"}))
    assert saved.status_code == 302
    assert_scim_error(scim.get("/Users"), 503)
    assert scim.get("/Groups").status_code == 200, "only the Users endpoint fails"
    tree = page(admin, f"{base}/settings/test-faults")
    assert "SCIM test faults are on" in banner(tree)
    assert "every request answers 503" in tree.text_content()
    assert "SCIM test faults are on" in banner(page(admin, f"{base}/users"))

    refused = admin.post(f"{base}/settings/test-faults", data=faults_form(**{"Groups-latency": "soon"}))
    assert refused.status_code == 400 and "Enter a whole number." in refused.text

    def switched_off() -> int:
        return sum(event.event_type == "scim_faults_cleared" for event in running.blogin.recent_events())

    before = switched_off()
    cleared = admin.post(f"{base}/settings/test-faults", data={"action": "clear"})
    assert cleared.status_code == 302
    assert scim.get("/Users").status_code == 200
    assert banner(page(admin, f"{base}/users")) == ""
    # The audit log says faults went off once: All off with none on changes nothing and says nothing.
    assert admin.post(f"{base}/settings/test-faults", data={"action": "clear"}).status_code == 302
    assert switched_off() == before + 1


def test_faults_and_status_set_from_the_desktop_apply_to_the_next_request(
    running: Sandbox, admin: httpx.Client, scim: Scim
) -> None:
    running.blogin.set_scim_fault("Groups", status=429, retry_after_s=7)
    limited = scim.get("/Groups")
    assert_scim_error(limited, 429)
    assert limited.headers["Retry-After"] == "7"
    assert "SCIM test faults are on" in banner(page(admin, f"{running.blogin.base_url}/teams"))
    running.blogin.clear_scim_faults()
    assert scim.get("/Groups").status_code == 200

    with running.blogin.database.transaction() as session:
        fresh = regenerate_token(session, actor="test").token
    assert_scim_error(scim.get("/Groups"), 401)
    scim.token = fresh or ""
    assert scim.get("/Groups").status_code == 200
