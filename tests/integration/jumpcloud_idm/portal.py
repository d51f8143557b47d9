"""The JumpCloud Admin Portal as an administrator uses it for Identity Management, over HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from tests.integration.jumpcloud_idm.conftest import Org
from tests.integration.jumpcloud_idm.scim_servers import ScimServer


@dataclass
class Portal:
    """An administrator signed in to the Admin Portal, working on ``org``'s application."""

    org: Org
    client: httpx.Client

    @property
    def base(self) -> str:
        return self.org.sandbox.jumpcloud.base_url

    def tab_url(self, action: str = "") -> str:
        suffix = f"/{action}" if action else ""
        return f"{self.base}/applications/{self.org.application_id}/identity-management{suffix}"

    def tab(self) -> str:
        """The Identity Management tab's page."""
        return self.client.get(self.tab_url()).text

    def activate(self, server: ScimServer, *, groups: bool = True) -> httpx.Response:
        """Base URL and Token Key typed in, then **Activate** (the connection test)."""
        return self.activate_url(server.base_url, server.token, groups=groups)

    def activate_url(self, base_url: str, token: str, *, groups: bool = True) -> httpx.Response:
        form = {"base_url": base_url, "token_key": token}
        if groups:
            form["group_management"] = "on"
        return self.client.post(self.tab_url("activate"), data=form, timeout=30)

    def save(self, *, groups: bool = True) -> None:
        """**save**: the integration is on, and the first sync is queued."""
        response = self.client.post(self.tab_url("save"), data={"group_management": "on"} if groups else {})
        assert response.status_code == 302, response.text[:2000]

    def connect(self, server: ScimServer) -> None:
        """Activate, then save."""
        tested = self.activate(server)
        assert tested.status_code == 200 and "Click save to finish" in tested.text, tested.text[:3000]
        self.save()

    def retry_all(self) -> None:
        """**Retry now** for every failed operation."""
        assert self.client.post(self.tab_url("retry")).status_code == 302

    def edit_user(self, user_id: str, **fields: str) -> None:
        """The user's details saved with ``fields`` changed."""
        assert self.client.post(f"{self.base}/users/{user_id}", data=fields).status_code == 302

    def remove_member(self, group_id: str, user_id: str) -> None:
        response = self.client.post(f"{self.base}/groups/{group_id}/members/{user_id}/remove")
        assert response.status_code == 302

    def delete_user(self, user_id: str) -> None:
        assert self.client.post(f"{self.base}/users/{user_id}/delete").status_code == 302

    def delete_group(self, group_id: str) -> None:
        assert self.client.post(f"{self.base}/groups/{group_id}/delete").status_code == 302

    def import_listing(self) -> tuple[httpx.Response, list[str]]:
        """**manual import**: the page, and the application ids of the users it offers."""
        page = self.client.get(self.tab_url("import"), timeout=60)
        return page, re.findall(r'name="scim_id" value="([^"]+)"', page.text)

    def run_import(self, scim_ids: list[str]) -> httpx.Response:
        """The selected users imported (in the background from 100 users on)."""
        return self.client.post(self.tab_url("import"), data={"scim_id": scim_ids}, timeout=60)
