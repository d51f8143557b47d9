"""The Edge cases panel's summary names each subject once, however many of its cases are on, and says
each case in the words of its control."""

from __future__ import annotations

from sandbox.desktop.edge_cases.words import describe_cases, in_a_line


def test_the_summary_names_each_subject_once() -> None:
    active = [
        "SCIM Users: +200 ms, call #2 → 503",
        *describe_cases({"wrongAudience": True, "noSignature": True, "holdResponseSeconds": 5}),
        "SCIM Groups: 429 (Retry-After 30 s)",
    ]
    assert in_a_line(active) == (
        "SCIM Users: +200 ms, call #2 → 503; Assertion: hold the Response 5 s before posting it, "
        "wrong audience, unsigned; SCIM Groups: 429 (Retry-After 30 s)"
    )


def test_each_assertion_case_is_said_as_its_control_says_it_in_the_panels_order() -> None:
    every_case = {
        "clockSkewMinutes": -3,
        "shortValiditySeconds": 5,
        "holdResponseSeconds": 30,
        "wrongAudience": True,
        "noSignature": True,
        "foreignKey": True,
        "attributeMode": "drop",
        "attributeName": "email",
    }
    assert describe_cases(every_case) == [
        "Assertion: clock skew -3 min",
        "Assertion: short validity 5 s",
        "Assertion: hold the Response 30 s before posting it",
        "Assertion: wrong audience",
        "Assertion: unsigned",
        "Assertion: signed with the wrong key",
        "Assertion: missing attribute email",
    ]
    assert in_a_line(describe_cases({"foreignKey": True})) == "Assertion: signed with the wrong key"
    # A validity of 0 s is on (the assertion is already expired); a skew of 0 is off.
    assert describe_cases({"shortValiditySeconds": 0, "clockSkewMinutes": 0}) == ["Assertion: short validity 0 s"]


def test_an_attribute_renamed_on_the_sso_tab_is_named_too() -> None:
    """JumpCloud's SSO tab can rename an attribute, which the panel has no control for: it is still on."""
    renamed = {"attributeMode": "rename", "attributeName": "email", "attributeRenameTo": "mail"}
    assert describe_cases(renamed) == ["Assertion: attribute email renamed to mail"]
