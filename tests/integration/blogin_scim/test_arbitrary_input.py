"""Arbitrary filters, PATCH bodies and paths over HTTP: never a 500, always an RFC error body."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.blogin_scim.conftest import Scim, user_body

HTTP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

filter_words = st.sampled_from(
    [
        "userName",
        "eq",
        "co",
        "and",
        "or",
        "not",
        "(",
        ")",
        "[",
        "]",
        '"x"',
        "emails",
        "pr",
        "true",
        "1.5",
        "null",
        "meta.created",
        "gt",
        '"2024-01-01T00:00:00Z"',
        "members",
        "value",
        "name.givenName",
        "\\",
        '"',
        "urn:a:b",
    ]
)
filters = st.one_of(st.text(max_size=40), st.lists(filter_words, max_size=9).map(" ".join))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=5,
)
operations = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "replace", "remove", "x"])},
        optional={
            "path": st.one_of(
                st.sampled_from(["title", "name.givenName", 'emails[type eq "work"].value', "members", "active", "id"]),
                st.text(max_size=15),
            ),
            "value": json_values,
        },
    ),
    max_size=3,
)


def _no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.text
    assert response.headers.get("content-type", "").startswith("application/scim+json") or response.status_code == 204


@HTTP
@given(filters)
def test_any_filter_answers_without_a_server_error(scim: Scim, text: str) -> None:
    for resource in ("/Users", "/Groups"):
        response = scim.get(resource, params={"filter": text, "count": 2})
        _no_server_error(response)
        if response.status_code == 400:
            assert response.json()["scimType"] in ("invalidFilter", "invalidValue")


@HTTP
@given(operations)
def test_any_patch_answers_without_a_server_error(scim: Scim, ops: list[dict[str, Any]]) -> None:
    if not hasattr(test_any_patch_answers_without_a_server_error, "user_id"):
        created = scim.post("/Users", user_body("fuzzed@acme.example")).json()
        test_any_patch_answers_without_a_server_error.user_id = created["id"]  # type: ignore[attr-defined]
    user_id = test_any_patch_answers_without_a_server_error.user_id  # type: ignore[attr-defined]
    _no_server_error(scim.patch(f"/Users/{user_id}", ops))


@HTTP
@given(json_values)
def test_any_create_body_answers_without_a_server_error(scim: Scim, body: Any) -> None:
    _no_server_error(scim.post("/Users", body))
    _no_server_error(scim.post("/Groups", body))
