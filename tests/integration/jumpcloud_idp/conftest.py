"""A running JumpCloud with one application configured through the Admin Portal, and an independent SP."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from saml2.metadata import entity_descriptor

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.models import SsoApplication, SystemUser, UserGroup
from sandbox.passwords import hash_password
from sandbox.settings import Settings
from tests.conftest import sign_in_jumpcloud_admin
from tests.integration.jumpcloud_idp.independent_sp import IndependentSp, form_of

USER_PASSWORD = "correct horse 1"


@dataclass
class Interop:
    sandbox: Sandbox
    admin: httpx.Client
    browser: httpx.Client
    application_id: str
    name: str
    backend: str

    @property
    def base(self) -> str:
        return self.sandbox.jumpcloud.base_url

    def metadata(self) -> str:
        response = self.browser.get(f"{self.base}/saml2/{self.name}/metadata")
        assert response.status_code == 200
        return response.text

    def sp(self, **options: Any) -> IndependentSp:
        sp = IndependentSp(self.metadata(), backend=self.backend, **options)
        xml = str(entity_descriptor(sp.client.config).to_string().decode())
        response = self.admin.post(
            f"{self.base}/applications/{self.application_id}/sso/metadata",
            files={"metadata": ("sp-metadata.xml", xml.encode(), "application/xml")},
        )
        assert response.status_code == 302, response.text
        return sp

    def update_config(self, **changes: Any) -> None:
        with self.sandbox.jumpcloud.database.transaction() as session:
            application = session.get(SsoApplication, self.application_id)
            assert application is not None
            application.sso_config = {**application.sso_config, **changes}

    def follow(self, response: httpx.Response, *, login: str = "ada@example.com") -> httpx.Response:
        """Follow redirects like a browser, signing in at the User Console login when asked."""
        for _ in range(8):
            if response.status_code not in (302, 303):
                return response
            url = urljoin(str(response.url), response.headers["location"])
            if "/userconsole/login" in url:
                login_page = self.browser.get(url)
                action, fields = form_of(login_page.text)
                fields.update({"login": login, "password": USER_PASSWORD})
                response = self.browser.post(urljoin(url, action), data=fields)
            else:
                response = self.browser.get(url)
        raise AssertionError("too many redirects")


def add_user(sandbox: Sandbox, username: str, groups: list[str]) -> None:
    with sandbox.jumpcloud.database.transaction() as session:
        user = SystemUser(
            username=username,
            email=f"{username}@example.com",
            firstname=username.capitalize(),
            lastname="Lovelace",
            job_title="Engineer",
            work_phone="+1 555 0100",
            password_hash=hash_password(USER_PASSWORD),
        )
        session.add(user)
        for name in groups:
            group = session.query(UserGroup).filter_by(name=name).one_or_none() or UserGroup(name=name)
            group.members.append(user)
            session.add(group)


def create_application(admin: httpx.Client, base: str, key: str = "blogin", name: str = "blogin") -> str:
    response = admin.post(
        f"{base}/applications/new/{key}",
        data={"display_label": "BlogIn", "show_in_portal": "on", "application_name": name},
    )
    assert response.status_code == 302, response.text
    return response.headers["location"].split("/")[2]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox per test module (starting one takes seconds); each test makes its own application."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("idp") / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        add_user(sandbox, "ada", ["Staff"])
        add_user(sandbox, "bob", ["Contractors"])
        yield sandbox


@pytest.fixture(params=["python-xmlsec", "xmlsec1"])
def backend(request: pytest.FixtureRequest) -> str:
    """The SP's backend; the IdP signs with the default one (both are covered in tests/unit/saml)."""
    return str(request.param)


@pytest.fixture
def interop(running: Sandbox, request: pytest.FixtureRequest) -> Iterator[Interop]:
    """A BlogIn application created through the portal, "Staff" authorized: ada may sign in, bob may not."""
    backend = request.getfixturevalue("backend") if "backend" in request.fixturenames else "python-xmlsec"
    name = f"blogin-{secrets.token_hex(4)}"
    with http_client() as admin, http_client() as browser:
        sign_in_jumpcloud_admin(admin, running)
        base = running.jumpcloud.base_url
        application_id = create_application(admin, base, name=name)
        with running.jumpcloud.database.transaction() as session:
            staff_id = session.query(UserGroup).filter_by(name="Staff").one().id
        response = admin.post(f"{base}/applications/{application_id}/groups", data={"group_id": [staff_id]})
        assert response.status_code == 302
        yield Interop(running, admin, browser, application_id, name, backend)
