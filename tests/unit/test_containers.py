"""``copy_containers``: deepcopy's answer for JSON-shaped values, without sharing anything that can change."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from sandbox.containers import copy_containers


def _value() -> dict[str, Any]:
    return {
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": "ann@example.com", "primary": True}],
        "tagged": ("a", [1, 2], b"raw"),
        "seen": datetime(2026, 11, 30, tzinfo=UTC),
        "id": uuid.UUID(int=7),
        "count": 3,
        "ratio": 0.5,
        "nothing": None,
        "mutable": {1, 2},
    }


def test_the_copy_equals_what_deepcopy_gives() -> None:
    value = _value()
    assert copy_containers(value) == copy.deepcopy(value)


def test_changing_the_copy_leaves_the_original_as_it_was() -> None:
    value = _value()
    copied = copy_containers(value)
    copied["name"]["givenName"] = "Changed"
    copied["emails"][0]["value"] = "changed@example.com"
    copied["tagged"][1].append(3)
    copied["mutable"].add(3)
    assert value == _value()
