"""PATCH semantics (RFC 7644 §3.5.2) on a resource's JSON representation.

The server turns its stored row into the SCIM representation, applies the operations here, then
checks and stores the result like a PUT. That keeps one meaning of every attribute.
"""

from __future__ import annotations

from typing import Any

from sandbox.containers import copy_containers
from sandbox.scim.errors import invalid_path, invalid_syntax, invalid_value, mutability, no_target
from sandbox.scim.filter import And, Compare, Filter, matches
from sandbox.scim.paths import Target, parse_path, resolve
from sandbox.scim.schemas import PATCH_OP_SCHEMA, Attribute, ResourceType

OPS = ("add", "replace", "remove")
MAX_OPERATIONS = 1000


def operations_of(body: Any) -> list[dict[str, Any]]:
    """The ``Operations`` list of a PatchOp request, checked for shape."""
    if not isinstance(body, dict):
        raise invalid_syntax("A PATCH request must be a JSON object with 'Operations'.")
    # RFC 7644 §3.5.2: the body MUST name the PatchOp message schema (URIs compared ignoring case).
    schemas = body.get("schemas")
    if schemas is None:
        schemas = next((v for k, v in body.items() if isinstance(k, str) and k.lower() == "schemas"), None)
    if schemas is None:
        raise invalid_syntax(
            f'\'schemas\' is required in a PATCH request (RFC 7644 §3.5.2): send "schemas": ["{PATCH_OP_SCHEMA}"].'
        )
    if not isinstance(schemas, list) or (
        PATCH_OP_SCHEMA not in schemas
        and PATCH_OP_SCHEMA.lower() not in {uri.lower() for uri in schemas if isinstance(uri, str)}
    ):
        raise invalid_syntax(f"A PATCH request's 'schemas' must be [\"{PATCH_OP_SCHEMA}\"].")
    operations = next((v for k, v in body.items() if isinstance(k, str) and k.lower() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("'Operations' must be a non-empty list.")
    if len(operations) > MAX_OPERATIONS:
        raise invalid_syntax(f"At most {MAX_OPERATIONS} operations are taken in one request.")
    for operation in operations:
        if not isinstance(operation, dict):
            raise invalid_syntax("Each operation must be a JSON object with 'op', and 'path' or 'value'.")
    return operations


def apply_patch(rtype: ResourceType, resource: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """A new representation with ``operations`` applied in order; ``resource`` is left untouched."""
    result = copy_containers(resource)
    for operation in operations:
        fields = {k.lower(): v for k, v in operation.items() if isinstance(k, str)}
        op = fields.get("op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise invalid_syntax(f"'op' must be one of add, replace, remove; got {op!r}.")
        op = op.lower()
        path = fields.get("path")
        if path is not None and not isinstance(path, str):
            raise invalid_path("'path' must be a string.")
        value = fields.get("value")
        if path is None or not path.strip():
            if op == "remove":
                raise no_target("A 'remove' operation needs a 'path'.")
            _pathless(rtype, result, op, value)
            continue
        target = resolve(rtype, parse_path(path))
        if op != "remove" and "value" not in fields:
            raise invalid_value(f"The '{op}' operation on {path!r} needs a 'value'.")
        _apply(rtype, result, op, target, value)
    return result


def _pathless(rtype: ResourceType, resource: dict[str, Any], op: str, value: Any) -> None:
    """``{"op": "replace", "value": {"active": false, "name.givenName": "Ann"}}``: each key is a path."""
    if not isinstance(value, dict):
        raise invalid_value(f"An '{op}' without 'path' needs an object 'value'.")
    for key, item in value.items():
        if not isinstance(key, str) or key.lower() == "schemas":
            continue
        extension = rtype.schema_for(key)
        if extension is not None and extension is not rtype.schema and isinstance(item, dict):
            for sub_key, sub_item in item.items():
                if isinstance(sub_key, str):
                    _apply(rtype, resource, op, resolve(rtype, parse_path(f"{extension.id}:{sub_key}")), sub_item)
            continue
        _apply(rtype, resource, op, resolve(rtype, parse_path(key)), item)


def _apply(rtype: ResourceType, resource: dict[str, Any], op: str, target: Target, value: Any) -> None:
    container = resource
    if target.container_key is not None:
        existing = resource.get(target.container_key)
        if target.attribute is None:
            # The whole extension object.
            if op == "remove":
                resource.pop(target.container_key, None)
            elif not isinstance(value, dict):
                raise invalid_value(f"'{target.container_key}' takes a JSON object.")
            elif op == "add" and isinstance(existing, dict):
                existing.update(value)
            else:
                resource[target.container_key] = dict(value)
            return
        if not isinstance(existing, dict):
            if op == "remove":
                return
            existing = resource[target.container_key] = {}
        container = existing
    attribute = target.attribute
    assert attribute is not None
    path = target.path
    sub_name = path.attr.sub or path.sub
    sub = attribute.sub(sub_name) if sub_name else None
    if attribute.mutability == "readOnly" or (sub is not None and sub.mutability == "readOnly"):
        raise mutability(f"{path.render()!r} is read-only.")
    if attribute.required and op == "remove" and sub is None:
        raise mutability(f"{attribute.name!r} is required and cannot be removed.")
    if attribute.multi_valued:
        _multi(rtype, container, op, attribute, target, sub, value)
    elif attribute.type == "complex":
        _complex(container, op, attribute, sub, value)
    elif op == "remove":
        container.pop(attribute.name, None)
    else:
        container[attribute.name] = value


def _complex(container: dict[str, Any], op: str, attribute: Attribute, sub: Attribute | None, value: Any) -> None:
    current = container.get(attribute.name)
    if not isinstance(current, dict):
        current = {}
    if sub is not None:
        if op == "remove":
            current.pop(sub.name, None)
        else:
            current[sub.name] = value
    elif op == "remove":
        container.pop(attribute.name, None)
        return
    elif isinstance(value, dict):
        # add and replace on a complex attribute both set the given sub-attributes (RFC 7644 §3.5.2.1, .3).
        for key, item in value.items():
            found = attribute.sub(key) if isinstance(key, str) else None
            if found is None:
                raise invalid_path(f"{attribute.name!r} has no sub-attribute {key!r}.")
            current[found.name] = item
    else:
        raise invalid_value(f"{attribute.name!r} takes a JSON object of sub-attributes.")
    container[attribute.name] = current


def _multi(
    rtype: ResourceType,
    container: dict[str, Any],
    op: str,
    attribute: Attribute,
    target: Target,
    sub: Attribute | None,
    value: Any,
) -> None:
    values = container.get(attribute.name)
    items: list[Any] = list(values) if isinstance(values, list) else []
    value_filter = target.path.value_filter
    if value_filter is None and sub is None:
        if op == "remove":
            container[attribute.name] = _without(attribute, items, value)
        elif op == "add":
            container[attribute.name] = _merged(attribute, items, value)
        else:
            container[attribute.name] = _merged(attribute, [], value)
        return
    names = (target.container_key + ":" + attribute.name,) if target.container_key else (attribute.name,)
    if value_filter is not None:
        selected = [
            i
            for i, item in enumerate(items)
            if isinstance(item, dict) and matches(value_filter, item, _describe(rtype, names))
        ]
    else:
        selected = [i for i, item in enumerate(items) if isinstance(item, dict)]
    if op == "remove":
        if sub is None:
            container[attribute.name] = [item for i, item in enumerate(items) if i not in selected]
        else:
            for i in selected:
                items[i].pop(sub.name, None)
            container[attribute.name] = items
        return
    if not selected:
        created = _element_from_filter(value_filter) if sub is not None else None
        if created is None:
            raise no_target(f"No value of {attribute.name!r} matches {target.path.render()!r}.")
        created[sub.name if sub else "value"] = value
        items.append(created)
        container[attribute.name] = items
        return
    for i in selected:
        if sub is not None:
            items[i][sub.name] = value
        elif not isinstance(value, dict):
            raise invalid_value(f"Values of {attribute.name!r} are JSON objects.")
        elif op == "add":
            items[i].update(value)
        else:
            items[i] = dict(value)
    container[attribute.name] = _primary_once(items)


def _describe(rtype: ResourceType, prefix: tuple[str, ...]) -> Any:
    def describe(names: tuple[str, ...]) -> tuple[str, bool]:
        if names[: len(prefix)] == prefix:
            return rtype.describe(names)
        return rtype.describe((*prefix, *names))

    return describe


def _element_from_filter(node: Filter | None) -> dict[str, Any] | None:
    """``type eq "work"`` (or several ``eq`` joined by ``and``) describes the value to create when none matches."""
    if node is None:
        return None
    if isinstance(node, Compare) and node.op == "eq" and node.path.sub is None and node.path.uri is None:
        return {node.path.attr: node.value}
    if isinstance(node, And):
        left, right = _element_from_filter(node.left), _element_from_filter(node.right)
        if left is not None and right is not None:
            return {**left, **right}
    return None


def _as_items(attribute: Attribute, value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    if attribute.type == "complex":
        for item in items:
            if not isinstance(item, dict):
                raise invalid_value(f"Values of {attribute.name!r} are JSON objects.")
    return items


def _key(attribute: Attribute, item: Any) -> Any:
    """What makes two values the same value: ``value`` (and ``type`` where given) for complex ones."""
    if isinstance(item, dict):
        inner = item.get("value")
        sub = attribute.sub("value")
        if isinstance(inner, str) and sub is not None and not sub.case_exact:
            inner = inner.lower()
        return (inner, item.get("type")) if inner is not None else None
    return item


def _merged(attribute: Attribute, items: list[Any], value: Any) -> list[Any]:
    """Add values, merging into an equal value instead of repeating it (clients do repeat adds)."""
    merged = [dict(i) if isinstance(i, dict) else i for i in items]
    added = _as_items(attribute, value)
    _one_primary_given(attribute, added)
    for item in added:
        key = _key(attribute, item)
        same = next(
            (
                i
                for i, existing in enumerate(merged)
                if key is not None and (_key(attribute, existing) == key or _same_value(attribute, existing, item))
            ),
            None,
        )
        if same is None:
            merged.append(dict(item) if isinstance(item, dict) else item)
        elif isinstance(item, dict) and isinstance(merged[same], dict):
            merged[same].update(item)
    return _primary_once(merged)


def _same_value(attribute: Attribute, existing: Any, item: Any) -> bool:
    # A value without a type equals a typed value with the same value (members carry no type).
    if not isinstance(existing, dict) or not isinstance(item, dict):
        return False
    if item.get("type") is not None and existing.get("type") is not None:
        return False
    return _key(attribute, {"value": existing.get("value")}) == _key(attribute, {"value": item.get("value")})


def _without(attribute: Attribute, items: list[Any], value: Any) -> list[Any]:
    """``remove`` of a multi-valued attribute: all values, or those listed in ``value`` (JumpCloud's shape)."""
    if value is None:
        return []
    doomed = [
        _key(attribute, {"value": v.get("value")} if isinstance(v, dict) else v) for v in _as_items(attribute, value)
    ]
    return [i for i in items if _key(attribute, {"value": i.get("value")} if isinstance(i, dict) else i) not in doomed]


def _one_primary_given(attribute: Attribute, items: list[Any]) -> None:
    """RFC 7643 §2.4 on the values one operation gives: two marked primary is refused, as in a POST or PUT (the
    server unmarks a value already there when a new one is made primary, RFC 7644 §3.5.2, but cannot choose
    between two the client sent together)."""
    marked = [str(i.get("value")) for i in items if _marked_primary(i)]
    if len(marked) > 1:
        raise invalid_value(
            f"'{attribute.name}' has {len(marked)} values marked \"primary\": true ({', '.join(marked)}); "
            "at most one value may be primary (RFC 7643 §2.4)."
        )


def _primary_once(items: list[Any]) -> list[Any]:
    """RFC 7643 §2.4: at most one value is primary; the last one set wins."""
    primaries = [i for i, item in enumerate(items) if _marked_primary(item)]
    for i in primaries[:-1]:
        items[i]["primary"] = False
    return items


def _marked_primary(item: Any) -> bool:
    """Whether a value is marked primary: ``true``, or the string ``"True"`` some clients send (the check of the
    result takes it as true too)."""
    if not isinstance(item, dict):
        return False
    primary = item.get("primary")
    return primary is True or (isinstance(primary, str) and primary.strip().lower() == "true")
