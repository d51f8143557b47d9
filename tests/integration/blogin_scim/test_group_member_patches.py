"""Member changes sent the way provisioning clients send them come out exactly as the PATCH engine would
make them (BlogIn applies them without the engine's member-by-member comparison)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.app import Sandbox
from sandbox.blogin.scim.groups import _members_patched
from sandbox.scim.patch import apply_patch
from sandbox.scim.schemas import GROUP_TYPE
from tests.integration.blogin_scim.conftest import Scim, group_body, user_body

IDS = st.sampled_from(["a1", "b2", "c3", "d4", "e5", "A1"])


def _team(member_ids: list[str]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "t1",
        "displayName": "Editors",
        "members": [
            {"value": i, "$ref": f"http://x/Users/{i}", "display": i.upper(), "type": "User"} for i in member_ids
        ],
        "meta": {"resourceType": "Group", "version": 'W/"1"'},
    }


OPERATIONS = st.lists(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add", "remove", "Add", "REMOVE"]),
            "path": st.just("members"),
            "value": st.lists(IDS.map(lambda i: {"value": i}), max_size=6),
        }
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(current=st.lists(IDS, unique=True, max_size=5), operations=OPERATIONS)
def test_member_adds_and_removes_match_the_patch_engine(current: list[str], operations: list[dict[str, Any]]) -> None:
    team = _team(current)
    assert _members_patched(team, operations) == apply_patch(GROUP_TYPE, team, operations)
    assert team == _team(current)  # the current representation is left as it was


def test_other_shapes_go_through_the_patch_engine() -> None:
    team = _team(["a1"])
    for operations in (
        [{"op": "replace", "path": "members", "value": [{"value": "b2"}]}],
        [{"op": "add", "path": "Members", "value": [{"value": "b2"}]}],
        [{"op": "add", "path": "members", "value": [{"value": "b2", "type": "User"}]}],
        [{"op": "add", "path": "members", "value": {"value": "b2"}}],
        [{"op": "remove", "path": 'members[value eq "a1"]'}],
        [
            {"op": "add", "path": "members", "value": [{"value": "b2"}]},
            {"op": "replace", "value": {"displayName": "X"}},
        ],
    ):
        assert _members_patched(team, operations) is None


def test_a_large_team_takes_member_changes_as_jumpcloud_sends_them(scim: Scim, running: Sandbox) -> None:
    ids = [scim.post("/Users", user_body(f"member{n:03d}@acme.example")).json()["id"] for n in range(150)]
    team = scim.post("/Groups", group_body(displayName="Large team", members=[{"value": i} for i in ids[:100]])).json()
    patched = scim.patch(
        f"/Groups/{team['id']}",
        [
            {"op": "add", "path": "members", "value": [{"value": i} for i in ids[90:150]]},
            {"op": "remove", "path": "members", "value": [{"value": i} for i in ids[:10]]},
        ],
    )
    assert patched.status_code == 200, patched.text
    assert {m["value"] for m in patched.json()["members"]} == set(ids[10:150])
    assert patched.json()["meta"]["version"] == 'W/"2"'
    [event] = [e for e in running.blogin.recent_events(5) if e.event_type == "scim_group_updated"][-1:]
    assert event.summary == "SCIM updated team Large team: 50 member(s) added, 10 member(s) removed"
