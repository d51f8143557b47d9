"""The remembered session cookie behaves as Flask's own: tampering, expiry and copies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from flask import Flask, session
from flask.json.tag import TaggedJSONSerializer
from flask.testing import FlaskClient
from markupsafe import Markup

from sandbox.webcommon import PlainFirstSerializer, install_cookie_sessions


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test secret", SESSION_COOKIE_NAME="test_session")
    install_cookie_sessions(app)

    @app.post("/sign-in/<name>")
    def sign_in(name: str) -> str:
        session["user"] = name
        session["groups"] = ["staff"]
        return "signed in"

    @app.get("/who")
    def who() -> str:
        return f"{session.get('user', 'nobody')} {','.join(session.get('groups', []))}"

    @app.post("/join/<group>")
    def join(group: str) -> str:
        # A change inside a value, as a careless view would make it, without marking the session modified.
        session["groups"].append(group)
        return "joined"

    return app


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("test_session")
    assert cookie is not None
    return cookie.value


def test_a_remembered_cookie_reads_the_same_again(app: Flask) -> None:
    client = app.test_client()
    client.post("/sign-in/ada")
    assert client.get("/who").text == "ada staff"
    assert client.get("/who").text == "ada staff"


def test_a_tampered_cookie_is_refused_even_after_the_genuine_one_was_remembered(app: Flask) -> None:
    client = app.test_client()
    client.post("/sign-in/ada")
    genuine = _cookie(client)
    assert client.get("/who").text == "ada staff"
    payload, _, signature = genuine.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie("test_session", forged)
    assert client.get("/who").text == "nobody "


def test_a_remembered_cookie_still_expires(app: Flask) -> None:
    client = app.test_client()
    client.post("/sign-in/ada")
    assert client.get("/who").text == "ada staff"
    app.permanent_session_lifetime = timedelta(seconds=-1)
    assert client.get("/who").text == "nobody "


def test_each_request_gets_its_own_copy_of_the_values(app: Flask) -> None:
    client = app.test_client()
    client.post("/sign-in/ada")
    cookie = _cookie(client)
    assert client.get("/who").text == "ada staff"
    client.post("/join/admins")
    # The unsaved change did not leak into what the same cookie reads as next time.
    client.set_cookie("test_session", cookie)
    assert client.get("/who").text == "ada staff"


def test_values_nested_in_dicts_and_tuples_are_copied_too(app: Flask) -> None:
    @app.post("/profile")
    def profile() -> str:
        session["profile"] = {"attributes": {"email": ["ada@example.com"]}, "pair": (["a"], "b")}
        return "saved"

    @app.post("/tamper")
    def tamper() -> str:
        session["profile"]["attributes"]["email"].append("eve@example.com")
        session["profile"]["attributes"]["role"] = ["Administrator"]
        session["profile"]["pair"][0].append("c")
        return "changed in place"

    @app.get("/profile")
    def read() -> dict[str, object]:
        return dict(session["profile"])

    client = app.test_client()
    client.post("/profile")
    cookie = _cookie(client)
    first = client.get("/profile").json
    client.post("/tamper")
    client.set_cookie("test_session", cookie)
    assert client.get("/profile").json == first == {"attributes": {"email": ["ada@example.com"]}, "pair": [["a"], "b"]}


@pytest.mark.parametrize(
    "value",
    [
        {"user_id": "u-1", "auth_method": "SSO", "_fresh": True, "count": 3, "ratio": 0.5, "none": None},
        {"sso_profile": {"issuer": "JumpCloud", "attributes": {"email": ["ada@example.com"], "groups": []}}},
        {"_flashes": [["success", "Saved."]], "nested": [[{"a": "b"}]]},
        # What Flask tags: these take its own way, and must come out the same.
        {"pair": ("a", "b"), "raw": b"\x00\x01", "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)},
        {"looks_tagged": {" t": ["a"]}, "html": Markup("<b>x</b>"), "id": UUID(int=7)},
        {"numbers": {1: "one"}},
    ],
)
def test_the_cookie_serializer_writes_what_flasks_writes(app: Flask, value: dict[str, object]) -> None:
    with app.app_context():
        assert PlainFirstSerializer().dumps(value) == TaggedJSONSerializer().dumps(value)
        assert PlainFirstSerializer().loads(PlainFirstSerializer().dumps(value)) == TaggedJSONSerializer().loads(
            TaggedJSONSerializer().dumps(value)
        )


def test_a_new_secret_key_signs_new_cookies_with_it(app: Flask) -> None:
    client = app.test_client()
    client.post("/sign-in/ada")
    assert client.get("/who").text == "ada staff"
    app.secret_key = "another secret"
    # The cookie signed with the old key no longer verifies; a new one is signed with the new key.
    assert client.get("/who").text == "nobody "
    client.post("/sign-in/bob")
    assert client.get("/who").text == "bob staff"
