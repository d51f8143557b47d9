"""The RFC 7644 filter grammar: parsing, rendering, evaluation, and arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.scim.errors import ScimError
from sandbox.scim.filter import (
    And,
    AttrPath,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    matches,
    parse_filter,
    render_filter,
)
from sandbox.scim.schemas import USER_TYPE

USER = {
    "userName": "BJensen@example.com",
    "id": "2819c223",
    "active": True,
    "title": "Tour Guide",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [
        {"value": "bjensen@acme.example", "type": "work", "primary": True},
        {"value": "b@home.example", "type": "home"},
    ],
    "meta": {"lastModified": "2024-05-13T04:42:34Z"},
}


def test_precedence_not_and_or() -> None:
    parsed = parse_filter("a eq 1 or b eq 2 and not (c pr)")
    assert parsed == Or(
        Compare(AttrPath("a"), "eq", 1), And(Compare(AttrPath("b"), "eq", 2), Not(Present(AttrPath("c"))))
    )


def test_value_paths_uris_and_keywords_any_case() -> None:
    parsed = parse_filter(
        'emails[type EQ "work" AND value co "@acme"] Or '
        'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "B"'
    )
    assert isinstance(parsed, Or) and isinstance(parsed.left, ValuePath)
    assert parsed.right == Compare(
        AttrPath("name", "givenName", "urn:ietf:params:scim:schemas:core:2.0:User"), "sw", "B"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "bjensen@example.com"', True),  # caseExact false
        ('USERNAME Eq "BJENSEN@EXAMPLE.COM"', True),
        ('id eq "2819C223"', False),  # caseExact true
        ('title co "guide"', True),
        ('name.familyName sw "jen" and active eq true', True),
        ('emails[type eq "home" and value ew "home.example"]', True),
        ('emails co "@acme."', True),
        ('emails.value eq "nobody@x"', False),
        ("not (nickName pr)", True),
        ('meta.lastModified gt "2024-01-01T00:00:00Z"', True),
        ('meta.lastModified lt "2024-05-13T04:42:34+00:00"', False),
        ('title ne "Tour Guide"', False),
        ('(title eq "x" or title eq "tour guide") and not (active eq false)', True),
    ],
)
def test_evaluation_follows_case_rules(text: str, expected: bool) -> None:
    assert matches(parse_filter(text), USER, USER_TYPE.describe) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "userName",
        "userName eq",
        'userName eq "x" and',
        '(userName eq "x"',
        'userName ~ "x"',
        'emails[type eq "w"',
        "userName eq unquoted",
        "not userName pr",
        '"x" eq userName',
        "a.b.c eq 1",
        'userName eq "bad \\q escape"',
    ],
)
def test_malformed_filters_are_invalid_filter(text: str) -> None:
    with pytest.raises(ScimError) as raised:
        parse_filter(text)
    assert raised.value.status == 400 and raised.value.scim_type == "invalidFilter"


def test_order_operators_on_booleans_are_refused() -> None:
    with pytest.raises(ScimError):
        matches(parse_filter("active gt true"), USER, USER_TYPE.describe)


names = st.sampled_from(["userName", "title", "emails", "name", "active", "x-y_1", "$ref"])
subs = st.one_of(st.none(), st.sampled_from(["value", "givenName", "type"]))
uris = st.one_of(st.none(), st.just("urn:ietf:params:scim:schemas:core:2.0:User"))
paths = st.builds(AttrPath, names, subs, uris)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
compares = st.builds(Compare, paths, st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]), values)
leaves = st.one_of(compares, st.builds(Present, paths))


def _trees(children: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    flat = st.builds(AttrPath, names, st.none(), st.none())
    return st.one_of(
        st.builds(And, children, children),
        st.builds(Or, children, children),
        st.builds(Not, children),
        st.builds(ValuePath, flat, children),
    )


filters = st.recursive(leaves, _trees, max_leaves=8)


@given(filters)
@settings(max_examples=150, deadline=None)
def test_render_then_parse_round_trips(node: Filter) -> None:
    assert parse_filter(render_filter(node)) == node


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_arbitrary_text_parses_or_fails_with_invalid_filter(text: str) -> None:
    try:
        parsed = parse_filter(text)
    except ScimError as error:
        assert error.scim_type == "invalidFilter" and error.status == 400
        return
    assert parse_filter(render_filter(parsed)) == parsed
