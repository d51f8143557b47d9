"""BlogIn signing people in through the mock JumpCloud, headless: every redirect and form post followed."""

from __future__ import annotations

import html
import re
import statistics
import time
from collections.abc import Iterator
from urllib.parse import urljoin

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.jumpcloud.models import SystemUser, UserGroup
from sandbox.passwords import hash_password
from tests.conftest import sign_in_jumpcloud_admin
from tests.integration.blogin_sso.conftest import configure, field_errors

PASSWORD = "correct horse 1"
_FORM = re.compile(r'<form[^>]*action="([^"]*)"', re.I)
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)


def form_of(page: str) -> tuple[str, dict[str, str]]:
    action = _FORM.search(page)
    assert action is not None, page[:500]
    return html.unescape(action.group(1)), {n: html.unescape(v) for n, v in _INPUT.findall(page)}


@pytest.fixture(scope="module")
def jumpcloud_app(sso_sandbox: Sandbox, admin: httpx.Client) -> Iterator[str]:
    """A BlogIn application in JumpCloud, "Staff" (with ada) authorized, each side holding the other's metadata."""
    jumpcloud = sso_sandbox.jumpcloud.base_url
    with sso_sandbox.jumpcloud.database.transaction() as session:
        user = SystemUser(
            username="ada",
            email="ada@example.com",
            firstname="Ada",
            lastname="Lovelace",
            job_title="Engineer",
            work_phone="+1 555 0100",
            password_hash=hash_password(PASSWORD),
        )
        group = UserGroup(name="Staff")
        group.members.append(user)
        session.add_all([user, group])
    with http_client() as jc_admin:
        sign_in_jumpcloud_admin(jc_admin, sso_sandbox)
        created = jc_admin.post(
            f"{jumpcloud}/applications/new/blogin",
            data={"display_label": "BlogIn", "show_in_portal": "on", "application_name": "blogin"},
        )
        assert created.status_code == 302, created.text
        application_id = created.headers["location"].split("/")[2]
        with sso_sandbox.jumpcloud.database.sessions() as session:
            staff = session.query(UserGroup).filter_by(name="Staff").one().id
        assert (
            jc_admin.post(f"{jumpcloud}/applications/{application_id}/groups", data={"group_id": [staff]}).status_code
            == 302
        )
        sp_metadata = admin.get(f"{sso_sandbox.blogin.base_url}/settings/sso/metadata.xml").text
        uploaded = jc_admin.post(
            f"{jumpcloud}/applications/{application_id}/sso/metadata",
            files={"metadata": ("blogin.xml", sp_metadata.encode(), "application/xml")},
        )
        assert uploaded.status_code == 302, uploaded.text
    saved = configure(
        admin, sso_sandbox, None, method="metadata_url", metadata_url=f"{jumpcloud}/saml2/blogin/metadata"
    )
    assert saved.status_code == 302, field_errors(saved.text)
    yield "blogin"


def follow(browser: httpx.Client, response: httpx.Response) -> httpx.Response:
    """Follow redirects and auto-posted forms like a browser, signing in at JumpCloud's User Console."""
    for _ in range(12):
        if response.status_code in (301, 302, 303):
            url = urljoin(str(response.url), response.headers["location"])
            if "/userconsole/login" in url:
                action, fields = form_of(browser.get(url).text)
                fields.update({"login": "ada@example.com", "password": PASSWORD})
                response = browser.post(urljoin(url, action), data=fields)
            else:
                response = browser.get(url)
        elif response.status_code == 200 and (
            'name="SAMLResponse"' in response.text or 'name="SAMLRequest"' in response.text
        ):
            action, fields = form_of(response.text)
            response = browser.post(urljoin(str(response.url), action), data=fields)
        else:
            return response
    raise AssertionError("too many hops")


def sp_initiated_round_trip(sandbox: Sandbox) -> httpx.Response:
    with http_client() as browser:
        start = browser.get(f"{sandbox.blogin.base_url}/sso/saml/login", params={"next": "/profile"})
        page = follow(browser, start)
        assert str(page.url).endswith("/profile"), page.text[:2000]
        return page


def test_sp_initiated_through_jumpcloud(jumpcloud_app: str, sso_sandbox: Sandbox) -> None:
    page = sp_initiated_round_trip(sso_sandbox)
    assert "ada@example.com" in page.text
    assert "Lovelace" in page.text
    assert "Engineer" in page.text


def test_idp_initiated_from_the_user_console(jumpcloud_app: str, sso_sandbox: Sandbox) -> None:
    with http_client() as browser:
        follow(browser, browser.get(f"{sso_sandbox.jumpcloud.base_url}/userconsole"))
        page = follow(browser, browser.get(f"{sso_sandbox.jumpcloud.base_url}/saml2/{jumpcloud_app}"))
        assert page.status_code == 200
        assert str(page.url).startswith(sso_sandbox.blogin.base_url)
        assert "ada@example.com" in browser.get(f"{sso_sandbox.blogin.base_url}/profile").text


def test_round_trip_runs_no_xmlsec1_program(
    jumpcloud_app: str, sso_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both systems sign and verify in process by default: pysaml2 starting a program fails the sign-in."""
    import saml2.sigver

    def no_program(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the xmlsec1 program was run: {args}")

    monkeypatch.setattr(saml2.sigver, "Popen", no_program)
    assert "ada@example.com" in sp_initiated_round_trip(sso_sandbox).text


def test_benchmark_sp_initiated_round_trip(jumpcloud_app: str, sso_sandbox: Sandbox) -> None:
    durations = []
    for _ in range(7):
        started = time.perf_counter()
        sp_initiated_round_trip(sso_sandbox)
        durations.append(time.perf_counter() - started)
    median = statistics.median(durations)
    print(f"\nSP-initiated round trip through JumpCloud, headless: median {median * 1000:.0f} ms over 7")
    assert median < 5.0
