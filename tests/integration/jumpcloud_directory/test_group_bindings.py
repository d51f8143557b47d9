"""Binding user groups to an application: the User Groups tab and the v2 API are one and the same."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.integration.jumpcloud_directory.test_directory_insights import events


def _create_application(admin: httpx.Client, base: str, label: str) -> str:
    response = admin.post(f"{base}/applications/new/custom-saml", data={"display_label": label})
    assert response.status_code == 302, response.text
    match = re.search(r"/applications/([0-9a-f]{24})", response.headers["location"])
    assert match is not None
    return match.group(1)


def _create_group(api: httpx.Client, name: str) -> str:
    response = api.post("/api/v2/usergroups", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _ticked(admin: httpx.Client, base: str, application_id: str) -> set[str]:
    page = admin.get(f"{base}/applications/{application_id}/groups").text
    return set(re.findall(r'name="group_id" value="([0-9a-f]+)"[^>]*checked', page))


def _bound_applications(api: httpx.Client, group_id: str) -> list[str]:
    response = api.get(f"/api/v2/usergroups/{group_id}/associations", params={"targets": "application"})
    assert response.status_code == 200, response.text
    return [connection["to"]["id"] for connection in response.json()]


def _bindings(api: httpx.Client, application_id: str) -> list[dict[str, Any]]:
    return [
        record
        for record in events(api, limit=10_000)
        if record["event_type"] == "association_change"
        and record["association"]["connection"]["to"].get("object_id") == application_id
    ]


def test_tab_and_api_bind_groups_alike(admin: httpx.Client, api: httpx.Client, base: str) -> None:
    application = _create_application(admin, base, "Bindings App")
    by_tab = _create_group(api, "Bound By Tab")
    by_api = _create_group(api, "Bound By API")

    # The tab ticks a group; the API then sees it bound and refuses to bind it twice.
    saved = admin.post(f"{base}/applications/{application}/groups", data={"group_id": [by_tab]})
    assert saved.status_code == 302
    assert (
        "User groups saved: 1 authorized, 0 no longer authorized."
        in admin.get(f"{base}{saved.headers['location']}").text
    )
    assert _bound_applications(api, by_tab) == [application]
    again = api.post(
        f"/api/v2/usergroups/{by_tab}/associations", json={"op": "add", "type": "application", "id": application}
    )
    assert again.status_code == 409

    # The API binds a group; the tab shows it ticked.
    bound = api.post(
        f"/api/v2/usergroups/{by_api}/associations", json={"op": "add", "type": "application", "id": application}
    )
    assert bound.status_code == 204
    assert _ticked(admin, base, application) == {by_tab, by_api}

    # Unticking on the tab unbinds for the API too.
    admin.post(f"{base}/applications/{application}/groups", data={"group_id": [by_api]})
    assert _bound_applications(api, by_tab) == []
    assert _ticked(admin, base, application) == {by_api}

    # Directory Insights cannot tell which way a binding was made.
    records = _bindings(api, application)
    assert [(r["resource"]["name"], r["association"]["op"]) for r in records] == [
        ("Bound By Tab", "add"),
        ("Bound By API", "add"),
        ("Bound By Tab", "remove"),
    ]
    shapes = {
        (
            r["service"],
            r["resource"]["type"],
            r["association"]["connection"]["from"]["type"],
            r["association"]["connection"]["to"]["type"],
            r["association"]["connection"]["to"]["name"],
        )
        for r in records
    }
    assert shapes == {("directory", "user_group", "user_group", "application", "Bindings App")}
