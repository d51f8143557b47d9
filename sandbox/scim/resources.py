"""Checking a resource body against its schema: canonical attribute names, types, required values.

Clients spell attribute names in any case (RFC 7643 §2.1); the server keeps the schema's spelling.
Unknown attributes are ignored and read-only ones dropped, as RFC 7644 §3.3 and §3.5.1 allow.

A value must have its attribute's JSON type (RFC 7643 §2.3): a number or a boolean where a string belongs is
refused rather than stored as text, so a client that would fail against a strict server fails here too. A
POST or PUT body names the resource's core schema in ``schemas`` (RFC 7643 §3) and marks at most one value of
a multi-valued attribute primary (RFC 7643 §2.4).
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.scim.errors import invalid_syntax, invalid_value
from sandbox.scim.schemas import Attribute, ResourceType, Schema

_TRUE = {"true": True, "false": False}


def normalize(rtype: ResourceType, body: Any) -> dict[str, Any]:
    """The writable part of a POST or PUT ``body`` with canonical names and checked values; raises
    invalidValue/invalidSyntax. The body names ``rtype``'s core schema and marks at most one value primary."""
    if not isinstance(body, dict):
        raise invalid_value(f"A {rtype.name} must be a JSON object.")
    _check_schemas(rtype, body)
    result = _checked(rtype, body)
    for name in rtype.schema.with_primary:
        _check_one_primary(name, result.get(name))
    return result


def normalize_patched(rtype: ResourceType, resource: dict[str, Any]) -> dict[str, Any]:
    """The writable part of a representation a PATCH produced, checked as :func:`normalize` checks a body but
    for ``schemas`` (the server's own) and the one primary value (the PATCH keeps that, RFC 7644 §3.5.2)."""
    return _checked(rtype, resource)


def _check_schemas(rtype: ResourceType, body: dict[str, Any]) -> None:
    """RFC 7643 §3: ``schemas`` is required and lists the resource's core schema (URIs compared ignoring case,
    as attribute names are)."""
    schemas = body.get("schemas")
    if schemas is None:
        schemas = next((v for k, v in body.items() if isinstance(k, str) and k.lower() == "schemas"), None)
    wanted = rtype.schema.id
    example = f'"schemas": ["{wanted}"]'
    if schemas is None:
        raise invalid_syntax(f"'schemas' is required (RFC 7643 §3): a {rtype.name} is sent with {example}.")
    if not isinstance(schemas, list) or not all(isinstance(uri, str) for uri in schemas):
        raise invalid_syntax(f"'schemas' must be a list of schema URIs, such as {example}.")
    if wanted not in schemas and wanted.lower() not in {uri.lower() for uri in schemas}:
        raise invalid_syntax(
            f"'schemas' must include the {rtype.name} core schema {wanted!r} (RFC 7643 §3); "
            f"got {json.dumps(schemas, ensure_ascii=False)}."
        )


def _check_one_primary(name: str, values: Any) -> None:
    """RFC 7643 §2.4: the primary attribute value "true" MUST appear no more than once."""
    if not isinstance(values, list) or len(values) < 2:
        return
    marked = [str(v.get("value")) for v in values if isinstance(v, dict) and v.get("primary") is True]
    if len(marked) > 1:
        raise invalid_value(
            f"'{name}' has {len(marked)} values marked \"primary\": true ({', '.join(marked)}); "
            "at most one value may be primary (RFC 7643 §2.4)."
        )


