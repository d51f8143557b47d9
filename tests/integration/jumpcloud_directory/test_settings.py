"""Settings: the API key (masked, shown, regenerated) and the administrator's account."""

from __future__ import annotations

import httpx

from sandbox.app import Sandbox
from sandbox.http import http_client
from tests.integration.jumpcloud_directory.conftest import api_key


def test_api_key_is_masked_and_regenerating_revokes_the_old_one(
    admin: httpx.Client, base: str, jc_sandbox: Sandbox
) -> None:
    old_key = api_key(jc_sandbox)
    page = admin.get(f"{base}/settings")
    assert page.status_code == 200
    assert f'value="{"•" * (len(old_key) - 4)}{old_key[-4:]}"' in page.text
    assert "Show" in page.text and "Copy" in page.text and "Generate New API Key" in page.text
    with http_client(base_url=base) as script:
        assert script.get("/api/systemusers", headers={"x-api-key": old_key}).status_code == 200
        unconfirmed = admin.post(f"{base}/settings/api-key/regenerate")
        assert unconfirmed.status_code == 302 and api_key(jc_sandbox) == old_key
        assert admin.post(f"{base}/settings/api-key/regenerate", data={"confirm": "yes"}).status_code == 302
        new_key = api_key(jc_sandbox)
        assert new_key != old_key
        assert "The previous key no longer works." in admin.get(f"{base}/settings").text
        assert script.get("/api/systemusers", headers={"x-api-key": old_key}).status_code == 401
        assert script.get("/api/systemusers", headers={"x-api-key": new_key}).status_code == 200
        insights = admin.get(f"{base}/insights", params={"event_type": "admin_update"}).text
        assert "apiKey" in insights and old_key not in insights and new_key not in insights


def test_administrator_changes_password(admin: httpx.Client, base: str) -> None:
    page = admin.get(f"{base}/settings")
    assert "admin@example.com" in page.text and "Administrator Account" in page.text
    wrong = admin.post(f"{base}/settings/password", data={"current_password": "nope", "new_password": "abc"})
    assert wrong.status_code == 400
    assert "The current password is not correct." in wrong.text and "at least 6 characters" in wrong.text
    done = admin.post(f"{base}/settings/password", data={"current_password": "sandbox", "new_password": "sandbox-2"})
    assert done.status_code == 302
    with http_client(follow_redirects=False) as browser:
        old = browser.post(f"{base}/login", data={"email": "admin@example.com", "password": "sandbox"})
        assert old.status_code == 401
        assert (
            browser.post(f"{base}/login", data={"email": "admin@example.com", "password": "sandbox-2"}).status_code
            == 302
        )
