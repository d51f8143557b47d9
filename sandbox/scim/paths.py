"""PATCH paths (RFC 7644 §3.5.2): ``attrPath`` or ``valuePath [subAttr]``, resolved against a resource type."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.scim.errors import ScimError, invalid_path
from sandbox.scim.filter import AttrPath, Filter, parse_attr_path, parse_filter, render_filter
from sandbox.scim.schemas import Attribute, ResourceType


@dataclass(frozen=True)
class PatchPath:
    """``emails[type eq "work"].value`` → attr ``emails``, value filter, sub ``value``."""

    attr: AttrPath
    value_filter: Filter | None = None
    sub: str | None = None

    def render(self) -> str:
        text = self.attr.render()
        if self.value_filter is not None:
            text += f"[{render_filter(self.value_filter)}]"
        return f"{text}.{self.sub}" if self.sub else text


def parse_path(text: str) -> PatchPath:
    """Parse a PATCH path; malformed paths are 400 invalidPath."""
    stripped = text.strip()
    if not stripped or len(stripped) > 1024:
        raise invalid_path("The path is empty or too long.")
    try:
        if "[" not in stripped:
            return PatchPath(parse_attr_path(stripped))
        head, _, rest = stripped.partition("[")
        inner, closing, tail = rest.rpartition("]")
        if not closing:
            raise invalid_path(f"The path {text!r} has '[' without a matching ']'.")
        attr = parse_attr_path(head)
        if attr.sub is not None:
            raise invalid_path(f"The path {text!r} puts a value filter on a sub-attribute.")
        sub: str | None = None
        if tail:
            if not tail.startswith(".") or not parse_attr_path(tail[1:]) or "." in tail[1:] or ":" in tail[1:]:
                raise invalid_path(f"After ']' the path {text!r} may only name a sub-attribute ('.value').")
            sub = tail[1:]
        return PatchPath(attr, parse_filter(inner), sub)
    except ScimError as error:
        if error.scim_type == "invalidPath":
            raise
        raise invalid_path(f"The path {text!r} is malformed: {error.detail}") from error


@dataclass(frozen=True)
class Target:
    """Where a path points in a resource dict: ``container_key`` is None for core attributes,
    else the extension URN under which the attribute lives; ``attribute`` is None for a whole extension."""

    container_key: str | None
    attribute: Attribute | None
    path: PatchPath


def resolve(rtype: ResourceType, path: PatchPath) -> Target:
    """Find the attribute a path names, case-insensitively; unknown attributes are 400 invalidPath."""
    attr = path.attr
    if attr.uri:
        whole = rtype.schema_for(f"{attr.uri}:{attr.attr}")
        if whole is not None and whole is not rtype.schema and attr.sub is None:
            if path.value_filter is not None or path.sub is not None:
                raise invalid_path(f"The path {path.render()!r} cannot filter a schema extension.")
            return Target(whole.id, None, path)
        schema = rtype.schema_for(attr.uri)
        if schema is None:
            raise invalid_path(f"{attr.uri!r} is not a schema of {rtype.name} resources.")
        if schema is not rtype.schema:
            found = schema.attribute(attr.attr)
            if found is None:
                raise invalid_path(f"{schema.name} has no attribute {attr.attr!r}.")
            _check_sub(found, path)
            return Target(schema.id, found, path)
    found = rtype.attribute(attr.attr)
    if found is None:
        raise invalid_path(f"{rtype.name} resources have no attribute {attr.attr!r}.")
    _check_sub(found, path)
    return Target(None, found, path)


def _check_sub(attribute: Attribute, path: PatchPath) -> None:
    sub = path.attr.sub or path.sub
    if path.value_filter is not None and not attribute.multi_valued:
        raise invalid_path(f"{attribute.name!r} is not multi-valued; it takes no value filter.")
    if sub is not None and attribute.sub(sub) is None:
        raise invalid_path(f"{attribute.name!r} has no sub-attribute {sub!r}.")
