"""The seed guide followed by clicking in the window's persona browsers.

The JumpCloud Admin adds BlogIn in the guide's words; SSO is then configured both ways over HTTP; the
End User launches BlogIn from the User Console tile (IdP-initiated) and later, signed out everywhere,
starts at BlogIn's login page with "Log in with SSO" (SP-initiated). The steps build on each other,
so they run in order on one window and one sandbox.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal
from tests.desktop.clicking import click, evaluate, go_to, press_enter, reload_page, type_into, wait_for_page

END_USER = DirectoryUser("jane.doe", "jane.doe@acme.example", "Jane", "Doe", "Staff Writer")


@dataclass
class Journey:
    """What earlier steps left for later ones."""

    application_id: str | None = None
    configured: bool = False
    launched: bool = False


@pytest.fixture(scope="module")
def journey() -> Journey:
    return Journey()


def test_admin_adds_blogin_following_the_guide(window: MainWindow, module_sandbox: Sandbox, journey: Journey) -> None:
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
    journey.application_id = match.group(1)

    click(admin, "a.btn", "Configure Application")
    panel = wait_for_page(
        admin, "Single Sign-On Configuration", "Upload Metadata", path=f"/applications/{journey.application_id}/sso"
    )
    for tab in ("SSO", "User Groups", "Identity Management"):
        assert tab in panel
    assert evaluate(admin, "document.querySelector('textarea[name=description]').value") == "Company blog"


def test_sso_configured_both_ways(qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, journey: Journey) -> None:
    assert journey.application_id, "BlogIn was not added by the admin's clicks"
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.application_id = journey.application_id
        rehearsal.configure_sso()  # BlogIn's SP metadata to JumpCloud, JumpCloud's metadata URL to BlogIn
        user_id = rehearsal.create_user(END_USER)
        group_id = rehearsal.create_group("Bloggers", [user_id])
        rehearsal.authorize_groups([group_id])

    # The admin sees what the upload filled in, and the group ticked on the User Groups tab.
    admin = window.browsers["jumpcloud-admin"]
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
    wait_for_page(admin, "Bloggers", "implicitly denied", path=f"/applications/{journey.application_id}/groups")
    ticked = "JSON.stringify([...document.querySelectorAll('tr:has(input:checked) label')].map(l => l.innerText))"
    assert json.loads(evaluate(admin, ticked)) == ["Bloggers"]
    journey.configured = True


def test_end_user_launches_blogin_from_the_user_console(
    window: MainWindow, module_sandbox: Sandbox, journey: Journey
) -> None:
    assert journey.configured, "SSO was not configured"
    end_user = window.browsers["end-user"]
    jumpcloud, blogin = module_sandbox.jumpcloud.host, module_sandbox.blogin.host
    go_to(end_user, f"{module_sandbox.jumpcloud.base_url}/userconsole")
    wait_for_page(end_user, "User Console", "User Login", host=jumpcloud)

    type_into(end_user, "input[name=login]", END_USER.username)
    type_into(end_user, "input[name=password]", USER_PASSWORD)
    click(end_user, "button", "User Login")
    console = wait_for_page(end_user, "Applications", "Jane Doe", host=jumpcloud, path="/userconsole")
    assert "BlogIn" in console and "Company blog" in console

    # JumpCloud asserts the user's identity to BlogIn, no BlogIn login on the way.
    click(end_user, "a.tile", "BlogIn", contains=True)
    home = wait_for_page(end_user, "Latest posts", "Signed in as", "Jane Doe", host=blogin, path="/")
    assert f"{END_USER.email} · Reader" in home  # JIT-created with the Default User Role
    assert "Log out" in home
    journey.launched = True


def test_end_user_signs_in_from_blogins_login_page(
    window: MainWindow, module_sandbox: Sandbox, journey: Journey
) -> None:
    assert journey.launched, "the IdP-initiated sign-in did not finish"
    end_user = window.browsers["end-user"]
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
    click(end_user, "a", "Log in with SSO")

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
