"""How the SCIM service answers at the HTTP level: HEAD, OPTIONS, conditional GETs, odd paths, oversized
bodies and non-ASCII text, each kept in the exchange record like any other request."""

from __future__ import annotations

from sandbox.app import Sandbox
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, user_body


def _created(scim: Scim, user_name: str, **extra: object) -> dict[str, object]:
    response = scim.post("/Users", user_body(user_name, **extra))
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_head_answers_a_gets_headers_without_its_body(scim: Scim, running: Sandbox) -> None:
    user = _created(scim, "head.request@acme.example")
    got = scim.get(f"/Users/{user['id']}")
    head = scim.request("HEAD", f"/Users/{user['id']}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == got.headers["ETag"] == 'W/"1"'
    assert head.headers["Content-Length"] == got.headers["Content-Length"] == str(len(got.content))
    [trace] = running.blogin.recent_traces("scim", limit=1)
    assert trace.summary == f"HEAD /Users/{user['id']} → 200"


def test_options_lists_the_methods_of_the_path(scim: Scim) -> None:
    collection = scim.request("OPTIONS", "/Users")
    assert collection.status_code == 200
    assert collection.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    one = scim.request("OPTIONS", "/Groups/anything")
    assert one.headers["Allow"] == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
    assert_scim_error(scim.request("OPTIONS", "/Nowhere"), 404)


def test_if_none_match_answers_304_with_only_the_etag(scim: Scim) -> None:
    user = _created(scim, "not.modified@acme.example")
    response = scim.get(f"/Users/{user['id']}", headers={"If-None-Match": 'W/"1"'})
    assert response.status_code == 304 and response.content == b""
    assert response.headers["ETag"] == 'W/"1"' and "content-type" not in response.headers
    assert scim.get(f"/Users/{user['id']}", headers={"If-None-Match": 'W/"2"'}).status_code == 200


def test_paths_route_as_before(scim: Scim) -> None:
    # /Users/.search is the search for POST, and names a user (who does not exist) otherwise.
    body = assert_scim_error(scim.get("/Users/.search"), 404)
    assert body["detail"] == "No user has the id '.search'."
    search = scim.post("/Users/.search", {"filter": 'userName eq "nobody@acme.example"'})
    assert search.status_code == 200 and search.json()["totalResults"] == 0
    assert_scim_error(scim.get("/Users/"), 404)
    assert_scim_error(scim.request("PUT", "/Users", {}), 405)
    head = scim.request("HEAD", "/Bulk")
    assert head.status_code == 405 and head.content == b""
    moved = scim.get("//Users", params={"count": 1})
    assert moved.status_code == 308
    assert moved.headers["Location"] == f"{scim.base}/Users?count=1"
    schema = scim.get("/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
    assert schema.status_code == 200 and schema.json()["name"] == "EnterpriseUser"


def test_non_ascii_paths_and_bodies(scim: Scim, running: Sandbox) -> None:
    body = assert_scim_error(scim.get("/Users/caf%C3%A9"), 404)
    assert body["detail"] == "No user has the id 'café'."
    [trace] = running.blogin.recent_traces("scim", limit=1)
    assert trace.data["path"] == "/Users/café" and trace.summary == "GET /Users/café → 404"
    created = scim.post("/Users", user_body("zoe.unicode@acme.example", displayName="Zoë ☃"))
    assert created.status_code == 201
    # UTF-8 as it is, not \u escapes.
    assert "Zoë ☃".encode() in created.content and created.json()["displayName"] == "Zoë ☃"


def test_a_body_over_the_limit_is_refused_and_recorded(scim: Scim, running: Sandbox) -> None:
    too_big = b'{"userName": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    body = assert_scim_error(scim.request("POST", "/Users", content=too_big), 413)
    assert "is larger than BlogIn accepts: at most 8,388,608 bytes (8 MB)" in body["detail"]
    [trace] = running.blogin.recent_traces("scim", limit=1)
    assert trace.summary == "POST /Users → 413" and not trace.success
    assert trace.data["request_body"] is None


def test_a_refused_token_is_recorded_with_the_secret_masked(scim: Scim, running: Sandbox) -> None:
    response = scim.client.get(f"{scim.base}/Users/x", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert_scim_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="BlogIn SCIM"'
    [trace] = running.blogin.recent_traces("scim", limit=1)
    assert trace.data["request_headers"]["Authorization"] == "Bearer not-••••"
    assert trace.data["response_headers"]["WWW-Authenticate"] == 'Bearer realm="BlogIn SCIM"'
