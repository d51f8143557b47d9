"""The FTS5 query behind ``userName co``: every userName that LIKE finds matches it, whatever the value holds."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.blogin.models.user_name_search import INDEX_OPTIONS
from sandbox.blogin.scim.fulltext import match_terms
from sandbox.blogin.scim.query import like_pattern


@pytest.fixture(scope="module")
def index() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute(f"CREATE VIRTUAL TABLE names USING fts5(name, {INDEX_OPTIONS})")
    return connection


def matches(index: sqlite3.Connection, name: str, terms: str) -> bool:
    index.execute("DELETE FROM names")
    index.execute("INSERT INTO names (name) VALUES (?)", (name,))
    return index.execute("SELECT count(*) FROM names WHERE names MATCH ?", (terms,)).fetchone()[0] == 1


def test_values_the_index_cannot_help_with() -> None:
    assert match_terms("") is None
    assert match_terms("ab") is None
    assert match_terms("a\x00bc") is None
    assert match_terms("\ud800bc") is None


def test_quotes_and_query_syntax_are_literal(index: sqlite3.Connection) -> None:
    for name, value in [
        ('say"cheese@x', 'y"ch'),
        ("a AND b OR c@x", "and b or"),
        ("(paren)^caret*@x", "n)^caret*"),
        ("per%cent_under@x", "%cent_"),
        ("NEAR(x y)@x", "near(x"),
    ]:
        terms = match_terms(value)
        assert terms is not None and matches(index, name.lower(), terms), (name, terms)


def test_a_long_value_asks_for_a_dozen_trigrams_at_most() -> None:
    terms = match_terms("a-very-long-user-name-of-someone@some-example-company.example")
    assert terms is not None and terms.count(" AND ") == 11


@settings(max_examples=200, deadline=None)
@given(prefix=st.text(max_size=6), value=st.text(min_size=3, max_size=40), suffix=st.text(max_size=6))
def test_every_name_like_the_value_matches(index: sqlite3.Connection, prefix: str, value: str, suffix: str) -> None:
    """Whatever SQLite's ``LIKE`` (the exact check) finds, the index offers as a candidate."""
    name, wanted = (prefix + value + suffix).lower(), value.lower()
    terms = match_terms(wanted)
    if terms is None:
        assert len(wanted) < 3 or "\x00" in wanted
        return
    like = index.execute("SELECT ? LIKE ? ESCAPE '\\'", (name, like_pattern("co", wanted))).fetchone()[0]
    if like:
        assert matches(index, name, terms), (name, terms)
