"""What BlogIn's SCIM server refuses that a lenient server would store, so a client's bugs show here first:
a number or boolean where a string belongs (RFC 7643 §2.3), two values marked primary (§2.4), a body that
does not name its schema (RFC 7643 §3, RFC 7644 §3.5.2). Each refusal changes nothing and says what to fix."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.blogin_scim.conftest import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    core_user,
    group_body,
    user_body,
)

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def created(scim: Scim, user_name: str, **extra: Any) -> dict[str, Any]:
    answer = scim.post("/Users", user_body(user_name, **extra))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def absent(scim: Scim, user_name: str) -> bool:
    found = scim.get("/Users", params={"filter": f'userName eq "{user_name}"'}).json()
    return bool(found["totalResults"] == 0)


@pytest.mark.parametrize(
    ("attribute", "value", "named", "sent"),
    [
        ("userName", 5, "'userName'", 'the number 5 (send it as "5")'),
        ("userName", True, "'userName'", "the boolean true"),
        ("password", 12345678, "'password'", "the number 12345678"),
        ("displayName", False, "'displayName'", "the boolean false"),
        ("name", {"givenName": 42}, "'name.givenName'", "the number 42"),
        ("emails", [{"value": 7, "type": "work", "primary": True}], "'emails.value'", "the number 7"),
    ],
)
def test_a_create_with_a_number_or_boolean_for_a_string_is_refused_naming_it(
    scim: Scim, attribute: str, value: Any, named: str, sent: str
) -> None:
    user_name = f"typed.{attribute.lower()}.{str(value).lower()[:6]}@acme.example"
    body = user_body(user_name, **{attribute: value})
    error = assert_scim_error(scim.post("/Users", body), 400, "invalidValue")
    assert f"{named} must be a string; got {sent}" in error["detail"]
    if attribute != "userName":
        assert absent(scim, user_name)


def test_a_replace_or_patch_with_a_number_for_a_string_changes_nothing(scim: Scim) -> None:
    user = created(scim, "numbers.later@acme.example", title="Editor")
    path = f"/Users/{user['id']}"
    refused = scim.put(path, user_body("numbers.later@acme.example", title=3))
    assert "'title' must be a string; got the number 3" in assert_scim_error(refused, 400, "invalidValue")["detail"]
    patched = scim.patch(path, [{"op": "replace", "path": "displayName", "value": 2024}])
    detail = assert_scim_error(patched, 400, "invalidValue")["detail"]
    assert "'displayName' must be a string; got the number 2024" in detail
    by_filter = scim.patch(path, [{"op": "replace", "path": 'emails[type eq "work"].value', "value": 9}])
    assert "'emails.value' must be a string" in assert_scim_error(by_filter, 400, "invalidValue")["detail"]
    after = scim.get(path).json()
    assert after["title"] == "Editor" and after["meta"]["version"] == user["meta"]["version"]
    assert after["emails"][0]["value"] == "numbers.later@acme.example"


def test_a_team_with_a_number_for_its_name_or_a_member_is_refused(scim: Scim) -> None:
    named = assert_scim_error(scim.post("/Groups", group_body(displayName=7)), 400, "invalidValue")
    assert "'displayName' must be a string; got the number 7" in named["detail"]
    member = assert_scim_error(
        scim.post("/Groups", group_body(displayName="Numbered", members=[{"value": 12}])), 400, "invalidValue"
    )
    assert "'members.value' must be a string" in member["detail"]
    assert scim.get("/Groups", params={"filter": 'displayName eq "Numbered"'}).json()["totalResults"] == 0


@pytest.mark.parametrize("attribute", ["emails", "phoneNumbers"])
def test_two_values_marked_primary_are_refused_on_create_and_replace(scim: Scim, attribute: str) -> None:
    first, second = ("a@two.example", "b@two.example") if attribute == "emails" else ("+1 555 0100", "+1 555 0101")
    two = [{"value": first, "type": "work", "primary": True}, {"value": second, "type": "home", "primary": True}]
    user_name = f"two.primary.{attribute.lower()}@acme.example"
    error = assert_scim_error(scim.post("/Users", user_body(user_name, **{attribute: two})), 400, "invalidValue")
    assert f"'{attribute}' has 2 values marked \"primary\": true ({first}, {second})" in error["detail"]
    assert "at most one value may be primary" in error["detail"]
    assert absent(scim, user_name)
    user = created(scim, user_name)
    replaced = scim.put(f"/Users/{user['id']}", user_body(user_name, **{attribute: two}))
    assert_scim_error(replaced, 400, "invalidValue")


def test_a_patch_gives_one_primary_or_is_refused_when_it_sends_two(scim: Scim) -> None:
    user = created(scim, "patch.primary@acme.example")
    path = f"/Users/{user['id']}"
    two = [{"value": "x@two.example", "primary": True}, {"value": "y@two.example", "primary": True}]
    refused = scim.patch(path, [{"op": "add", "path": "emails", "value": two}])
    assert "'emails' has 2 values marked" in assert_scim_error(refused, 400, "invalidValue")["detail"]
    # RFC 7644 §3.5.2: a new primary value unmarks the one already there.
    added = scim.patch(
        path,
        [{"op": "add", "path": "emails", "value": [{"value": "new@two.example", "type": "home", "primary": True}]}],
    )
    assert added.status_code == 200, added.text
    marked = {e["value"]: e.get("primary") for e in added.json()["emails"]}
    assert marked == {"patch.primary@acme.example": False, "new@two.example": True}


@pytest.mark.parametrize(
    ("schemas", "said"),
    [
        (None, f'\'schemas\' is required (RFC 7643 §3): a User is sent with "schemas": ["{USER_SCHEMA}"]'),
        ([GROUP_SCHEMA], f"'schemas' must include the User core schema '{USER_SCHEMA}'"),
        (["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "must include the User core schema"),
        (USER_SCHEMA, "'schemas' must be a list of schema URIs"),
    ],
)
def test_a_user_body_that_does_not_name_the_user_schema_is_refused(scim: Scim, schemas: Any, said: str) -> None:
    user_name = f"schemaless.{len(str(schemas))}@acme.example"
    body = {"userName": user_name, "name": {"givenName": "Sam"}}
    if schemas is not None:
        body["schemas"] = schemas
    error = assert_scim_error(scim.post("/Users", body), 400, "invalidSyntax")
    assert said in error["detail"]
    assert absent(scim, user_name)


def test_a_replace_or_team_without_schemas_is_refused_and_the_schema_named_in_any_case_passes(scim: Scim) -> None:
    user = created(scim, "schemas.put@acme.example", title="Writer")
    path = f"/Users/{user['id']}"
    refused = scim.put(path, {"userName": "schemas.put@acme.example", "title": "Changed"})
    assert "'schemas' is required" in assert_scim_error(refused, 400, "invalidSyntax")["detail"]
    assert scim.get(path).json()["title"] == "Writer"
    team = assert_scim_error(scim.post("/Groups", {"displayName": "No schema"}), 400, "invalidSyntax")
    assert f'"schemas": ["{GROUP_SCHEMA}"]' in team["detail"]
    upper = scim.put(path, {"schemas": [USER_SCHEMA.upper()], "userName": "schemas.put@acme.example", "title": "Ok"})
    assert upper.status_code == 200 and upper.json()["title"] == "Ok"
    assert scim.post("/Users", core_user(userName="schemas.core@acme.example")).status_code == 201


def test_a_patch_without_the_patch_op_schema_is_refused(scim: Scim) -> None:
    user = created(scim, "schemas.patch@acme.example", title="Writer")
    path = f"/Users/{user['id']}"
    operations = [{"op": "replace", "path": "title", "value": "Changed"}]
    missing = assert_scim_error(scim.request("PATCH", path, {"Operations": operations}), 400, "invalidSyntax")
    assert (
        f'\'schemas\' is required in a PATCH request (RFC 7644 §3.5.2): send "schemas": ["{PATCH_OP}"]'
        in (missing["detail"])
    )
    wrong = scim.request("PATCH", path, {"schemas": [USER_SCHEMA], "Operations": operations})
    assert PATCH_OP in assert_scim_error(wrong, 400, "invalidSyntax")["detail"]
    assert scim.get(path).json()["title"] == "Writer"
