"""A running sandbox per module, an independent test IdP with its own keys, and helpers to sign in over HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from flask import Flask, Response
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.saml.keys import KeyPair, generate_key_pair
from sandbox.server import ServerThread
from sandbox.settings import Settings
from tests.integration.blogin_sso.idp import TestIdentityProvider

ADMIN = {"email": "admin@acme.example", "password": "sandbox"}


@dataclass
class MetadataHost:
    """idp.test.localhost: serves whatever metadata a test puts in ``documents`` (path → (status, body, delay)).

    ``headers`` adds response headers to a path (a ``Location`` for redirects, a ``Content-Type``);
    ``trickles`` makes a path send a space every ``interval`` seconds, ``count`` times (path → (interval, count)).
    """

    port: int
    documents: dict[str, tuple[int, str | bytes, float]] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    trickles: dict[str, tuple[float, int]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://idp.test.localhost:{self.port}{path}"


@pytest.fixture(scope="module")
def sso_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("sso") / "data", jumpcloud_port=0, blogin_port=0)
    with Sandbox(settings) as running:
        yield running


@pytest.fixture(scope="module")
def idp_keys() -> KeyPair:
    return generate_key_pair("Test IdP")


@pytest.fixture(scope="module")
def other_keys() -> KeyPair:
    return generate_key_pair("Test IdP")  # same name, different key: a look-alike


@pytest.fixture(scope="module")
def admin(sso_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with http_client(follow_redirects=False) as client:
        response = client.post(f"{sso_sandbox.blogin.base_url}/login", data=ADMIN)
        assert response.status_code == 302
        yield client


@pytest.fixture(scope="module")
def idp(
    sso_sandbox: Sandbox, admin: httpx.Client, idp_keys: KeyPair, tmp_path_factory: pytest.TempPathFactory
) -> TestIdentityProvider:
    provider = TestIdentityProvider(tmp_path_factory.mktemp("idp"), idp_keys)
    sp_metadata = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso/metadata.xml")
    assert sp_metadata.status_code == 200
    provider.trust(sp_metadata.text)
    return provider


@pytest.fixture(scope="module")
def metadata_host() -> Iterator[MetadataHost]:
    host = MetadataHost(port=0)
    app = Flask("test_idp_metadata")

    @app.get("/<path:path>")
    def serve(path: str) -> Response:
        if f"/{path}" in host.trickles:
            interval, count = host.trickles[f"/{path}"]

            def trickle() -> Iterator[bytes]:
                for _ in range(count):
                    time.sleep(interval)
                    yield b" "

            return Response(trickle(), mimetype="application/xml")
        status, body, delay = host.documents.get(f"/{path}", (404, "not here", 0.0))
        if delay:
            time.sleep(delay)
        response = Response(body, status=status, mimetype="application/xml")
        response.headers.update(host.headers.get(f"/{path}", {}))
        return response

    server = ServerThread(app, system="test IdP", port=0, option="-")
    host.port = server.port
    server.start()
    yield host
    server.stop()


def sso_form(**overrides: Any) -> dict[str, str]:
    form = {
        "enabled": "on",
        "name": "Test IdP",
        "method": "metadata_file",
        "default_role": "Writer",
        "jit_enabled": "on",
        "allowed_skew_s": "60",
        "signatures_required": "assertion",
        "idp_initiated_allowed": "on",
    }
    for key, value in overrides.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


def configure(admin: httpx.Client, sandbox: Sandbox, metadata: str | None, **overrides: Any) -> httpx.Response:
    """Save the Single Sign-On tab; ``metadata`` is uploaded as the metadata file."""
    files = {"metadata_file": ("idp-metadata.xml", (metadata or "").encode(), "application/xml")} if metadata else None
    return admin.post(f"{sandbox.blogin.base_url}/settings/sso", data=sso_form(**overrides), files=files)


def field_errors(html: str) -> dict[str, str]:
    """Field name → message, as the form shows them (``html`` as served, still escaped)."""
    found = re.findall(r'<div class="field-error" id="error-([a-z_]+)">([^<]*)</div>', html)
    return {name: unescape(message) for name, message in found}


def unescape(html: str) -> str:
    import html as html_module

    return html_module.unescape(html)


def sp_initiated_request(browser: httpx.Client, sandbox: Sandbox, target: str = "/profile") -> tuple[str, str, str]:
    """Click "Log in with SSO": (binding, SAMLRequest, RelayState) as the IdP receives them."""
    response = browser.get(f"{sandbox.blogin.base_url}/sso/saml/login", params={"next": target})
    if response.status_code in (302, 303):
        query = parse_qs(urlsplit(response.headers["location"]).query)
        return BINDING_HTTP_REDIRECT, query["SAMLRequest"][0], query.get("RelayState", [""])[0]
    assert response.status_code == 200, response.text
    fields = dict(re.findall(r'name="(SAMLRequest|RelayState)" value="([^"]*)"', response.text))
    return BINDING_HTTP_POST, fields["SAMLRequest"], fields.get("RelayState", "")


def post_to_acs(
    browser: httpx.Client, sandbox: Sandbox, saml_response: str, relay_state: str | None = None
) -> httpx.Response:
    data = {"SAMLResponse": saml_response}
    if relay_state is not None:
        data["RelayState"] = relay_state
    return browser.post(f"{sandbox.blogin.base_url}/sso/saml/callback", data=data)


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    """A fresh end user's browser."""
    with http_client(follow_redirects=False) as client:
        yield client


def sp(sandbox: Sandbox) -> dict[str, str]:
    base = sandbox.blogin.base_url
    return {"sp_entity_id": f"{base}/", "acs_url": f"{base}/sso/saml/callback"}
