"""JSON columns store the same value ``json.dumps`` would, however they are written."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sandbox.db import stored_json

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=8) | st.integers(), children, max_size=4)
    ),
    max_leaves=20,
)


def as_read(text: str) -> str:
    """The value a stored text reads back as, in a form that compares NaN equal to NaN."""
    return json.dumps(json.loads(text), sort_keys=True)


@given(json_like)
def test_stored_json_reads_back_as_json_dumps_would(value: Any) -> None:
    assert as_read(stored_json(value)) == as_read(json.dumps(value))


def test_values_orjson_cannot_write_exactly_are_written_by_json() -> None:
    assert stored_json({"nan": float("nan"), "nothing": None}) == '{"nan": NaN, "nothing": null}'
    assert stored_json([float("-inf")]) == "[-Infinity]"
    assert stored_json({"big": 2**70}) == '{"big": 1180591620717411303424}'
    assert stored_json({1: "one"}) == '{"1": "one"}'
    assert stored_json({"name": "Zoë", "count": 2}) == '{"name":"Zoë","count":2}'
