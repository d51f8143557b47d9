"""Named states of the seed guide's walk, reached on demand in one sandbox and its window.

Each guide-flow test asks for the state its step starts from instead of relying on what the test before
it clicked: the state is reached through the portals' own pages and HTTP (``Rehearsal``) when it is not
there yet, and costs nothing when the previous step already left it. The tests' own steps stay real clicks.
"""

from __future__ import annotations

import html
import json
import re

from sandbox.app import Sandbox
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal
from tests.desktop.clicking import evaluate, go_to, wait_for_page

END_USER = DirectoryUser("jane.doe", "jane.doe@acme.example", "Jane", "Doe", "Staff Writer")
GROUP = "Bloggers"

# What the End User's browser holds, as far as the last step that finished knows.
SIGNED_OUT = "signed out everywhere"
SIGNED_IN = "signed in to the User Console and to BlogIn, on BlogIn's home page"
UNKNOWN = "unknown (a step that changes it has begun and not finished)"


class GuideStates:
    """Where the walk stands in one sandbox and window, and the way to each state a step starts from.

    The JumpCloud and BlogIn admins work over HTTP with their own cookies; the window's persona browsers
    are only driven to a state here when they are not in it already.
    """

    def __init__(self, sandbox: Sandbox, window: MainWindow) -> None:
        self.sandbox = sandbox
        self.window = window
        self.rehearsal = Rehearsal(sandbox.jumpcloud.base_url, sandbox.blogin.base_url)
        self.rehearsal.sign_in_admins()
        # The application the walk knows (added by the admin's clicks or here), and the one that SSO was
        # configured both ways for, with the group authorized.
        self.application_id: str | None = None
        self.configured_for: str | None = None
        self.group_id: str | None = None
        # The window has just started: the End User's browser holds no cookie yet.
        self.end_user_state = SIGNED_OUT

    def close(self) -> None:
        self.rehearsal.close()

    # -- JumpCloud: the application ------------------------------------------------------------

    def listed_applications(self) -> list[str]:
        """The ids on the admin's Configured Applications list."""
        page = self.rehearsal.jumpcloud_admin.get(f"{self.sandbox.jumpcloud.base_url}/applications")
        assert page.status_code == 200, page.text[:400]
        return [html.unescape(found) for found in re.findall(r'name="application_id" value="([^"]+)"', page.text)]

    def without_applications(self) -> None:
        """No application configured: the Configured Applications list is empty (ticked, Delete, confirmed)."""
        listed = self.listed_applications()
        if listed:
            deleted = self.rehearsal.jumpcloud_admin.post(
                f"{self.sandbox.jumpcloud.base_url}/applications/delete",
                data={"application_id": listed, "count": str(len(listed))},
            )
            assert deleted.status_code == 302, deleted.text[:400]
            assert not self.listed_applications()
        self.application_id = self.configured_for = None
        self.rehearsal.application_id = None

    def added(self, application_id: str) -> None:
        """The admin's clicks saved BlogIn as ``application_id``, not configured yet."""
        self.application_id = self.rehearsal.application_id = application_id
        self.configured_for = None

    def application(self) -> str:
        """BlogIn added in JumpCloud, the only application (added now, as Save Application does, if needed)."""
        listed = self.listed_applications()
        if self.application_id is None or listed != [self.application_id]:
            # None yet, or one a step began and did not finish: start from a clean list.
            self.without_applications()
            self.added(self.rehearsal.create_blogin_application())
        assert self.application_id is not None
        self.rehearsal.application_id = self.application_id
        return self.application_id

    def bloggers(self) -> str:
        """The End User in the directory and the Bloggers user group holding them (made once)."""
        if self.group_id is None:
            user_id = self.rehearsal.create_user(END_USER)
            self.group_id = self.rehearsal.create_group(GROUP, [user_id])
        return self.group_id

    def configured(self, application_id: str) -> None:
        """SSO was configured both ways for ``application_id`` and Bloggers authorized for it."""
        self.configured_for = application_id

    def sso_configured(self) -> str:
        """BlogIn added, SSO configured both ways and Bloggers authorized; the application's id."""
        application_id = self.application()
        if self.configured_for != application_id:
            self.rehearsal.configure_sso()
            self.rehearsal.authorize_groups([self.bloggers()])
            self.configured(application_id)
        return application_id

    # -- the persona browsers -------------------------------------------------------------------

    def admin_on_sso_panel(self, application_id: str) -> PersonaBrowser:
        """The JumpCloud Admin's browser on the application's SSO tab, where Configure Application leads."""
        admin = self.window.browsers["jumpcloud-admin"]
        path = f"/applications/{application_id}/sso"
        if admin.view.url().path() != path:
            go_to(admin, f"{self.sandbox.jumpcloud.base_url}{path}")
        wait_for_page(admin, "Single Sign-On Configuration", host=self.sandbox.jumpcloud.host, path=path)
        return admin

    def end_user_signed_out(self) -> PersonaBrowser:
        """The End User's browser signed out of the User Console and of BlogIn.

        The state is then unknown until the step calls :meth:`end_user_left`.
        """
        end_user = self.window.browsers["end-user"]
        if self.end_user_state != SIGNED_OUT:
            # The persona's own restart: cookies and history forgotten, the start page opened again.
            end_user.restart()
            wait_for_page(end_user, "User Login", host=self.sandbox.jumpcloud.host, path="/userconsole/login")
        self.end_user_state = UNKNOWN
        return end_user

    def end_user_signed_in(self) -> PersonaBrowser:
        """The End User signed in to the User Console and, by its BlogIn tile, to BlogIn, on BlogIn's home page.

        SSO is configured first. The state is then unknown until the step calls :meth:`end_user_left`.
        """
        self.sso_configured()  # the application the End User signs in through may be a new one
        end_user = self.window.browsers["end-user"]
        if self.end_user_state != SIGNED_IN:
            end_user = self.end_user_signed_out()
            jumpcloud = self.sandbox.jumpcloud
            go_to(end_user, f"{jumpcloud.base_url}/userconsole/login")
            wait_for_page(end_user, "User Login", host=jumpcloud.host, path="/userconsole/login")
            # The login form posted by the page itself, as its button would.
            credentials = json.dumps({"login": END_USER.username, "password": USER_PASSWORD})
            submit = f"""(function () {{
  const form = document.querySelector('input[name=login]').form, values = {credentials};
  form.elements.login.value = values.login;
  form.elements.password.value = values.password;
  form.submit();
  return true;
}})()"""
            evaluate(end_user, submit)
            wait_for_page(end_user, "Applications", "BlogIn", host=jumpcloud.host, path="/userconsole")
            tiles = "JSON.stringify([...document.querySelectorAll('a.tile')].map(a => [a.innerText, a.href]))"
            [tile] = [href for label, href in json.loads(evaluate(end_user, tiles)) if "BlogIn" in label]
            go_to(end_user, tile)
            wait_for_page(end_user, "Latest posts", "Signed in as", host=self.sandbox.blogin.host, path="/")
        self.end_user_state = UNKNOWN
        return end_user

    def end_user_left(self, state: str) -> None:
        """The step finished with the End User's browser in ``state``."""
        self.end_user_state = state
