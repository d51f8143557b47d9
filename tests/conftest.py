"""Fixtures shared by the whole suite: a running sandbox on free ports over real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.settings import Settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)


@pytest.fixture
def sandbox(settings: Settings) -> Iterator[Sandbox]:
    """Both systems running on loopback with fresh databases."""
    with Sandbox(settings) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """An HTTP client that reaches ``*.localhost`` and keeps cookies, like one browser."""
    with http_client(follow_redirects=False) as c:
        yield c


def sign_in_jumpcloud_admin(client: httpx.Client, sandbox: Sandbox) -> None:
    response = client.post(
        f"{sandbox.jumpcloud.base_url}/login", data={"email": "admin@example.com", "password": "sandbox"}
    )
    assert response.status_code == 302, response.text


def sign_in_blogin_admin(client: httpx.Client, sandbox: Sandbox) -> None:
    response = client.post(
        f"{sandbox.blogin.base_url}/login", data={"email": "admin@acme.example", "password": "sandbox"}
    )
    assert response.status_code == 302, response.text
