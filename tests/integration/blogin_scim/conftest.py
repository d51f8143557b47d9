"""A running sandbox with provisioning On, shared by a module's tests, and a SCIM client for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import save_status
from sandbox.http import http_client
from sandbox.settings import Settings
from tests.conftest import sign_in_blogin_admin

SCIM = "application/scim+json"


class Scim:
    """Calls ``/sso/scim/V2`` with the Secret (Bearer) token."""

    def __init__(self, client: httpx.Client, base: str, token: str) -> None:
        self.client, self.base, self.token = client, base, token

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": SCIM, **kwargs.pop("headers", {})}
        content = kwargs.pop("content", None)
        if body is not None:
            import json

            content = json.dumps(body)
        return self.client.request(method, f"{self.base}{path}", content=content, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, operations: list[dict[str, Any]], **kwargs: Any) -> httpx.Response:
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("scim") / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def admin(running: Sandbox) -> Iterator[httpx.Client]:
    """BlogIn's administrator, signed in to the admin console (redirects are not followed)."""
    with http_client(follow_redirects=False) as client:
        sign_in_blogin_admin(client, running)
        yield client


@pytest.fixture(scope="module")
def token(running: Sandbox) -> str:
    with running.blogin.database.transaction() as session:
        issued = save_status(session, True, actor="admin@acme.example").token
    assert issued
    return issued


@pytest.fixture(scope="module")
def scim(running: Sandbox, token: str) -> Iterator[Scim]:
    with http_client() as client:
        yield Scim(client, f"{running.blogin.base_url}/sso/scim/V2", token)


USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def core_user(**attributes: Any) -> dict[str, Any]:
    """A User body with only the core schema named and ``attributes``."""
    return {"schemas": [USER_SCHEMA], **attributes}


def group_body(**attributes: Any) -> dict[str, Any]:
    """A Group body: the Group schema named and ``attributes``."""
    return {"schemas": [GROUP_SCHEMA], **attributes}


def user_body(user_name: str, **extra: Any) -> dict[str, Any]:
    """A create body shaped like JumpCloud's (REFERENCE.md)."""
    body: dict[str, Any] = {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ],
        "userName": user_name,
        "active": True,
        "displayName": user_name.split("@")[0].title(),
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"givenName": user_name.split("@")[0].title(), "familyName": "Tester"},
        "externalId": "5f1a2b3c4d5e6f7a8b9c0d1e",
    }
    body.update(extra)
    return body


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(SCIM)
    body: dict[str, Any] = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"] and "Traceback" not in body["detail"]
    return body
