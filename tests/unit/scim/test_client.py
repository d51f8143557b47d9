"""The SCIM client: typed results against scim2-server, plain failure kinds, masked records."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from sandbox.http import LoopbackTransport
from sandbox.scim.answers import total_results
from sandbox.scim.client import (
    CONFLICT,
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    INVALID_JSON,
    MISSING_ID,
    NOT_FOUND,
    NOT_SCIM,
    RATE_LIMITED,
    REDIRECTED,
    REJECTED,
    SERVER_ERROR,
    TIMEOUT,
    UNAUTHORIZED,
    UNREACHABLE,
    UNTRUSTED_CERTIFICATE,
    USER_SCHEMA,
    ScimClient,
    ScimRequestError,
)
from sandbox.scim.http11 import KeepAlivePool
from sandbox.scim.transport import path_segment
from sandbox.server import ServerThread
from tests.integration.jumpcloud_idm.quirky_server import (
    BASE_PATH,
    ESCAPED_IDS,
    OLD_BASE_PATH,
    Quirks,
    QuirkyScim,
    quirky_server,
    self_signed_https,
)
from tests.integration.jumpcloud_idm.scim_servers import ScimServer, scim2_server


@pytest.fixture(scope="module")
def scim() -> Iterator[ScimServer]:
    with scim2_server() as server:
        yield server


@contextmanager
def canned(status: str, body: bytes, headers: list[tuple[str, str]], delay: float = 0.0) -> Iterator[str]:
    """A server answering every request the same way."""

    def app(_environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        time.sleep(delay)
        start_response(status, headers)
        return [body]

    server = ServerThread(app, system="canned", port=0, option="--port", threads=2)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}/scim/v2"
    finally:
        server.stop()


def test_users_and_groups_round_trip_with_typed_results(scim: ScimServer) -> None:
    records: list[dict[str, Any]] = []
    with ScimClient(scim.base_url, scim.token, on_exchange=records.append) as client:
        assert client.find_user("zed") is None
        user = client.create_user(
            {
                "schemas": [USER_SCHEMA],
                "userName": "zed",
                "emails": [{"value": "z@x.example", "primary": True}],
                "password": "Secr3t!",
            }
        )
        assert (user.user_name, user.primary_email, user.active) == ("zed", "z@x.example", True)
        client.patch_user(user.id, [{"op": "replace", "path": "active", "value": False}])
        found = client.find_user("ZED")
        assert found is not None and found.id == user.id and not found.active
        group = client.create_group({"schemas": [GROUP_SCHEMA], "displayName": "Zeds", "members": []})
        client.update_group_members(group.id, add=[user.id])
        client.update_group_members(group.id, add=[user.id])  # repeated adds are accepted
        loaded = client.find_group("zeds")
        assert loaded is not None and loaded.member_ids == [user.id]
        # scim2-server refuses value-list removals; the client falls back to filter paths.
        client.update_group_members(group.id, remove=[user.id])
        loaded = client.find_group("Zeds")
        assert loaded is not None and loaded.member_ids == []
        page = client.list_users(1, 100)
        assert page.total_results >= 1 and any(u.id == user.id for u in page.users)
        client.delete_user(user.id)
        with pytest.raises(ScimRequestError) as missing:
            client.delete_user(user.id)
        assert missing.value.kind == NOT_FOUND
    post = next(r for r in records if r["method"] == "POST" and r["path"] == "/Users")
    assert post["request_headers"]["authorization"] == "Bearer test••••"
    assert post["request_headers"]["content-type"] == "application/scim+json"
    assert "Secr3t!" not in post["request_body"] and json.loads(post["request_body"])["password"] == "••••"
    assert post["status"] == 201 and post["resource_type"] == "User"
    # A lookup is recorded with its query, as the server records it, so the traffic view shows the filter.
    lookup = next(r for r in records if r["method"] == "GET" and r["path"].startswith("/Users?"))
    assert "filter=" in lookup["path"] and lookup["url"].endswith(lookup["path"])
    assert lookup["resource_type"] == "User"


def test_paging_reads_every_user(scim: ScimServer) -> None:
    with ScimClient(scim.base_url, scim.token) as client:
        for n in range(7):
            client.create_user({"userName": f"pager{n}"})
        listed = client.all_users(page_size=3)
    assert {f"pager{n}" for n in range(7)} <= {u.user_name for u in listed}


def test_pages_fetched_side_by_side_come_back_in_order(scim: ScimServer) -> None:
    with ScimClient(scim.base_url, scim.token) as client:
        for n in range(23):
            client.create_user({"userName": f"side{n:02d}"})
    one_by_one: list[dict[str, Any]] = []
    side_by_side: list[dict[str, Any]] = []
    with ScimClient(scim.base_url, scim.token, on_exchange=one_by_one.append) as client:
        expected = [u.id for u in client.all_users(page_size=5)]
    with ScimClient(scim.base_url, scim.token, on_exchange=side_by_side.append) as client:
        listed = [u.id for u in client.all_users(page_size=5, parallel=3)]
        assert client.on_exchange is not None  # the caller's recorder is back
    assert listed == expected and len(set(listed)) == len(listed) >= 23
    starts = [int(httpx.URL(r["url"]).params["startIndex"]) for r in side_by_side]
    assert starts == [int(httpx.URL(r["url"]).params["startIndex"]) for r in one_by_one]
    assert starts == sorted(starts) and len(starts) > 3


def test_several_users_are_looked_up_in_one_request(scim: ScimServer) -> None:
    records: list[dict[str, Any]] = []
    with ScimClient(scim.base_url, scim.token, on_exchange=records.append) as client:
        ann = client.create_user({"userName": "batch.ann"})
        bo = client.create_user({"userName": "Batch.Bo"})
        records.clear()
        found = client.find_users(["batch.ann", "batch.bo", 'batch."cy"'])
    assert len(records) == 1 and records[0]["method"] == "GET"
    assert httpx.URL(records[0]["url"]).params["filter"] == (
        'userName eq "batch.ann" or userName eq "batch.bo" or userName eq "batch.\\"cy\\""'
    )
    assert {key: (user.id if user else None) for key, user in found.items()} == {
        "batch.ann": ann.id,
        "batch.bo": bo.id,
        'batch."cy"': None,
    }


def test_a_lookup_answer_without_every_match_settles_only_the_users_it_holds() -> None:
    # A server that ignored the filter and paged through all its users: absence proves nothing.
    page = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 250,
        "Resources": [{"id": "1", "userName": "kim"}, {"id": "2", "userName": "someone.else"}],
    }
    with (
        canned("200 OK", json.dumps(page).encode(), [("Content-Type", "application/scim+json")]) as url,
        ScimClient(url, "t") as client,
    ):
        found = client.find_users(["kim", "lee"])
    assert list(found) == ["kim"] and found["kim"] is not None and found["kim"].id == "1"


def test_a_server_without_or_filters_refuses_the_batched_lookup() -> None:
    error = b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter"}'
    with (
        canned("400 Bad Request", error, [("Content-Type", "application/scim+json")]) as url,
        ScimClient(url, "t") as client,
        pytest.raises(ScimRequestError) as raised,
    ):
        client.find_users(["kim", "lee"])
    assert raised.value.kind == REJECTED and raised.value.status == 400


@pytest.mark.parametrize(
    ("status", "body", "headers", "kind", "words"),
    [
        ("401 Unauthorized", b"{}", [("Content-Type", "application/json")], UNAUTHORIZED, "refused the Token Key"),
        ("200 OK", b"<html>login</html>", [("Content-Type", "text/html")], NOT_SCIM, "web page"),
        ("200 OK", b"{not json", [("Content-Type", "application/json")], INVALID_JSON, "invalid JSON"),
        ("404 Not Found", b"<html>nope</html>", [("Content-Type", "text/html")], NOT_SCIM, "Base URL right?"),
        ("503 Unavailable", b"{}", [("Content-Type", "application/json")], SERVER_ERROR, "failed with 503"),
        ("429 Slow", b"{}", [("Retry-After", "7")], RATE_LIMITED, "slow down"),
    ],
)
def test_failures_have_a_kind_and_a_plain_message(
    status: str, body: bytes, headers: list[tuple[str, str]], kind: str, words: str
) -> None:
    with (
        canned(status, body, headers) as url,
        ScimClient(url, "t") as client,
        pytest.raises(ScimRequestError) as raised,
    ):
        client.find_user("x")
    assert raised.value.kind == kind and words in str(raised.value)
    if kind == RATE_LIMITED:
        assert raised.value.retry_after == 7 and raised.value.retryable


@pytest.mark.parametrize("detail", ["Test fault: forced 503 on this endpoint.", "Busy, try later"])
def test_a_server_detail_ends_the_message_with_one_full_stop(detail: str) -> None:
    body = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "503", "detail": detail})
    with (
        canned("503 Unavailable", body.encode(), [("Content-Type", "application/scim+json")]) as url,
        ScimClient(url, "t") as client,
        pytest.raises(ScimRequestError) as raised,
    ):
        client.find_user("x")
    message = str(raised.value)
    assert message.endswith(f"failed with 503: {detail.rstrip('.')}.") and ".." not in message


def test_unreachable_and_timeout() -> None:
    records: list[dict[str, Any]] = []
    client = ScimClient("http://127.0.0.1:9/v2", "t", on_exchange=records.append)
    with client, pytest.raises(ScimRequestError) as refused:
        client.find_user("x")
    assert refused.value.kind == UNREACHABLE and "connection refused" in str(refused.value)
    assert records[0]["status"] is None and records[0]["error"]
    with canned("200 OK", b"{}", [], delay=1.0) as url, pytest.raises(ScimRequestError) as slow:
        ScimClient(url, "t", timeout=0.2).find_user("x")
    assert slow.value.kind == TIMEOUT and slow.value.retryable


def test_a_bare_transport_serves_the_same_requests_with_their_timeout(scim: ScimServer) -> None:
    records: list[dict[str, Any]] = []
    with LoopbackTransport() as transport:
        client = ScimClient(scim.base_url, scim.token, client=transport, on_exchange=records.append)
        created = client.create_user({"userName": "bare.transport"})
        found = client.find_user("Bare.Transport")
        assert found is not None and found.id == created.id
        client.close()  # a shared transport stays open for the next client
        assert ScimClient(scim.base_url, scim.token, client=transport).find_user("bare.transport") is not None
        with canned("200 OK", b"{}", [], delay=1.0) as url, pytest.raises(ScimRequestError) as slow:
            ScimClient(url, "t", timeout=0.2, client=transport).find_user("x")
    assert slow.value.kind == TIMEOUT
    assert records[0]["request_headers"]["authorization"] == "Bearer test••••"
    assert records[0]["request_headers"]["user-agent"].startswith("sso-sandbox/")


def test_ids_are_sent_as_one_percent_encoded_path_segment() -> None:
    assert path_segment("a/b c+é") == "a%2Fb%20c%2B%C3%A9"
    assert (path_segment("."), path_segment(".."), path_segment("plain-id_1.2~")) == ("%2E", "%2E%2E", "plain-id_1.2~")
    with quirky_server(Quirks(ids="escaped")) as server:
        records: list[dict[str, Any]] = []
        pool = KeepAlivePool()
        try:
            client = ScimClient(server.base_url, server.token, client=pool, on_exchange=records.append)
            for n in range(len(ESCAPED_IDS)):
                user = client.create_user({"userName": f"escaped{n}"})
                client.patch_user(user.id, [{"op": "replace", "path": "active", "value": False}])
                client.delete_user(user.id)
        finally:
            pool.close()
    assert {r["status"] for r in records} == {201, 200, 204} and not server.app.users
    assert "/Users/u%2F" in " ".join(r["path"] for r in records)


def redirected_client(location: str, status: str = "308 Permanent Redirect") -> Any:
    return canned(status, b"", [("Location", location), ("Content-Length", "0")])


def test_a_redirect_on_the_same_server_is_followed_with_the_same_method_and_body() -> None:
    records: list[dict[str, Any]] = []
    with quirky_server(Quirks(moved=301), base_path=OLD_BASE_PATH) as server:
        with ScimClient(server.base_url, server.token, on_exchange=records.append) as client:
            created = client.create_user({"userName": "moved.user"})
        assert created.id in server.app.users
    assert [(r["method"], r["status"]) for r in records] == [("POST", 301), ("POST", 201)]
    assert records[1]["request_body"] == records[0]["request_body"]
    assert records[1]["url"].endswith(f"{BASE_PATH}/Users")


def test_a_redirect_to_another_server_or_in_a_loop_is_refused() -> None:
    records: list[dict[str, Any]] = []
    with (
        redirected_client("https://elsewhere.example/scim/v2/Users") as url,
        ScimClient(url, "t", on_exchange=records.append) as client,
        pytest.raises(ScimRequestError) as elsewhere,
    ):
        client.create_user({"userName": "x"})
    assert elsewhere.value.kind == REDIRECTED and not elsewhere.value.retryable
    assert "to https://elsewhere.example/scim/v2/Users (308)" in str(elsewhere.value) and len(records) == 1

    # An upgrade to https on the same host and port is another origin too: the Base URL is to say https.
    def upgrade(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("301 Moved", [("Location", f"https://{environ['HTTP_HOST']}{environ['REQUEST_URI']}")])
        return [b""]

    server = ServerThread(upgrade, system="upgrade", port=0, option="--port", threads=2)
    server.start()
    try:
        with (
            ScimClient(f"http://127.0.0.1:{server.port}/scim/v2", "t") as client,
            pytest.raises(ScimRequestError) as up,
        ):
            client.create_user({"userName": "x"})
    finally:
        server.stop()
    assert up.value.kind == REDIRECTED
    assert f"to https://127.0.0.1:{server.port}/scim/v2/Users (301)" in str(up.value)
    assert "only to the Base URL's own scheme, host and port" in str(up.value)
    records.clear()
    with (
        redirected_client("/scim/v2/Users", "307 Temporary Redirect") as url,
        ScimClient(url, "t", on_exchange=records.append) as client,
        pytest.raises(ScimRequestError) as loop,
    ):
        client.find_user("x")
    assert loop.value.kind == REDIRECTED and "again and again" in str(loop.value) and len(records) == 6
    pool = KeepAlivePool()
    with (
        redirected_client("http://[::1/scim/v2/Users") as url,
        ScimClient(url, "t", client=pool) as client,
        pytest.raises(ScimRequestError) as nowhere,
    ):
        client.find_user("x")
    pool.close()
    assert nowhere.value.kind == REDIRECTED and "to http://[::1/scim/v2/Users (308)" in str(nowhere.value)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "call", "kind", "words"),
    [
        (
            "502 Bad Gateway",
            b"<html><h1>502 Bad Gateway</h1></html>",
            "text/html",
            "find_user",
            SERVER_ERROR,
            "failed with 502 Bad Gateway, answering with a web page from a proxy or gateway",
        ),
        ("500 Oops", b"<html>trace</html>", "text/html", "find_user", SERVER_ERROR, "500 Internal Server Error"),
        ("201 Created", b'{"userName": "x"}', "application/scim+json", "create_user", MISSING_ID, "without an id"),
        ("201 Created", b"", "application/scim+json", "create_user", INVALID_JSON, "an empty body"),
        ("200 OK", b"", "application/scim+json", "find_user", INVALID_JSON, "an empty body"),
        ("200 OK", b"{}", "application/scim+json", "find_user", INVALID_JSON, "neither Resources nor totalResults"),
        (
            "409 Conflict",
            b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness",'
            b'"detail":"userName taken"}',
            "application/scim+json",
            "create_user",
            CONFLICT,
            "Conflict (409 uniqueness): userName taken.",
        ),
    ],
)
def test_answers_no_client_can_use_are_plain_failures(
    status: str, body: bytes, content_type: str, call: str, kind: str, words: str
) -> None:
    with (
        canned(status, body, [("Content-Type", content_type)]) as url,
        ScimClient(url, "t") as client,
        pytest.raises(ScimRequestError) as raised,
    ):
        if call == "create_user":
            client.create_user({"userName": "x"})
        else:
            client.find_user("x")
    assert raised.value.kind == kind and words in str(raised.value)


@pytest.mark.parametrize(
    "page",
    [
        {"totalResults": 0},
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": None},
    ],
)
def test_a_list_without_resources_is_nobody(page: dict[str, Any]) -> None:
    with (
        canned("200 OK", json.dumps(page).encode(), [("Content-Type", "application/json; charset=utf-8")]) as url,
        ScimClient(url, "t") as client,
    ):
        assert client.find_user("x") is None
        assert client.find_users(["x", "y"]) == {"x": None, "y": None}


def test_attributes_are_read_as_their_sender_meant_them() -> None:
    user = {"id": 42, "userName": "kim", "active": "False", "name": "Kim Lee", "emails": "kim@x", "externalId": 7}
    page = {"totalResults": "1", "Resources": [user]}
    with (
        canned("200 OK", json.dumps(page).encode(), [("Content-Type", "application/scim+json")]) as url,
        ScimClient(url, "t") as client,
    ):
        found = client.find_user("KIM")
    assert found is not None
    assert (found.id, found.active, found.given_name, found.emails, found.external_id) == ("42", False, "", [], "7")


def test_a_lookup_reads_every_page_of_a_server_ignoring_the_filter_and_takes_only_its_user() -> None:
    with quirky_server(Quirks(ignore_filter=True, page_size=2)) as server:
        for n in range(5):
            server.app.add_user(f"paged{n}")
        with ScimClient(server.base_url, server.token) as client:
            found = client.find_user("PAGED4")
            assert found is not None and found.user_name == "paged4"
            assert client.find_user("paged9") is None
        lookups = [t for m, t in server.app.requests if m == "GET"]
        assert len(lookups) == 3 + 3  # three pages each
        server.app.requests.clear()
        # Without totalResults, the pages are read until one comes back empty.
        server.app.quirks.omit_total_results = True
        with ScimClient(server.base_url, server.token) as client:
            found = client.find_user("paged4")
            assert found is not None and found.user_name == "paged4"
            assert client.find_user("paged9") is None
        server.app.quirks.ignore_start_index = True
        with ScimClient(server.base_url, server.token) as client, pytest.raises(ScimRequestError) as stuck:
            client.find_user("paged4")
    assert stuck.value.kind == REJECTED and "ignores the filter and startIndex" in str(stuck.value)


def test_https_with_a_self_signed_certificate_is_not_trusted_and_not_retried() -> None:
    records: list[dict[str, Any]] = []
    with (
        self_signed_https(QuirkyScim()) as url,
        ScimClient(url, "t", on_exchange=records.append) as client,
        pytest.raises(ScimRequestError) as refused,
    ):
        client.find_user("x")
    assert refused.value.kind == UNTRUSTED_CERTIFICATE and not refused.value.retryable
    assert "is not trusted (self-signed certificate)" in str(refused.value)
    assert records[0]["status"] is None and "CERTIFICATE_VERIFY_FAILED" in records[0]["error"]


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [("200 OK", b"", "application/scim+json"), ("200 OK", b"OK", "text/plain"), ("204 No Content", b"", "")],
)
def test_a_patch_or_delete_needs_no_body_back(status: str, body: bytes, content_type: str) -> None:
    with (
        canned(status, body, [("Content-Type", content_type)] if content_type else []) as url,
        ScimClient(url, "t") as c,
    ):
        c.patch_user("7", [{"op": "replace", "path": "active", "value": False}])
        c.delete_user("7")
        c.delete_group("8")


def test_a_patch_answered_with_a_web_page_is_not_taken_for_done() -> None:
    page = b"<html><body>Sign in to continue</body></html>"
    with (
        canned("200 OK", page, [("Content-Type", "text/html")]) as url,
        ScimClient(url, "t") as client,
        pytest.raises(ScimRequestError) as raised,
    ):
        client.patch_user("7", [{"op": "replace", "path": "active", "value": False}])
    assert raised.value.kind == NOT_SCIM


def test_a_lookup_gives_up_plainly_after_50_pages_of_other_users() -> None:
    with quirky_server(Quirks(ignore_filter=True, page_size=1)) as server:
        for n in range(60):
            server.app.add_user(f"crowd{n}")
        with ScimClient(server.base_url, server.token) as client, pytest.raises(ScimRequestError) as tired:
            client.find_user("nobody")
        assert len(server.app.requests) == 50
    assert tired.value.kind == REJECTED and "with 50 pages of other users: it ignores the filter" in str(tired.value)


def test_a_create_body_without_schemas_goes_out_naming_the_core_schema(scim: ScimServer) -> None:
    records: list[dict[str, Any]] = []
    with ScimClient(scim.base_url, scim.token, on_exchange=records.append) as client:
        user = client.create_user({"userName": "schemaless.user"})
        group = client.create_group({"displayName": "Schemaless"})
        kept = client.create_user({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "own.schemas"})
        for made in (user, group, kept):
            assert made.id
    sent = [json.loads(r["request_body"]) for r in records if r["method"] == "POST"]
    assert [body["schemas"] for body in sent] == [[USER_SCHEMA], [GROUP_SCHEMA], [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]]
    assert sent[0]["userName"] == "schemaless.user" and sent[1]["displayName"] == "Schemaless"


@pytest.mark.parametrize("sent", ["²", "1" * 5000, "", " ", "1.5", True])
def test_a_total_that_is_not_a_count_is_no_total(sent: object) -> None:
    assert total_results({"totalResults": sent, "Resources": []}) is None


def test_a_total_sent_as_a_string_is_read() -> None:
    assert total_results({"totalResults": " 42 ", "Resources": []}) == 42
