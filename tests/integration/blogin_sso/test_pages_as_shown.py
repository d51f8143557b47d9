"""What BlogIn's pages say along the guide's steps, where a person reads it: the Single Sign-On tab's last option,
a member's profile after single sign-on, and the Users and Teams lists."""

from __future__ import annotations

import httpx
from lxml import html as lxml_html

from sandbox.app import Sandbox
from sandbox.blogin.models import Team, User, team_members
from sandbox.http import http_client
from tests.integration.blogin_sso.conftest import configure, post_to_acs, sp
from tests.integration.blogin_sso.idp import TestIdentityProvider


def test_the_idp_initiated_option_reads_as_one_sentence_beside_its_checkbox(
    admin: httpx.Client, sso_sandbox: Sandbox
) -> None:
    page = lxml_html.fromstring(admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso").text)
    [label] = page.xpath('//label[input[@name="idp_initiated_allowed"]]')
    # Two things side by side, the checkbox and its words (the hint wraps under the words, not in a column of
    # its own), in a narrow persona pane too.
    assert [child.tag for child in label] == ["input", "span"]
    assert " ".join(label[1].text_content().split()) == (
        "Allow IdP-initiated sign-in (launching BlogIn from the identity provider's portal)"
    )


def test_an_attribute_the_assertion_delivered_empty_says_so_on_the_profile(
    admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    assert configure(admin, sso_sandbox, idp.metadata()).status_code == 302
    service_provider = sp(sso_sandbox)
    saml_response = idp.signed_response(
        email="emma.empty@acme.example",
        attributes={"email": ["emma.empty@acme.example"], "firstname": ["Emma"], "phone": [""]},
        sp_entity_id=service_provider["sp_entity_id"],
        acs_url=service_provider["acs_url"],
    )
    with http_client(follow_redirects=False) as browser:
        assert post_to_acs(browser, sso_sandbox, saml_response).status_code == 303
        profile = lxml_html.fromstring(browser.get(f"{sso_sandbox.blogin.base_url}/profile").text)
    delivered = {
        row.xpath("string(./th)"): row.xpath("string(./td)")
        for row in profile.xpath('//h2[.="What the SAML assertion delivered"]/following-sibling::table//tr')
    }
    assert delivered["firstname"] == "Emma"
    assert delivered["phone"] == "(empty)"


def test_the_lists_say_what_a_narrow_pane_shows_without_headings(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    with sso_sandbox.blogin.database.transaction() as session:
        loner = User(user_name="lone@acme.example", user_name_key="lone@acme.example", email="lone@acme.example")
        pair = Team(display_name="Pair of one", display_name_key="pair of one")
        session.add_all([loner, pair])
        session.flush()
        session.execute(team_members.insert().values(team_id=pair.id, user_id=loner.id))
        nobody = User(user_name="nobody@acme.example", user_name_key="nobody@acme.example", email="nobody@acme.example")
        session.add(nobody)
    base = sso_sandbox.blogin.base_url
    teams = lxml_html.fromstring(admin.get(f"{base}/teams", params={"q": "Pair of one"}).text)
    [count] = teams.xpath('//table[@id="teams"]/tbody/tr/td[3]')
    # "1 member", not "1 members", where the Members heading is hidden.
    assert " ".join(count.text_content().split()) == "1 member"
    users = lxml_html.fromstring(admin.get(f"{base}/users", params={"q": "nobody@acme.example"}).text)
    # A user in no team: the dash under Teams is marked, so the narrow layout can leave it out.
    assert users.xpath('//table[@id="users"]/tbody/tr/td[@class="teams"]/span[@class="muted no-teams"]/text()') == ["—"]