def _checked(rtype: ResourceType, body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in body.items():
        if not isinstance(key, str):
            continue
        attribute = rtype.attribute(key)
        if attribute is not None:
            if attribute.mutability == "readOnly" or value is None:
                continue
            result[attribute.name] = _coerce(attribute, value, attribute.name)
            continue
        extension = rtype.schema_for(key)
        if extension is not None and extension is not rtype.schema:
            if value is None:
                continue
            checked = _extension(extension, value)
            if checked:
                result[extension.id] = checked
    for attribute in rtype.schema.attributes:
        if attribute.required and not _present(result.get(attribute.name)):
            raise invalid_value(f"'{attribute.name}' is required and must not be empty.")
    return result


def _extension(schema: Schema, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_value(f"'{schema.id}' must be a JSON object.")
    checked: dict[str, Any] = {}
    for key, item in value.items():
        attribute = schema.attribute(key) if isinstance(key, str) else None
        if attribute is None or attribute.mutability == "readOnly" or item is None:
            continue
        checked[attribute.name] = _coerce(attribute, item, f"{schema.id}:{attribute.name}")
    return checked


def _coerce(attribute: Attribute, value: Any, where: str) -> Any:
    if attribute.multi_valued:
        items = value if isinstance(value, list) else [value]
        coerced = [_single(attribute, item, where) for item in items if item is not None]
        return [item for item in coerced if _present(item)]
    if isinstance(value, list):
        raise invalid_value(f"'{where}' takes a single value, not a list.")
    return _single(attribute, value, where)


def _single(attribute: Attribute, value: Any, where: str) -> Any:
    kind = attribute.type
    if kind == "complex":
        if not isinstance(value, dict):
            # A bare value stands for {"value": ...}; only as the sub-attribute's own type (a string).
            if attribute.multi_valued and attribute.sub("value") is not None and isinstance(value, str):
                return {"value": value}
            raise invalid_value(f"'{where}' must be a JSON object with sub-attributes.")
        result: dict[str, Any] = {}
        for key, item in value.items():
            sub = attribute.sub(key) if isinstance(key, str) else None
            if sub is None or sub.mutability == "readOnly" or item is None:
                continue
            result[sub.name] = _single(sub, item, f"{where}.{sub.name}")
        return result
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        # Some clients send "True"/"False" as strings; their meaning is not in doubt.
        if isinstance(value, str) and value.strip().lower() in _TRUE:
            return _TRUE[value.strip().lower()]
        raise invalid_value(f"'{where}' must be true or false.")
    if kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise invalid_value(f"'{where}' must be an integer.")
    if kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise invalid_value(f"'{where}' must be a number.")
    if not isinstance(value, str):
        raise invalid_value(f"'{where}' must be a string; got {_json_kind(value)} {_shown(value)}.")
    if len(value) > 4096:
        raise invalid_value(f"'{where}' is longer than 4096 characters.")
    return value


def _json_kind(value: Any) -> str:
    """What JSON calls the type of ``value``, for an error detail."""
    if isinstance(value, bool):
        return "the boolean"
    if isinstance(value, int | float):
        return "the number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "the value"


def _shown(value: Any) -> str:
    """``value`` as the client wrote it (JSON), cut short when long; a string attribute's value is sent quoted."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text if len(text) <= 60 else text[:57] + "..."
    return text + (f' (send it as "{text}")' if isinstance(value, int | float) and not isinstance(value, bool) else "")


def _present(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [], {})


def project(resource: dict[str, Any], attributes: list[str], excluded: list[str]) -> dict[str, Any]:
    """Apply ``attributes``/``excludedAttributes`` (RFC 7644 §3.9); ``id`` and ``schemas`` always stay."""
    if not attributes and not excluded:
        return resource
    always = {"id", "schemas"}
    extensions = {key.lower() for key in resource if ":" in key}
    if attributes:
        wanted = _tree(attributes, extensions)
        result: dict[str, Any] = {}
        for key, value in resource.items():
            kept = value if key in always else _keep(wanted, key, value)
            if kept is not None:
                result[key] = kept
        return result
    unwanted = _tree(excluded, extensions)
    result = {}
    for key, value in resource.items():
        if key in always or key.lower() not in unwanted:
            result[key] = value
            continue
        subs = unwanted[key.lower()]
        if subs is not None and isinstance(value, dict | list):
            result[key] = _drop_subs(value, subs)
    return result


def _tree(names: list[str], extensions: set[str]) -> dict[str, set[str] | None]:
    """``["name.givenName", "emails"]`` → ``{"name": {"givenname"}, "emails": None}``; None = the whole attribute."""
    tree: dict[str, set[str] | None] = {}
    for raw in names:
        lowered = raw.strip().lower()
        if not lowered:
            continue
        key, sub = "", ""
        if lowered in extensions:
            key = lowered
        else:
            extension = next((e for e in extensions if lowered.startswith(e + ":")), None)
            if extension is not None:
                key, sub = extension, lowered[len(extension) + 1 :].split(".", 1)[0]
            else:
                if lowered.startswith("urn:"):
                    lowered = lowered.rpartition(":")[2]
                key, _, sub = lowered.partition(".")
        if not sub:
            tree[key] = None
        elif key not in tree or tree[key] is not None:
            existing = tree.get(key) or set()
            existing.add(sub)
            tree[key] = existing
    return tree


def _keep(wanted: dict[str, set[str] | None], key: str, value: Any) -> Any:
    lowered = key.lower()
    if lowered not in wanted:
        return None
    subs = wanted[lowered]
    if subs is None:
        return value
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() in subs} or None
    if isinstance(value, list):
        items = [{k: v for k, v in item.items() if k.lower() in subs} for item in value if isinstance(item, dict)]
        return [item for item in items if item] or None
    return value


def _drop_subs(value: Any, subs: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k.lower() not in subs}
    return [
        {k: v for k, v in item.items() if k.lower() not in subs} if isinstance(item, dict) else item for item in value
    ]
