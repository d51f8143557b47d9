"""What is bending the systems, in words: for the Edge cases panel's summary and the status bar."""

from __future__ import annotations

from typing import Any

from sandbox.app import Sandbox
from sandbox.blogin.services.integration_state import ScimFaultState
from sandbox.jumpcloud.services.applications import edge_case_phrases


def describe_fault(fault: ScimFaultState) -> str:
    """One SCIM endpoint's fault: its latency, its forced status and which call gets it."""
    parts = []
    if fault.latency_ms:
        parts.append(f"+{fault.latency_ms} ms")
    if fault.status is not None:
        which = f"call #{fault.only_nth} → " if fault.only_nth else ""
        retry = f" (Retry-After {fault.retry_after_s} s)" if fault.status == 429 else ""
        parts.append(f"{which}{fault.status}{retry}")
    return f"SCIM {fault.endpoint}: {', '.join(parts)}"


def describe_cases(cases: dict[str, Any]) -> list[str]:
    """The assertion edge cases that are on for one application, one phrase each, in the words of the
    panel's controls ("Assertion: signed with the wrong key"), as the event log says them too."""
    return [f"Assertion: {phrase}" for phrase in edge_case_phrases(cases).values()]


def active_edge_cases(sandbox: Sandbox) -> list[str]:
    """What is bending the systems right now, in words for the status bar."""
    active = [describe_fault(fault) for fault in sandbox.blogin.integration_state().faults if fault.is_on]
    for app in sandbox.jumpcloud.integration_state().applications:
        active.extend(describe_cases(app.edge_cases))
    return active


def in_a_line(active: list[str]) -> str:
    """``active`` as one line, each subject named once: "Assertion: wrong audience, unsigned; SCIM Users: 503"."""
    grouped: dict[str, list[str]] = {}
    for phrase in active:
        subject, _, what = phrase.partition(": ")
        grouped.setdefault(subject, []).append(what)
    return "; ".join(f"{subject}: {', '.join(whats)}" for subject, whats in grouped.items())
