"""JIT provisioning given attribute values longer than BlogIn keeps: the sign-in is refused saying which
attribute and how long, and no account is made (on PostgreSQL the insert used to fail as a server error)."""

from __future__ import annotations

import html

import httpx
import pytest
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.blogin.models import User
from tests.integration.blogin_sso.conftest import configure, post_to_acs, sp
from tests.integration.blogin_sso.idp import TestIdentityProvider


@pytest.fixture(autouse=True)
def sso_on(admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    assert configure(admin, sso_sandbox, idp.metadata()).status_code == 302


def accounts(sandbox: Sandbox, email: str) -> list[User]:
    with sandbox.blogin.database.sessions() as session:
        return list(session.scalars(select(User).where(User.user_name_key == email)))


def test_an_overlong_title_is_refused_by_name(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    email = "long.title@acme.example"
    attributes = {"email": [email], "firstname": ["Lena"], "title": ["Principal " * 30]}
    answer = post_to_acs(
        browser, sso_sandbox, idp.signed_response(email=email, attributes=attributes, **sp(sso_sandbox))
    )
    assert answer.status_code == 403
    page = html.unescape(answer.text)
    assert "The assertion's title attribute is 299 characters long; BlogIn keeps at most 256." in page
    assert accounts(sso_sandbox, email) == []


def test_values_as_long_as_blogin_keeps_sign_in(
    browser: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    email = "long.names@acme.example"
    attributes = {"email": [email], "firstname": ["F" * 256], "lastname": ["L" * 256], "phone": ["5" * 64]}
    answer = post_to_acs(
        browser, sso_sandbox, idp.signed_response(email=email, attributes=attributes, **sp(sso_sandbox))
    )
    assert answer.status_code == 303, answer.text
    [user] = accounts(sso_sandbox, email)
    assert (len(user.given_name), len(user.family_name), len(user.phone)) == (256, 256, 64)
    # The display name is both names, kept to the 512 characters its column holds.
    assert len(user.display_name) == 512
