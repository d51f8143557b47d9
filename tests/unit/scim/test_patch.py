"""PATCH semantics on representations, including JumpCloud's shapes and arbitrary operations."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.scim.errors import ScimError
from sandbox.scim.patch import apply_patch, operations_of
from sandbox.scim.resources import normalize_patched
from sandbox.scim.schemas import GROUP_TYPE, USER_TYPE

USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "u1",
    "userName": "ann@acme.example",
    "name": {"givenName": "Ann"},
    "emails": [{"value": "ann@acme.example", "type": "work", "primary": True}],
    "active": True,
}


def test_repeated_member_adds_do_not_duplicate_and_value_list_removes() -> None:
    group = {"displayName": "Eng", "members": [{"value": "a"}]}
    add = {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}
    once = apply_patch(GROUP_TYPE, group, [add, add])
    assert [m["value"] for m in once["members"]] == ["a", "b"]
    removed = apply_patch(GROUP_TYPE, once, [{"op": "remove", "path": "members", "value": [{"value": "a"}]}])
    assert [m["value"] for m in removed["members"]] == ["b"]
    assert group["members"] == [{"value": "a"}]  # the input is left untouched


def test_adding_a_new_primary_email_clears_the_old_primary() -> None:
    patched = apply_patch(
        USER_TYPE, USER, [{"op": "add", "path": "emails", "value": [{"value": "n@x", "type": "home", "primary": True}]}]
    )
    assert [e.get("primary") for e in patched["emails"]] == [False, True]


def test_replace_on_complex_attribute_merges_sub_attributes() -> None:
    patched = apply_patch(USER_TYPE, USER, [{"op": "replace", "path": "name", "value": {"familyName": "Lee"}}])
    assert patched["name"] == {"givenName": "Ann", "familyName": "Lee"}


def test_operations_shape_is_checked() -> None:
    for body in ({}, {"Operations": "x"}, {"schemas": ["wrong"], "Operations": [{}]}, {"Operations": [1]}):
        with pytest.raises(ScimError) as raised:
            operations_of(body)
        assert raised.value.scim_type == "invalidSyntax"


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)
path_texts = st.one_of(
    st.sampled_from(
        [
            "userName",
            "name.givenName",
            "emails",
            'emails[type eq "work"].value',
            'emails[type eq "work"]',
            "active",
            "id",
            "groups",
            "members",
            'members[value eq "x"]',
            "meta.version",
            "title",
            "nosuch",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "emails[",
            "name.nosuch",
        ]
    ),
    st.text(max_size=20),
)
operations = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "replace", "remove", "Add", "bogus"])},
        optional={"path": path_texts, "value": json_values},
    ),
    min_size=1,
    max_size=4,
)


@given(operations)
@settings(max_examples=200, deadline=None)
def test_arbitrary_operations_give_a_valid_user_or_a_400(ops: list[dict[str, Any]]) -> None:
    try:
        normalize_patched(USER_TYPE, apply_patch(USER_TYPE, USER, ops))
    except ScimError as error:
        assert error.status in (400, 409)
        assert error.scim_type in {
            "invalidPath",
            "invalidValue",
            "invalidSyntax",
            "noTarget",
            "mutability",
            "invalidFilter",
        }


def test_a_patched_copy_shares_no_container_with_the_stored_representation() -> None:
    stored = {
        "userName": "ann",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "ann@example.com", "primary": True}],
    }
    patched = apply_patch(USER_TYPE, stored, [{"op": "replace", "path": "userName", "value": "ann2"}])
    patched["name"]["givenName"] = "Changed"
    patched["emails"][0]["value"] = "changed@example.com"
    assert stored == {
        "userName": "ann",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "ann@example.com", "primary": True}],
    }
