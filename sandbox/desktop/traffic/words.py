"""One SCIM exchange in words: what the request asked, why JumpCloud sent it, and what went wrong.

Read from the captured request and response alone (method, path, JSON bodies and JumpCloud's
provisioning operation), so a tester need not read the JSON to know that a PATCH deactivated a user
because no group grants BlogIn any more.
"""

from __future__ import annotations

import json
from typing import Any

#: JumpCloud's provisioning operations, and the group rule behind each (REFERENCE.md, group semantics)
WHY = {
    "user_lookup_provision": "JumpCloud looks for a user in BlogIn before creating it (or taking it over)",
    "user_create_provision": "the user is in a user group ticked for BlogIn",
    "user_update_provision": "the user's attributes changed in JumpCloud",
    "user_deprovision": "no user group ticked for BlogIn grants the user any more (deactivated, not deleted)",
    "group_create_provision": "a user group ticked for BlogIn has members",
    "group_update_provision": "the group's members or name changed in JumpCloud",
    "group_delete_provision": "the user group was deleted in JumpCloud",
}


def _json(body: object) -> Any:
    if not isinstance(body, str) or not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _patch_words(resource: str, body: Any) -> str:
    operations = body.get("Operations") if isinstance(body, dict) else None
    if not isinstance(operations, list):
        return f"Changes the {resource}"
    said: list[str] = []
    for operation in operations:
        if not isinstance(operation, dict):
            continue
        op = str(operation.get("op", "")).lower()
        path = str(operation.get("path") or "")
        value = operation.get("value")
        if path == "active" or (isinstance(value, dict) and "active" in value and not path):
            active = value.get("active") if isinstance(value, dict) else value
            said.append("activates the user" if active in (True, "true", "True") else "deactivates the user")
        elif path.startswith("members"):
            count = len(value) if isinstance(value, list) else 1
            verb = "adds" if op == "add" else "removes" if op == "remove" else "replaces"
            said.append(f"{verb} {count} member{'s' if count != 1 else ''}")
        elif path == "displayName" and isinstance(value, str):
            said.append(f"renames it “{value}”")
        elif path:
            said.append(f"{op}s {path}")
        elif isinstance(value, dict):
            said.append(f"{op}s {', '.join(sorted(value))}")
    text = "; ".join(said) if said else f"changes the {resource}"
    return text[0].upper() + text[1:]


def what_it_did(data: dict[str, Any]) -> str:
    """The request in words: ``Creates user ada@example.org``, ``Deactivates the user``, …"""
    method = str(data.get("method") or "").upper()
    path = str(data.get("path") or "")
    route = path.split("?", 1)[0].rstrip("/")
    parts = [part for part in route.split("/") if part]
    collection = next((part for part in reversed(parts) if part in ("Users", "Groups")), "")
    resource = {"Users": "user", "Groups": "group"}.get(collection, "resource")
    one = bool(parts) and parts[-1] not in ("Users", "Groups")
    body = _json(data.get("request_body"))
    if method == "GET":
        if not collection:
            return f"Reads {parts[-1] if parts else 'the service root'} (discovery)"
        if "filter=" in path:
            return f"Looks for a {resource} (filter)"
        return f"Reads the {resource}" if one else f"Lists {resource}s"
    if method == "POST" and collection:
        name = ""
        if isinstance(body, dict):
            name = str(body.get("userName") or body.get("displayName") or "")
        members = body.get("members") if isinstance(body, dict) else None
        with_members = (
            f" with {len(members)} member{'s' if len(members) != 1 else ''}" if isinstance(members, list) else ""
        )
        return f"Creates {resource} {name}{with_members}".replace("  ", " ").strip()
    if method == "PATCH":
        return _patch_words(resource, body)
    if method == "PUT":
        return f"Replaces the {resource}"
    if method == "DELETE":
        return f"Deletes the {resource}"
    return f"{method} {route}".strip()


def failure_words(data: dict[str, Any]) -> str:
    """Why the exchange failed, from the SCIM error body (RFC 7644 §3.12) or the transport ('' if it did not)."""
    if data.get("error"):
        return f"No response: {data['error']}"
    status = data.get("status")
    if not isinstance(status, int) or status < 400:
        return ""
    body = _json(data.get("response_body"))
    detail = body.get("detail") if isinstance(body, dict) else None
    headers = data.get("response_headers")
    retry = (
        next(
            (value for name, value in headers.items() if str(name).lower() == "retry-after"),
            None,
        )
        if isinstance(headers, dict)
        else None
    )
    after = f" (Retry-After {retry} s)" if retry else ""
    return f"Answered {status}{after}" + (f": {detail}" if detail else "")


def what_and_why(data: dict[str, Any]) -> str:
    """What the exchange asked and, for JumpCloud's side, the group rule that made it send it."""
    why = WHY.get(str(data.get("operation") or ""))
    return f"{what_it_did(data)}, because {why}." if why else f"{what_it_did(data)}."
