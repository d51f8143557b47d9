"""What a POST or PUT body must be: each value of its attribute's JSON type, the core schema named, one primary."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.scim.errors import ScimError
from sandbox.scim.patch import apply_patch, operations_of
from sandbox.scim.resources import normalize, normalize_patched
from sandbox.scim.schemas import GROUP_SCHEMA, GROUP_TYPE, PATCH_OP_SCHEMA, USER_SCHEMA, USER_TYPE


def refused(body: Any, rtype: Any = USER_TYPE) -> ScimError:
    with pytest.raises(ScimError) as raised:
        normalize(rtype, body)
    assert raised.value.status == 400
    return raised.value


@pytest.mark.parametrize(
    ("attributes", "named"),
    [
        ({"userName": 5}, "'userName'"),
        ({"userName": "ann", "password": 12345678}, "'password'"),
        ({"userName": "ann", "displayName": True}, "'displayName'"),
        ({"userName": "ann", "name": {"givenName": 7}}, "'name.givenName'"),
        ({"userName": "ann", "emails": [{"value": 5, "primary": True}]}, "'emails.value'"),
        ({"userName": "ann", "externalId": 1.5}, "'externalId'"),
    ],
)
def test_a_number_or_boolean_where_a_string_belongs_is_refused_naming_the_attribute(
    attributes: dict[str, Any], named: str
) -> None:
    error = refused({"schemas": [USER_SCHEMA], **attributes})
    assert error.scim_type == "invalidValue"
    assert named in error.detail and "must be a string" in error.detail


def test_the_detail_says_what_was_sent_and_how_to_send_it() -> None:
    assert 'got the number 5 (send it as "5")' in refused({"schemas": [USER_SCHEMA], "userName": 5}).detail
    assert "got the boolean true" in refused({"schemas": [USER_SCHEMA], "userName": True}).detail


def test_a_bare_value_for_a_multi_valued_attribute_is_taken_only_as_a_string() -> None:
    data = normalize(GROUP_TYPE, {"schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": ["u1"]})
    assert data["members"] == [{"value": "u1"}]
    for bare in (5, True):
        error = refused({"schemas": [GROUP_SCHEMA], "displayName": "Eng", "members": [bare]}, GROUP_TYPE)
        assert "'members'" in error.detail


def test_strings_and_the_boolean_spellings_clients_send_still_pass() -> None:
    data = normalize(USER_TYPE, {"schemas": [USER_SCHEMA], "userName": "5", "active": "False", "displayName": ""})
    assert data["userName"] == "5" and data["active"] is False


@pytest.mark.parametrize("name", ["emails", "phoneNumbers", "addresses"])
def test_two_values_marked_primary_are_refused(name: str) -> None:
    values = [{"value": "a@x.example", "primary": True}, {"value": "b@x.example", "primary": True}]
    if name == "addresses":
        values = [{"locality": "Paris", "primary": True}, {"locality": "Lyon", "primary": True}]
    error = refused({"schemas": [USER_SCHEMA], "userName": "ann", name: values})
    assert error.scim_type == "invalidValue"
    assert f"'{name}' has 2 values marked" in error.detail and "at most one" in error.detail


def test_one_primary_or_none_passes() -> None:
    emails = [{"value": "a@x.example", "primary": True}, {"value": "b@x.example", "primary": False}, {"value": "c@x"}]
    assert normalize(USER_TYPE, {"schemas": [USER_SCHEMA], "userName": "ann", "emails": emails})["emails"] == emails


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"userName": "ann"}, "'schemas' is required"),
        ({"schemas": USER_SCHEMA, "userName": "ann"}, "must be a list"),
        ({"schemas": [GROUP_SCHEMA], "userName": "ann"}, f"must include the User core schema '{USER_SCHEMA}'"),
        ({"schemas": [], "userName": "ann"}, "must include the User core schema"),
    ],
)
def test_a_body_without_the_core_schema_is_refused(body: dict[str, Any], said: str) -> None:
    error = refused(body)
    assert error.scim_type == "invalidSyntax"
    assert said in error.detail


def test_the_schema_is_matched_ignoring_case_and_under_any_spelling_of_schemas() -> None:
    assert normalize(USER_TYPE, {"Schemas": [USER_SCHEMA.upper()], "userName": "ann"})["userName"] == "ann"
    assert "'schemas' is required" in refused({"displayName": "Eng"}, GROUP_TYPE).detail


def test_a_patched_representation_is_checked_for_types_but_keeps_the_patch_primary_rule() -> None:
    stored = {"userName": "ann", "emails": [{"value": "a@x.example", "primary": True}]}
    patched = apply_patch(
        USER_TYPE, stored, [{"op": "add", "path": "emails", "value": [{"value": "b@x.example", "primary": True}]}]
    )
    assert [e["primary"] for e in normalize_patched(USER_TYPE, patched)["emails"]] == [False, True]
    with pytest.raises(ScimError) as raised:
        normalize_patched(USER_TYPE, apply_patch(USER_TYPE, stored, [{"op": "replace", "path": "title", "value": 3}]))
    assert "'title' must be a string" in raised.value.detail


def test_one_patch_value_with_two_primaries_is_refused() -> None:
    two = [{"value": "b@x.example", "primary": True}, {"value": "c@x.example", "primary": "True"}]
    for op in ("add", "replace"):
        with pytest.raises(ScimError) as raised:
            apply_patch(USER_TYPE, {"userName": "ann"}, [{"op": op, "path": "emails", "value": two}])
        assert raised.value.scim_type == "invalidValue" and "'emails' has 2 values marked" in raised.value.detail


def test_a_patch_request_must_name_the_patch_op_schema() -> None:
    operations = [{"op": "replace", "path": "title", "value": "x"}]
    with pytest.raises(ScimError) as raised:
        operations_of({"Operations": operations})
    assert raised.value.scim_type == "invalidSyntax" and PATCH_OP_SCHEMA in raised.value.detail
    assert "'schemas' is required" in raised.value.detail
    assert operations_of({"schemas": [PATCH_OP_SCHEMA.lower()], "Operations": operations}) == operations


def test_a_new_primary_sent_as_the_string_true_unmarks_the_old_one() -> None:
    stored = {"userName": "ann", "emails": [{"value": "a@x.example", "primary": True}]}
    added = [{"value": "b@x.example", "primary": "True"}]
    patched = apply_patch(USER_TYPE, stored, [{"op": "add", "path": "emails", "value": added}])
    assert [e["primary"] for e in normalize_patched(USER_TYPE, patched)["emails"]] == [False, True]
