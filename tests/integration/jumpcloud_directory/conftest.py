"""One running sandbox per test module (the directory tests use distinct names, so they can share it)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.models import Administrator
from sandbox.settings import Settings


@pytest.fixture(scope="module")
def jc_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("directory") / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as running:
        yield running


@pytest.fixture(scope="module")
def base(jc_sandbox: Sandbox) -> str:
    return jc_sandbox.jumpcloud.base_url


@pytest.fixture(scope="module")
def admin(jc_sandbox: Sandbox, base: str) -> Iterator[httpx.Client]:
    """A browser signed in to the Admin Portal."""
    with http_client(follow_redirects=False) as client:
        response = client.post(f"{base}/login", data={"email": "admin@example.com", "password": "sandbox"})
        assert response.status_code == 302
        yield client


def api_key(sandbox: Sandbox) -> str:
    with sandbox.jumpcloud.database.sessions() as session:
        return session.scalars(select(Administrator.api_key)).one()


@pytest.fixture(scope="module")
def api(jc_sandbox: Sandbox, base: str) -> Iterator[httpx.Client]:
    """A script holding the organization's API key."""
    with http_client(base_url=base, headers={"x-api-key": api_key(jc_sandbox)}) as client:
        yield client
