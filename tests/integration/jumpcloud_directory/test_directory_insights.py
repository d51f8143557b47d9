"""Directory Insights: an event for every directory change, the page, and the DI API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sandbox.app import Sandbox
from sandbox.jumpcloud.services.insights import Initiator, record_event


def events(api: httpx.Client, **body: Any) -> list[dict[str, Any]]:
    response = api.post(
        "/insights/directory/v1/events", json={"service": ["all"], "start_time": "2000-01-01T00:00:00Z", **body}
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def of_type(records: list[dict[str, Any]], event_type: str, name: str) -> list[dict[str, Any]]:
    return [
        r
        for r in records
        if r["event_type"] == event_type and name in json.dumps(r.get("resource", {}) | r.get("association", {}))
    ]


def test_each_directory_change_writes_its_event_with_changes(api: httpx.Client) -> None:
    user = api.post(
        "/api/systemusers", json={"username": "di.user", "email": "di.user@acme.example", "firstname": "Di"}
    ).json()
    api.put(f"/api/systemusers/{user['_id']}", json={"firstname": "Diana", "password": "a-secret-password"})
    group = api.post("/api/v2/usergroups", json={"name": "DI Group"}).json()
    api.put(f"/api/v2/usergroups/{group['id']}", json={"name": "DI Group 2"})
    members = f"/api/v2/usergroups/{group['id']}/members"
    api.post(members, json={"op": "add", "type": "user", "id": user["_id"]})
    api.post(members, json={"op": "remove", "type": "user", "id": user["_id"]})
    api.delete(f"/api/v2/usergroups/{group['id']}")
    api.delete(f"/api/systemusers/{user['_id']}")
    records = events(api, limit=10_000)

    created = of_type(records, "user_create", "di.user")[0]
    assert created["service"] == "directory" and created["success"] is True
    assert created["initiated_by"] == {
        "id": created["initiated_by"]["id"],
        "type": "admin",
        "email": "admin@example.com",
    }
    assert created["resource"] == {
        "id": user["_id"],
        "type": "user",
        "username": "di.user",
        "email": "di.user@acme.example",
    }
    assert {"field": "firstname", "from": None, "to": "Di"} in created["changes"]
    update = of_type(records, "user_update", "di.user")[0]
    assert {"field": "firstname", "from": "Di", "to": "Diana"} in update["changes"]
    assert {"field": "password", "from": None, "to": None} in update["changes"]
    assert "a-secret-password" not in json.dumps(records)
    assert of_type(records, "group_create", "DI Group")
    rename = of_type(records, "group_update", "DI Group 2")[0]
    assert rename["changes"] == [{"field": "name", "from": "DI Group", "to": "DI Group 2"}]
    associations = of_type(records, "association_change", "di.user")
    assert [a["association"]["op"] for a in associations] == ["add", "remove"]
    assert associations[0]["association"]["connection"]["from"]["object_id"] == group["id"]
    assert associations[0]["association"]["connection"]["to"]["type"] == "user"
    assert of_type(records, "group_delete", "DI Group 2")
    assert of_type(records, "user_delete", "di.user")
    for record in records:
        assert record["@version"] == "1" and len(record["id"]) == 24 and record["timestamp"].endswith("Z")


def test_di_api_time_range_service_and_search_term(api: httpx.Client, jc_sandbox: Sandbox) -> None:
    with jc_sandbox.jumpcloud.database.transaction() as session:
        record_event(session, "sso_auth", service="sso", initiated_by=Initiator("u1", "user", "sso.person"))
    before = datetime.now(UTC)
    api.post("/api/v2/usergroups", json={"name": "Time Window"})
    recent = events(api, start_time=before.isoformat().replace("+00:00", "Z"))
    assert [r["event_type"] for r in recent] == ["group_create"]
    future = events(api, start_time=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    assert future == []
    up_to_then = events(api, end_time=before.isoformat())
    assert "Time Window" not in json.dumps(up_to_then) and up_to_then
    sso_only = events(api, service=["sso"])
    assert sso_only and {r["service"] for r in sso_only} == {"sso"}
    by_user = events(api, search_term={"or": [{"initiated_by.username": ["sso.person", "nobody"]}]})
    assert [r["event_type"] for r in by_user] == ["sso_auth"]
    by_type = events(api, search_term={"and": [{"event_type": "group_create"}, {"resource.name": "Time Window"}]})
    assert len(by_type) == 1
    trimmed = events(api, fields=["event_type", "timestamp"], limit=1)
    assert set(trimmed[0]) == {"event_type", "timestamp"}


def test_di_api_pages_with_search_after_in_both_orders(api: httpx.Client) -> None:
    start = datetime.now(UTC).isoformat()
    for index in range(7):
        api.post("/api/v2/usergroups", json={"name": f"Paged {index}"})
    for sort in ("ASC", "DESC"):
        seen: list[str] = []
        body: dict[str, Any] = {"service": ["directory"], "start_time": start, "limit": 3, "sort": sort}
        body["search_term"] = {"and": [{"event_type": "group_create"}]}
        while True:
            response = api.post("/insights/directory/v1/events", json=body)
            assert response.headers["X-Limit"] == "3"
            page = response.json()
            assert response.headers["X-Result-Count"] == str(len(page))
            if not page:
                break
            seen.extend(r["resource"]["name"] for r in page)
            body["search_after"] = json.loads(response.headers["X-Search_after"])
        expected = [f"Paged {index}" for index in range(7)]
        assert seen == (expected if sort == "ASC" else expected[::-1])


def test_di_api_refuses_bad_queries_in_json(api: httpx.Client) -> None:
    path = "/insights/directory/v1/events"
    cases = [
        ({"service": ["all"]}, "start_time is required"),
        ({"start_time": "2024-01-01T00:00:00Z"}, "service is required"),
        ({"service": ["all"], "start_time": "yesterday"}, "not an RFC 3339 time"),
        ({"service": ["all"], "start_time": "2024-01-01T00:00:00Z", "limit": 0}, "limit must be"),
        ({"service": ["all"], "start_time": "2024-01-01T00:00:00Z", "limit": "²"}, "limit must be"),
        ({"service": ["all"], "start_time": "2024-01-01T00:00:00Z", "limit": "9" * 5000}, "limit must be"),
        ({"service": ["all"], "start_time": "2024-01-01T00:00:00Z", "sort": "sideways"}, "sort is"),
        ({"service": ["all"], "start_time": "2024-01-01T00:00:00Z", "search_after": ["x"]}, "search_after"),
        ({"service": ["all"], "start_time": "2024-01-01T00:00:00Z", "search_term": {"not": []}}, "search_term"),
    ]
    for body, message in cases:
        response = api.post(path, json=body)
        assert response.status_code == 400, body
        assert message in response.json()["message"]
    assert api.get(path).status_code == 405


def test_insights_page_filters_expands_and_pages(admin: httpx.Client, api: httpx.Client, base: str) -> None:
    for index in range(55):
        api.post("/api/v2/usergroups", json={"name": f"Page Fill {index:02d}"})
    first = admin.get(f"{base}/insights", params={"event_type": "group_create", "q": "Page Fill"})
    assert first.status_code == 200
    assert first.text.count("<details>") == 50
    # Newest first, and each row carries its pretty-printed record.
    assert first.text.index("Page Fill 54") < first.text.index("Page Fill 10")
    assert "&#34;event_type&#34;: &#34;group_create&#34;" in first.text
    assert "Older ›</a>" in first.text
    older = admin.get(
        f"{base}/insights", params={"event_type": "group_create", "q": "Page Fill", "before": _last_id(first.text)}
    )
    assert older.text.count("<details>") == 5 and "Page Fill 00" in older.text
    assert "‹ Newer</a>" in older.text
    text = admin.get(f"{base}/insights", params={"q": "Page Fill 07"})
    assert text.text.count("<details>") == 1
    none = admin.get(f"{base}/insights", params={"service": "sso", "q": "Page Fill"})
    assert "No event matches these filters." in none.text
    window = admin.get(f"{base}/insights", params={"start": "2999-01-01T00:00", "q": "Page Fill"})
    assert "No event matches these filters." in window.text
    bad_date = admin.get(f"{base}/insights", params={"start": "not a date"})
    assert bad_date.status_code == 200 and "is not a date and time" in bad_date.text


def _last_id(page: str) -> str:
    return page.rsplit('<tr id="event-', 1)[1].split('"', 1)[0]
