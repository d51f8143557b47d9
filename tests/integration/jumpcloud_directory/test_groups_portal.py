"""USER MANAGEMENT › User Groups through the Admin Portal, over HTTP."""

from __future__ import annotations

import re

import httpx

from sandbox.app import Sandbox


def make_user(admin: httpx.Client, base: str, username: str) -> str:
    response = admin.post(
        f"{base}/users/new",
        data={"username": username, "email": f"{username}@acme.example", "firstname": username.title()},
    )
    assert response.status_code == 302
    return response.headers["location"].rsplit("/", 1)[1]


def make_group(admin: httpx.Client, base: str, name: str) -> str:
    response = admin.post(f"{base}/groups/new", data={"name": name, "description": f"{name} people"})
    assert response.status_code == 302, response.text
    return response.headers["location"]


def test_create_rename_and_refuse_duplicates(admin: httpx.Client, base: str) -> None:
    location = make_group(admin, base, "Marketing")
    page = admin.get(f"{base}{location}")
    assert "User group Marketing was created." in page.text
    dup = admin.post(f"{base}/groups/new", data={"name": "marketing"})
    assert dup.status_code == 400
    assert "A user group named Marketing already exists." in dup.text
    blank = admin.post(f"{base}/groups/new", data={"name": "  "})
    assert blank.status_code == 400 and "Group name is required." in blank.text
    renamed = admin.post(f"{base}{location}", data={"name": "Growth Marketing", "description": "Growth"})
    assert renamed.status_code == 302
    assert "User group Growth Marketing was saved." in admin.get(f"{base}{location}").text
    listing = admin.get(f"{base}/groups", params={"q": "marketing"})
    assert "Growth Marketing" in listing.text
    make_group(admin, base, "Finance")
    clash = admin.post(f"{base}{location}", data={"name": "FINANCE"})
    assert clash.status_code == 400 and "A user group named Finance already exists." in clash.text


def test_membership_with_the_picker_and_member_counts(admin: httpx.Client, base: str) -> None:
    ids = [make_user(admin, base, name) for name in ("picker.ann", "picker.bob", "picker.cat")]
    location = make_group(admin, base, "Pickers")
    found = admin.get(f"{base}{location}", params={"find": "picker.b"})
    assert f'value="{ids[1]}"' in found.text
    assert f'value="{ids[0]}"' not in found.text
    added = admin.post(f"{base}{location}/members", data={"user_id": ids})
    assert added.status_code == 302
    page = admin.get(f"{base}{location}")
    assert "Added to Pickers: picker.ann, picker.bob, picker.cat." in page.text
    assert "3 members" in page.text
    # Members are no longer offered by the picker.
    assert f'name="user_id" value="{ids[0]}"' not in admin.get(f"{base}{location}", params={"find": "picker"}).text
    admin.post(f"{base}{location}/members/{ids[1]}/remove")
    page = admin.get(f"{base}{location}")
    assert "picker.bob was removed from Pickers." in page.text
    assert "2 members" in page.text
    listing = admin.get(f"{base}/groups", params={"q": "Pickers"})
    assert 'data-members="2"' in listing.text
    nothing = admin.post(f"{base}{location}/members", data={})
    assert nothing.status_code == 302
    assert "Tick the users to add to the group." in admin.get(f"{base}{location}").text


def test_groups_sort_by_members(admin: httpx.Client, base: str) -> None:
    small = make_group(admin, base, "Sorted Small")
    big = make_group(admin, base, "Sorted Big")
    for name in ("sorted.one", "sorted.two"):
        admin.post(f"{base}{big}/members", data={"user_id": make_user(admin, base, name)})
    admin.post(f"{base}{small}/members", data={"user_id": make_user(admin, base, "sorted.three")})
    page = admin.get(f"{base}/groups", params={"q": "Sorted", "sort": "members", "dir": "desc"})
    names = re.findall(r"</span>(Sorted \w+)</a>", page.text)
    assert names == ["Sorted Big", "Sorted Small"]
    page = admin.get(f"{base}/groups", params={"q": "Sorted", "sort": "members"})
    assert re.findall(r"</span>(Sorted \w+)</a>", page.text) == ["Sorted Small", "Sorted Big"]


def test_delete_group_keeps_its_users(admin: httpx.Client, base: str, jc_sandbox: Sandbox) -> None:
    user_id = make_user(admin, base, "stays.here")
    location = make_group(admin, base, "Short Lived")
    admin.post(f"{base}{location}/members", data={"user_id": user_id})
    confirm = admin.get(f"{base}{location}/delete")
    assert "Are you sure you want to delete <strong>Short Lived</strong>?" in confirm.text
    assert admin.post(f"{base}{location}/delete").status_code == 302
    assert "User group Short Lived was deleted." in admin.get(f"{base}/groups").text
    assert admin.get(f"{base}{location}").status_code == 404
    user_page = admin.get(f"{base}/users/{user_id}")
    assert user_page.status_code == 200
    assert "is not a member of any user group" in user_page.text
