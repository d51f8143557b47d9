"""BlogIn on PostgreSQL given values its columns cannot take (longer than the column, a NUL character):
each is refused with a clear answer, never a server error, and what BlogIn records of it is kept."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import save_status
from sandbox.http import http_client
from sandbox.settings import Settings
from tests.integration.blogin_sso.test_login_typed_values import login_with_unusable_emails
from tests.integration.databases.postgresql import PostgresServer

SCIM_TYPE = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module")
def blogin(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("values") / "data",
        jumpcloud_port=0,
        blogin_port=0,
        db_url_blogin=postgres.create_database("blogin_values"),
    )
    with Sandbox(settings) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def scim(blogin: Sandbox) -> Iterator[httpx.Client]:
    with blogin.blogin.database.transaction() as session:
        token = save_status(session, True, actor="admin@acme.example").token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCIM_TYPE}
    with http_client(base_url=f"{blogin.blogin.base_url}/sso/scim/V2", headers=headers) as client:
        yield client


def create(scim: httpx.Client, **body: Any) -> httpx.Response:
    return scim.post("/Users", content=json.dumps({"schemas": [USER_SCHEMA], **body}))


def test_scim_values_the_columns_cannot_take_are_400_naming_the_attribute(scim: httpx.Client) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"userName": "u" * 300}, "'userName' is 300 characters long; BlogIn keeps at most 256."),
        ({"userName": "ada", "name": {"givenName": "A\u0000da"}}, "'name.givenName' contains a NUL character"),
        ({"userName": "a\u0000da"}, "'userName' contains a NUL character"),
        ({"userName": "ada", "timezone": "Z" * 65}, "'timezone' is 65 characters long; BlogIn keeps at most 64."),
    ]
    for body, said in cases:
        answer = create(scim, **body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["scimType"] == "invalidValue"
        assert said in answer.json()["detail"]


def test_a_nul_in_a_path_or_a_member_is_400_and_the_exchange_is_kept(blogin: Sandbox, scim: httpx.Client) -> None:
    for answer in (
        scim.get("/Users/a%00b"),
        scim.post(
            "/Groups",
            content=json.dumps(
                {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Nul member",
                    "members": [{"value": "x\u0000"}],
                }
            ),
        ),
    ):
        assert answer.status_code == 400, answer.text
        assert answer.json()["scimType"] == "invalidValue"
        assert "Traceback" not in answer.text
    # The trace writer stores the exchanges (a NUL in the summary would have lost its whole batch).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        summaries = [trace.summary for trace in blogin.blogin.recent_traces("scim", 50)]
        if "GET /Users/a\u2400b → 400" in summaries and "POST /Groups → 400" in summaries:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the exchanges were not kept: {summaries}")


def test_the_login_form_says_why_a_nul_or_an_overlong_email_cannot_be_used(blogin: Sandbox) -> None:
    # PostgreSQL refuses a NUL character in any statement: the login form answers before looking it up.
    login_with_unusable_emails(blogin)
