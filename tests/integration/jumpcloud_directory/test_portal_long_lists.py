"""A user group with many members, and many users to pick from, page by page in the Admin Portal."""

from __future__ import annotations

import re

import httpx


def _group_with_members(api: httpx.Client, name: str, prefix: str, count: int) -> str:
    group_id = str(api.post("/api/v2/usergroups", json={"name": name}).json()["id"])
    for index in range(count):
        user = api.post(
            "/api/systemusers", json={"username": f"{prefix}{index:02d}", "email": f"{prefix}{index:02d}@acme.example"}
        )
        assert user.status_code == 200, user.text
        added = api.post(
            f"/api/v2/usergroups/{group_id}/members", json={"op": "add", "type": "user", "id": user.json()["_id"]}
        )
        assert added.status_code == 204
    return group_id


def _member_usernames(page: str, prefix: str) -> list[str]:
    members = page.split('id="members"', 1)[1].split('id="add-members"', 1)[0]
    return re.findall(rf'class="username">({prefix}\d+)<', members)


def test_members_are_paged_by_username_and_counted_in_full(admin: httpx.Client, base: str, api: httpx.Client) -> None:
    group_id = _group_with_members(api, "Paged Members", "paged", 30)
    first = admin.get(f"{base}/groups/{group_id}")
    assert "30 members</span>" in first.text
    assert "1–25 of 30 members" in first.text and "Page 1 of 2" in first.text
    assert _member_usernames(first.text, "paged") == [f"paged{index:02d}" for index in range(25)]
    second = admin.get(f"{base}/groups/{group_id}", params={"page": 2})
    assert "26–30 of 30 members" in second.text
    assert _member_usernames(second.text, "paged") == [f"paged{index:02d}" for index in range(25, 30)]
    past = admin.get(f"{base}/groups/{group_id}", params={"page": 9})
    assert "No members on this page." in past.text
    assert admin.get(f"{base}/groups/{group_id}", params={"page": "x"}).status_code == 200


def test_the_member_picker_says_when_it_shows_only_the_first_users(
    admin: httpx.Client, base: str, api: httpx.Client
) -> None:
    group_id = _group_with_members(api, "Picker Target", "pickme", 0)
    for index in range(23):
        api.post(
            "/api/systemusers", json={"username": f"pickme{index:02d}", "email": f"pickme{index:02d}@acme.example"}
        )
    found = admin.get(f"{base}/groups/{group_id}", params={"find": "pickme"})
    assert "Showing the first 20 of 23 users matching “pickme” outside this group" in found.text
    narrowed = admin.get(f"{base}/groups/{group_id}", params={"find": "pickme2"})
    assert "Showing the first" not in narrowed.text
    assert "pickme22" in narrowed.text
