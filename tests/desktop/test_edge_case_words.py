"""The Edge cases panel's summary names each subject once, however many of its cases are on."""

from __future__ import annotations

from sandbox.desktop.edge_cases.words import describe_cases, in_a_line


def test_the_summary_names_each_subject_once() -> None:
    active = [
        "SCIM Users: +200 ms, call #2 → 503",
        *describe_cases({"wrongAudience": True, "noSignature": True, "holdResponseSeconds": 5}),
        "SCIM Groups: 429 (Retry-After 30 s)",
    ]
    assert in_a_line(active) == (
        "SCIM Users: +200 ms, call #2 → 503; Assertion: wrong audience, unsigned, Response held 5 s; "
        "SCIM Groups: 429 (Retry-After 30 s)"
    )
    assert in_a_line(describe_cases({"foreignKey": True})) == "Assertion: wrong key"
