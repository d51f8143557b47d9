"""Going through the seed guide's steps over HTTP, as the three personas would in their browsers.

``scripts/make_scenarios.py`` builds the shipped scenarios with it, and tests use it to reach a state
the way a person would: through the portals' own pages, forms and APIs, never through the tables.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

import httpx

from sandbox.http import http_client

log = logging.getLogger("sandbox.scenarios.rehearsal")

JUMPCLOUD_ADMIN = ("admin@example.com", "sandbox")
BLOGIN_ADMIN = ("admin@acme.example", "sandbox")
USER_PASSWORD = "Rehearse-2024!"


class RehearsalError(Exception):
    """A step did not reach the state it should have; the message says which and what came back."""


@dataclass(frozen=True)
class DirectoryUser:
    username: str
    email: str
    firstname: str
    lastname: str
    job_title: str = ""


def _expect(response: httpx.Response, what: str, *statuses: int) -> httpx.Response:
    if response.status_code not in (statuses or (200, 302, 303)):
        raise RehearsalError(f"{what}: HTTP {response.status_code} {response.text[:400]}")
    return response


class Rehearsal:
    """The JumpCloud admin, the BlogIn admin and end users, each with their own cookies."""

    def __init__(self, jumpcloud_url: str, blogin_url: str) -> None:
        self.jumpcloud_url = jumpcloud_url.rstrip("/")
        self.blogin_url = blogin_url.rstrip("/")
        self.jumpcloud_admin = http_client(follow_redirects=False, timeout=30.0)
        self.blogin_admin = http_client(follow_redirects=False, timeout=30.0)
        self._api_key: str | None = None
        self.application_id: str | None = None

    def close(self) -> None:
        self.jumpcloud_admin.close()
        self.blogin_admin.close()

    def __enter__(self) -> Rehearsal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- signing in --------------------------------------------------------------------------

    def sign_in_admins(self) -> None:
        email, password = JUMPCLOUD_ADMIN
        _expect(
            self.jumpcloud_admin.post(f"{self.jumpcloud_url}/login", data={"email": email, "password": password}),
            "JumpCloud admin sign-in",
            302,
        )
        email, password = BLOGIN_ADMIN
        _expect(
            self.blogin_admin.post(f"{self.blogin_url}/login", data={"email": email, "password": password}),
            "BlogIn admin sign-in",
            302,
        )

    @property
    def api_key(self) -> str:
        """The administrator's API key, as Settings shows it."""
        if self._api_key is None:
            page = _expect(self.jumpcloud_admin.get(f"{self.jumpcloud_url}/settings"), "JumpCloud Settings", 200)
            match = re.search(r'data-key="([^"]+)"', page.text)
            if match is None:
                raise RehearsalError("JumpCloud Settings shows no API key")
            self._api_key = html.unescape(match.group(1))
        return self._api_key

    # -- Creating the application ----------------------------------------------------------

    def create_blogin_application(self, display_label: str = "BlogIn") -> str:
        """USER AUTHENTICATION › SSO Applications › + Add New Application › BlogIn › Save Application."""
        response = _expect(
            self.jumpcloud_admin.post(
                f"{self.jumpcloud_url}/applications/new/blogin",
                data={"display_label": display_label, "description": "Company blog", "show_in_portal": "on"},
            ),
            "Save Application",
            302,
        )
        match = re.search(r"/applications/([0-9a-f]{24})", response.headers.get("location", ""))
        if match is None:
            raise RehearsalError(f"Save Application went to {response.headers.get('location')}")
        self.application_id = match.group(1)
        return self.application_id

    # -- Configuring SSO -------------------------------------------------------------------

    def download_blogin_metadata(self) -> bytes:
        """BlogIn 1: Download Metadata as file (xml)."""
        return _expect(
            self.blogin_admin.get(f"{self.blogin_url}/settings/sso/metadata.xml"), "Download Metadata", 200
        ).content

    def upload_sp_metadata(self, metadata: bytes) -> None:
        """JumpCloud: SSO tab › Upload Metadata."""
        _expect(
            self.jumpcloud_admin.post(
                f"{self.jumpcloud_url}/applications/{self._application()}/sso/metadata",
                files={"metadata": ("blogin-metadata.xml", metadata, "application/xml")},
            ),
            "Upload Metadata",
            302,
        )

    def metadata_url(self) -> str:
        """Copy Metadata URL: where this sandbox serves the application's IdP metadata."""
        page = _expect(
            self.jumpcloud_admin.get(f"{self.jumpcloud_url}/applications/{self._application()}/sso"), "SSO tab", 200
        )
        match = re.search(r"(https?://[^\"'<>\s]+/saml2/[^\"'<>\s/]+/metadata)", page.text)
        if match is None:
            raise RehearsalError("The SSO tab shows no metadata URL")
        return html.unescape(match.group(1))

    def configure_blogin_sso(self, metadata_url: str, default_role: str = "Reader") -> None:
        """BlogIn 2: Metadata URL pasted, Default User Role chosen, SINGLE SIGN-ON STATUS On, SAVE CHANGES."""
        response = self.blogin_admin.post(
            f"{self.blogin_url}/settings/sso",
            data={
                "enabled": "on",
                "name": "JumpCloud",
                "method": "metadata_url",
                "metadata_url": metadata_url,
                "default_role": default_role,
                "jit_enabled": "on",
                "allowed_skew_s": "60",
                "signatures_required": "assertion",
                "idp_initiated_allowed": "on",
            },
        )
        _expect(response, "BlogIn SAVE CHANGES", 302)

    def configure_sso(self) -> None:
        """Every step of Configuring the SSO Integration, in the guide's order."""
        self.upload_sp_metadata(self.download_blogin_metadata())
        self.configure_blogin_sso(self.metadata_url())

    # -- Users, groups, authorization ------------------------------------------------------

    def create_user(self, user: DirectoryUser) -> str:
        response = _expect(
            self.jumpcloud_admin.post(
                f"{self.jumpcloud_url}/api/systemusers",
                headers={"x-api-key": self.api_key},
                json={
                    "username": user.username,
                    "email": user.email,
                    "firstname": user.firstname,
                    "lastname": user.lastname,
                    "jobTitle": user.job_title,
                    "password": USER_PASSWORD,
                },
            ),
            f"create user {user.username}",
            200,
            201,
        )
        return str(response.json()["_id"])

    def create_group(self, name: str, member_ids: list[str]) -> str:
        response = _expect(
            self.jumpcloud_admin.post(
                f"{self.jumpcloud_url}/api/v2/usergroups", headers={"x-api-key": self.api_key}, json={"name": name}
            ),
            f"create group {name}",
            200,
            201,
        )
        group_id = str(response.json()["id"])
        for user_id in member_ids:
            _expect(
                self.jumpcloud_admin.post(
                    f"{self.jumpcloud_url}/api/v2/usergroups/{group_id}/members",
                    headers={"x-api-key": self.api_key},
                    json={"op": "add", "type": "user", "id": user_id},
                ),
                f"add a member to {name}",
                200,
                204,
            )
        return group_id

    def authorize_groups(self, group_ids: list[str]) -> None:
        """User Groups tab: tick the groups, save."""
        _expect(
            self.jumpcloud_admin.post(
                f"{self.jumpcloud_url}/applications/{self._application()}/groups", data={"group_id": group_ids}
            ),
            "User Groups save",
            302,
        )

    # -- Identity Management -----------------------------------------------------------------

    def enable_blogin_provisioning(self) -> tuple[str, str]:
        """BlogIn: User Provisioning tab › USER PROVISIONING STATUS On › Save changes.

        Returns the Base (Tenant) URL and the Secret (Bearer) token the tab then shows.
        """
        _expect(
            self.blogin_admin.post(f"{self.blogin_url}/settings/sso/provisioning", data={"enabled": "on"}),
            "User Provisioning Save changes",
            302,
        )
        page = _expect(
            self.blogin_admin.get(f"{self.blogin_url}/settings/sso/provisioning"), "User Provisioning tab", 200
        )
        base = re.search(r'id="base-url" value="([^"]+)"', page.text)
        token = re.search(r'id="bearer-token" value="([^"]+)"', page.text)
        if base is None or token is None:
            raise RehearsalError("The User Provisioning tab shows no Base URL or token")
        return html.unescape(base.group(1)), html.unescape(token.group(1))

    def activate_identity_management(self, base_url: str, token: str, *, group_management: bool = True) -> None:
        """JumpCloud: Identity Management tab › Configure › Base URL, Token Key › Activate › save."""
        url = f"{self.jumpcloud_url}/applications/{self._application()}/identity-management"
        form = {"base_url": base_url, "token_key": token}
        if group_management:
            form["group_management"] = "on"
        _expect(self.jumpcloud_admin.post(f"{url}/activate", data=form), "Activate", 200)
        saved = {"group_management": "on"} if group_management else {}
        _expect(self.jumpcloud_admin.post(f"{url}/save", data=saved), "Identity Management save", 302)

    # -- Removing the integration --------------------------------------------------------------

    def delete_application(self) -> None:
        """Tick the application, Delete, enter the number of applications, Delete Application."""
        _expect(
            self.jumpcloud_admin.post(
                f"{self.jumpcloud_url}/applications/delete",
                data={"application_id": [self._application()], "count": "1"},
            ),
            "Delete Application",
            302,
        )
        self.application_id = None

    # -- End users -------------------------------------------------------------------------

    def idp_initiated_sign_in(self, login: str, password: str = USER_PASSWORD) -> httpx.Response:
        """User Console › the application tile: JumpCloud posts the assertion to BlogIn."""
        with http_client(follow_redirects=False, timeout=30.0) as browser:
            _expect(
                browser.post(f"{self.jumpcloud_url}/userconsole/login", data={"login": login, "password": password}),
                "User Console sign-in",
                302,
            )
            start = browser.get(f"{self.jumpcloud_url}/saml2/{self._application_name(browser)}")
            return self._follow_to_blogin(browser, start, login, password)

    def sp_initiated_sign_in(self, login: str, password: str = USER_PASSWORD) -> httpx.Response:
        """BlogIn › Sign in with SSO: to JumpCloud, sign in there, back to BlogIn."""
        with http_client(follow_redirects=False, timeout=30.0) as browser:
            start = browser.get(f"{self.blogin_url}/sso/saml/login")
            return self._follow_to_blogin(browser, start, login, password)

    def _follow_to_blogin(
        self, browser: httpx.Client, response: httpx.Response, login: str, password: str
    ) -> httpx.Response:
        """Follow redirects, sign in where JumpCloud asks, and post the assertion: BlogIn's answer."""
        for _ in range(10):
            if response.status_code in (301, 302, 303):
                response = browser.get(response.url.join(response.headers["location"]))
                continue
            form = re.search(r'<form[^>]*action="([^"]*)"', response.text)
            if form is not None and 'name="SAMLResponse"' in response.text:
                return browser.post(html.unescape(form.group(1)), data=_hidden_inputs(response.text))
            if form is not None and 'name="SAMLRequest"' in response.text:
                response = browser.post(html.unescape(form.group(1)), data=_hidden_inputs(response.text))
                continue
            if response.status_code != 200 or form is None or 'name="password"' not in response.text:
                break
            data = {**_hidden_inputs(response.text), "password": password}
            for field in ("login", "email", "username"):
                if f'name="{field}"' in response.text:
                    data[field] = login
            response = browser.post(response.url.join(html.unescape(form.group(1))), data=data)
        raise RehearsalError(f"Sign-in stopped at {response.url}: HTTP {response.status_code} {response.text[:300]}")

    def _application_name(self, browser: httpx.Client) -> str:
        page = browser.get(f"{self.jumpcloud_url}/userconsole")
        match = re.search(r'href="[^"]*/saml2/([a-z0-9_-]+)"', page.text)
        if match is None:
            raise RehearsalError("The User Console shows no application tile")
        return match.group(1)

    def _application(self) -> str:
        if self.application_id is None:
            raise RehearsalError("Create the application first")
        return self.application_id


def _hidden_inputs(text: str) -> dict[str, str]:
    inputs = {}
    for tag in re.findall(r"<input[^>]+>", text):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            inputs[html.unescape(name.group(1))] = html.unescape(value.group(1)) if value else ""
    return inputs
