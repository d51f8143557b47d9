"""Authentication, discovery, content types, error bodies for anything malformed, traces and audit."""

from __future__ import annotations

import httpx

from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import regenerate_token, save_status
from tests.integration.blogin_scim.conftest import Scim, assert_scim_error, core_user, user_body


def test_discovery_documents_say_what_is_implemented(scim: Scim) -> None:
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    assert config["filter"] == {"supported": True, "maxResults": 1000}
    assert config["etag"]["supported"] is True and config["sort"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("/ResourceTypes").json()
    assert {t["name"] for t in types["Resources"]} == {"User", "Group"}
    assert scim.get("/ResourceTypes/User").json()["schemaExtensions"][0]["required"] is False
    schemas = scim.get("/Schemas").json()
    ids = {s["id"] for s in schemas["Resources"]}
    assert "urn:ietf:params:scim:schemas:core:2.0:User" in ids
    user_schema = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    password = next(a for a in user_schema["attributes"] if a["name"] == "password")
    assert (password["mutability"], password["returned"]) == ("writeOnly", "never")
    assert_scim_error(scim.request("POST", "/Bulk", {"Operations": []}), 501)


def test_token_problems_are_401_and_change_nothing(scim: Scim, running: Sandbox) -> None:
    url = f"{scim.base}/Users"
    body = user_body("intruder@acme.example")
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {scim.token}"}):
        response = scim.client.post(url, json=body, headers=headers)
        assert_scim_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert scim.get("/Users", params={"filter": 'userName eq "intruder@acme.example"'}).json()["totalResults"] == 0


def test_status_off_and_regenerated_token(scim: Scim, running: Sandbox) -> None:
    database = running.blogin.database
    with database.transaction() as session:
        save_status(session, False, actor="admin@acme.example")
    try:
        body = assert_scim_error(scim.post("/Users", user_body("while.off@acme.example")), 401)
        assert "Off" in body["detail"]
    finally:
        with database.transaction() as session:
            save_status(session, True, actor="admin@acme.example")
    old = scim.token
    with database.transaction() as session:
        scim.token = str(regenerate_token(session, actor="admin@acme.example").token)
    assert scim.get("/Users").status_code == 200
    refused = scim.client.get(f"{scim.base}/Users", headers={"Authorization": f"Bearer {old}"})
    assert_scim_error(refused, 401)


def test_malformed_requests_answer_scim_errors_never_500(scim: Scim) -> None:
    assert_scim_error(scim.request("POST", "/Users", content=b"{not json"), 400, "invalidSyntax")
    assert_scim_error(scim.request("POST", "/Users", content=b""), 400, "invalidSyntax")
    assert_scim_error(scim.request("POST", "/Users", content=b"[1, 2]"), 400, "invalidValue")
    assert_scim_error(scim.request("POST", "/Users", content=b"\xff\xfe"), 400, "invalidSyntax")
    assert_scim_error(scim.post("/Users", core_user(userName=["a"])), 400, "invalidValue")
    assert_scim_error(scim.post("/Users", core_user(userName="  ")), 400, "invalidValue")
    assert_scim_error(scim.post("/Users", core_user(userName="x@y", emails=[["nested"]])), 400, "invalidValue")
    wrong_type = scim.request("POST", "/Users", content=b"userName=x", headers={"Content-Type": "text/plain"})
    assert_scim_error(wrong_type, 415)
    as_json = scim.request(
        "POST",
        "/Users",
        content=b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "plain.json@acme.example"}',
        headers={"Content-Type": "application/json"},
    )
    assert as_json.status_code == 201
    assert_scim_error(scim.get("/Nowhere"), 404)
    assert_scim_error(scim.request("DELETE", "/Users"), 405)


def test_pages_outside_scim_keep_their_html_errors(scim: Scim, running: Sandbox) -> None:
    response = httpx.Client(transport=scim.client._transport).get(f"{running.blogin.base_url}/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_every_exchange_is_recorded_with_the_token_masked(scim: Scim, running: Sandbox) -> None:
    scim.post("/Users", user_body("traced@acme.example"))
    scim.get("/Users", params={"filter": "userName eq"})
    traces = running.blogin.recent_traces("scim", limit=5)
    create, failed = traces[-2], traces[-1]
    assert create.summary == "POST /Users → 201" and create.success
    data = create.data
    assert data["direction"] == "received" and data["status"] == 201 and data["latency_ms"] >= 0
    assert "traced@acme.example" in data["request_body"] and "traced@acme.example" in data["response_body"]
    assert scim.token not in str(data) and "••••" in data["request_headers"]["Authorization"]
    assert not failed.success and failed.data["status"] == 400 and "invalidFilter" in failed.data["response_body"]


def test_changes_write_audit_events(scim: Scim, running: Sandbox) -> None:
    user = scim.post("/Users", user_body("audited@acme.example")).json()
    scim.patch(f"/Users/{user['id']}", [{"op": "replace", "path": "active", "value": False}])
    scim.delete(f"/Users/{user['id']}")
    kinds = [e.event_type for e in running.blogin.recent_events(20)]
    assert kinds[-3:] == ["scim_user_created", "scim_user_deactivated", "scim_user_deleted"]
    summaries = [e.summary for e in running.blogin.recent_events(3)]
    assert summaries[-1] == "SCIM deleted user audited@acme.example"


def test_recorded_urls_read_as_requested(scim: Scim, running: Sandbox) -> None:
    scim.get("/Users", params={"startIndex": 1, "count": 2})
    scim.get("/Users", params={"filter": 'userName eq "nobody@acme.example"'})
    plain, filtered = running.blogin.recent_traces("scim", limit=2)
    assert plain.data["url"] == f"{scim.base}/Users?startIndex=1&count=2"
    assert filtered.data["url"] == f'{scim.base}/Users?filter=userName+eq+"nobody@acme.example"'


def test_a_listed_user_reads_the_same_as_the_user_fetched_alone(scim: Scim) -> None:
    created = scim.post("/Users", user_body("listed.alike@acme.example", phoneNumbers=[{"value": "+1 555 0100"}]))
    assert created.status_code == 201
    patched = scim.patch(f"/Users/{created.json()['id']}", [{"op": "replace", "path": "title", "value": "Lister"}])
    assert patched.status_code == 200
    listed = scim.get("/Users", params={"count": 200}).json()["Resources"]
    for resource in listed:
        assert resource == scim.get(f"/Users/{resource['id']}").json()
    mine = next(r for r in listed if r["userName"] == "listed.alike@acme.example")
    assert mine["meta"]["created"].endswith("Z") and mine["meta"]["lastModified"] > mine["meta"]["created"]


def test_a_fault_on_the_nth_request_counts_reads(scim: Scim, running: Sandbox) -> None:
    running.blogin.set_scim_fault("Users", status=429, only_nth=2, retry_after_s=7)
    try:
        assert scim.get("/Users", params={"count": 1}).status_code == 200
        second = scim.get("/Users", params={"count": 1})
        assert second.status_code == 429 and second.headers["Retry-After"] == "7"
        assert scim.get("/Users", params={"count": 1}).status_code == 200
    finally:
        running.blogin.clear_scim_faults()
    assert scim.get("/Users", params={"count": 1}).status_code == 200
