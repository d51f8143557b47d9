"""A sandbox with real content for the accessibility checks, and browsers signed in to it.

The content comes the way a person makes it, through the portals' pages and APIs (the seed guide's
steps as ``Rehearsal`` walks them): users and groups, BlogIn added with SSO configured, Identity
Management active against the running BlogIn, one provisioning operation refused by BlogIn, a mail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6 import QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)
from PySide6.QtWidgets import QApplication

from sandbox.app import Sandbox
from sandbox.desktop.none_refcount import keep_none_alive
from sandbox.desktop.startup import load_before_chromium
from sandbox.jumpcloud.services.provisioning.mailbox import send_mail
from sandbox.scenarios.rehearsal import DirectoryUser, Rehearsal
from sandbox.settings import Settings
from tests.accessibility.axe import PortalBrowser, axe_source, wait_for

keep_none_alive()
# Before Chromium starts: xmlsec cannot load once it has, and the IdP signs with it.
load_before_chromium()

PEOPLE = [
    DirectoryUser("ada.lovelace", "ada.lovelace@example.com", "Ada", "Lovelace", "Engineer"),
    DirectoryUser("grace.hopper", "grace.hopper@example.com", "Grace", "Hopper", "Rear Admiral"),
    DirectoryUser("linus.pauling", "linus.pauling@example.com", "Linus", "Pauling", "Chemist"),
]


@dataclass(frozen=True)
class Content:
    """Where the interesting records are."""

    sandbox: Sandbox
    application_id: str
    user_id: str
    group_id: str
    mail_id: str

    @property
    def base(self) -> str:
        return self.sandbox.jumpcloud.base_url


def _build(sandbox: Sandbox) -> Content:
    with Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url) as steps:
        steps.sign_in_admins()
        ids = [steps.create_user(person) for person in PEOPLE]
        engineering = steps.create_group("Engineering", ids[:2])
        steps.create_group("Sales", ids[2:])
        application_id = steps.create_blogin_application()
        steps.configure_sso()
        steps.authorize_groups([engineering])
        base_url, token = steps.enable_blogin_provisioning()
        steps.activate_identity_management(base_url, token)
        portal = steps.jumpcloud_admin
        tab = f"{sandbox.jumpcloud.base_url}/applications/{application_id}/identity-management"

        def nothing_pending() -> bool:
            return (
                re.search(r'idm-stat">0</span><span class="muted small">Operations pending', portal.get(tab).text)
                is not None
            )

        wait_for(nothing_pending, 60, "the first sync")
        # BlogIn refuses the next request to /Users: a new member's create becomes a failed operation.
        refused = steps.blogin_admin.post(
            f"{sandbox.blogin.base_url}/settings/test-faults",
            data={"action": "save", "Users-status": "403", "Users-nth": "1"},
        )
        assert refused.status_code == 302, refused.text[:500]
        margaret = steps.create_user(DirectoryUser("margaret.hamilton", "mh@example.com", "Margaret", "Hamilton"))
        added = portal.post(
            f"{sandbox.jumpcloud.base_url}/api/v2/usergroups/{engineering}/members",
            headers={"x-api-key": steps.api_key},
            json={"op": "add", "type": "user", "id": margaret},
        )
        assert added.status_code in (200, 204), added.text[:500]
        wait_for(lambda: "Retry now" in portal.get(tab).text, 60, "BlogIn's refusal to show as a failed operation")
        # Test faults off again, so the manual import can list BlogIn's users.
        steps.blogin_admin.post(f"{sandbox.blogin.base_url}/settings/test-faults", data={"action": "clear"})
    with sandbox.jumpcloud.database.transaction() as session:
        mail = send_mail(
            session,
            "admin@example.com",
            "Manual import into BlogIn is complete",
            "120 users were imported into JumpCloud from BlogIn.\n\nNo user failed.",
        )
        mail_id = mail.id
    return Content(sandbox, application_id, ids[0], engineering, str(mail_id))


@pytest.fixture(scope="package")
def content(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Content]:
    """The sandbox with its content; building it waits in Qt's event loop, hence the QApplication."""
    axe_source()  # fails at once, with how to install it, when axe-core is missing
    data = Path(tmp_path_factory.mktemp("accessibility")) / "data"
    with Sandbox(Settings(data_dir=data, jumpcloud_port=0, blogin_port=0)) as sandbox:
        yield _build(sandbox)


@pytest.fixture(scope="package")
def admin_browser(qapp: QApplication, content: Content) -> Iterator[PortalBrowser]:
    """A browser signed in to the Admin Portal as the sandbox administrator."""
    browser = PortalBrowser()
    browser.load(content.sandbox.jumpcloud.admin_login_link())
    assert re.search(r"/$", browser.url), browser.url
    yield browser
    browser.close()
