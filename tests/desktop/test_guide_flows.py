"""The seed guide followed by clicking in the window's persona browsers.

The JumpCloud Admin adds BlogIn in the guide's words; SSO is then configured both ways over HTTP; the
End User launches BlogIn from the User Console tile (IdP-initiated) and later, signed out everywhere,
starts at BlogIn's login page with "Log in with SSO" (SP-initiated). The tests share one window and one
sandbox, in any order: each asks ``GuideStates`` for the state its step starts from, which the step before
it in the guide usually left already, and which is otherwise reached through the portals' own HTTP.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import USER_PASSWORD
from tests.desktop.clicking import click, evaluate, follow, go_to, press_enter, reload_page, type_into, wait_for_page
from tests.desktop.guide_states import END_USER, GROUP, SIGNED_IN, GuideStates


@pytest.fixture(scope="module")
def guide(window: MainWindow, module_sandbox: Sandbox) -> Iterator[GuideStates]:
    states = GuideStates(module_sandbox, window)
    yield states
    states.close()


def test_admin_adds_blogin_following_the_guide(window: MainWindow, module_sandbox: Sandbox, guide: GuideStates) -> None:
    guide.without_applications()
    admin = window.browsers["jumpcloud-admin"]
    host = module_sandbox.jumpcloud.host
    wait_for_page(admin, "admin@example.com", host=host)

    # USER AUTHENTICATION › SSO Applications
    click(admin, "a.nav-item", "SSO Applications")
    wait_for_page(admin, "Configured Applications", "No applications yet", path="/applications")

    # + Add New Application › type the name in the Search field
    click(admin, "a.btn", "+ Add New Application")
    catalog = wait_for_page(admin, "Create New Application Integration", path="/applications/new")
    assert "Custom SAML App" in catalog
    type_into(admin, "input[name=q]", "BlogIn")
    press_enter(admin)
    found = wait_for_page(admin, "BlogIn", "Identity Management", path="/applications/new", query="q=BlogIn")
    assert "Custom SAML App" not in found and "Slack" not in found

    # … and select it › Next
    click(admin, "label.catalog-entry", "BlogIn", contains=True)
    click(admin, "button", "Next")
    form = wait_for_page(admin, "General Info", "Display Label", "Advanced Settings", path="/applications/new/blogin")
    assert "Save Application" in form

    # Display Label, an optional Description; Advanced Settings shows the default SSO IdP URL
    type_into(admin, "input[name=display_label]", "BlogIn")
    type_into(admin, "textarea[name=description]", "Company blog")
    click(admin, "summary", "Advanced Settings")
    advanced = wait_for_page(admin, "SSO IdP URL", "https://sso.jumpcloud.com/saml2/blogin")
    assert "not editable after the application is created" in advanced

    # Save Application › Configure Application
    click(admin, "button", "Save Application")
    saved = wait_for_page(admin, "BlogIn saved", "Configure Application", "Close")
    assert "https://sso.jumpcloud.com/saml2/blogin" in saved
    match = re.fullmatch(r"/applications/([0-9a-f]{24})/created", admin.view.url().path())
    assert match is not None, admin.view.url().toString()
    application_id = match.group(1)
    guide.added(application_id)

    click(admin, "a.btn", "Configure Application")
    panel = wait_for_page(
        admin, "Single Sign-On Configuration", "Upload Metadata", path=f"/applications/{application_id}/sso"
    )
    for tab in ("SSO", "User Groups", "Identity Management"):
        assert tab in panel
    assert evaluate(admin, "document.querySelector('textarea[name=description]').value") == "Company blog"


def test_sso_configured_both_ways(qtbot: QtBot, module_sandbox: Sandbox, guide: GuideStates) -> None:
    application_id = guide.application()
    admin = guide.admin_on_sso_panel(application_id)
    rehearsal = guide.rehearsal
    rehearsal.configure_sso()  # BlogIn's SP metadata to JumpCloud, JumpCloud's metadata URL to BlogIn
    rehearsal.authorize_groups([guide.bloggers()])  # the End User, in the Bloggers group
    guide.configured(application_id)

    # The admin sees what the upload filled in, and the group ticked on the User Groups tab.
    reload_page(admin)
    wait_for_page(admin, "Single Sign-On Configuration", "SSO active")
    # SP Entity ID and ACS URLs come from BlogIn's metadata.
    fields = "#sso-form input, #sso-form textarea"
    filled = json.loads(
        evaluate(admin, f"JSON.stringify([...document.querySelectorAll('{fields}')].map(e => e.value))")
    )
    assert f"{module_sandbox.blogin.base_url}/" in filled
    assert f"{module_sandbox.blogin.base_url}/sso/saml/callback" in filled
    click(admin, ".tabs a", "User Groups")
    wait_for_page(admin, GROUP, "implicitly denied", path=f"/applications/{application_id}/groups")
    ticked = "JSON.stringify([...document.querySelectorAll('tr:has(input:checked) label')].map(l => l.innerText))"
    assert json.loads(evaluate(admin, ticked)) == [GROUP]


def test_end_user_launches_blogin_from_the_user_console(module_sandbox: Sandbox, guide: GuideStates) -> None:
    guide.sso_configured()
    end_user = guide.end_user_signed_out()
    jumpcloud, blogin = module_sandbox.jumpcloud.host, module_sandbox.blogin.host
    go_to(end_user, f"{module_sandbox.jumpcloud.base_url}/userconsole")
    wait_for_page(end_user, "User Console", "User Login", host=jumpcloud)

    type_into(end_user, "input[name=login]", END_USER.username)
    type_into(end_user, "input[name=password]", USER_PASSWORD)
    click(end_user, "button", "User Login")
    console = wait_for_page(end_user, "Applications", "Jane Doe", host=jumpcloud, path="/userconsole")
    assert "BlogIn" in console and "Company blog" in console

    # JumpCloud asserts the user's identity to BlogIn, no BlogIn login on the way.
    follow(end_user, "a.tile", "BlogIn", contains=True)
    home = wait_for_page(end_user, "Latest posts", "Signed in as", "Jane Doe", host=blogin, path="/")
    assert f"{END_USER.email} · Reader" in home  # JIT-created with the Default User Role
    assert "Log out" in home
    guide.end_user_left(SIGNED_IN)


def test_end_user_signs_in_from_blogins_login_page(module_sandbox: Sandbox, guide: GuideStates) -> None:
    # Where the IdP-initiated sign-in leaves the End User: signed in to the User Console and to BlogIn.
    end_user = guide.end_user_signed_in()
    jumpcloud, blogin = module_sandbox.jumpcloud.host, module_sandbox.blogin.host

    # Signed out of BlogIn, and of JumpCloud's User Console, so JumpCloud must ask who this is.
    click(end_user, "button.link", "Log out")
    wait_for_page(end_user, "Log in to Acme", host=blogin, path="/login")
    go_to(end_user, f"{module_sandbox.jumpcloud.base_url}/userconsole")
    wait_for_page(end_user, "Applications", host=jumpcloud, path="/userconsole")
    click(end_user, "button.link", "Log out")
    wait_for_page(end_user, "User Login", host=jumpcloud, path="/userconsole/login")

    # The page the user wanted, then BlogIn's login page with the SSO button.
    go_to(end_user, f"{module_sandbox.blogin.base_url}/profile")
    login = wait_for_page(end_user, "Log in to Acme", "Log in with SSO", host=blogin, path="/login")
    assert "or log in with your BlogIn password" in login
    follow(end_user, "a", "Log in with SSO")

    wait_for_page(end_user, "User Console", "User Login", host=jumpcloud)
    type_into(end_user, "input[name=login]", END_USER.email)
    type_into(end_user, "input[name=password]", USER_PASSWORD)
    click(end_user, "button", "User Login")

    # JumpCloud's Response is posted across sites to BlogIn's ACS; BlogIn's session cookie must let
    # that POST finish the sign-in, and RelayState brings the user back to the page they asked for.
    profile = wait_for_page(end_user, "Jane Doe", "Account source", host=blogin, path="/profile")
    assert "Staff Writer" in profile  # delivered by the assertion's title attribute
    assert END_USER.email in profile
    click(end_user, ".topnav a", "Home")
    assert "Jane Doe" in wait_for_page(end_user, "Latest posts", "Signed in as", host=blogin, path="/")
    guide.end_user_left(SIGNED_IN)
