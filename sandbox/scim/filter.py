"""RFC 7644 §3.4.2.2 filters: the whole grammar parsed into a small AST, rendered back, evaluated.

The AST is shared by list filtering (compiled to SQL by the server where an attribute is a column)
and by PATCH value paths such as ``members[value eq "2819c223"]``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.scim.errors import invalid_filter

COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
ORDER_OPS = ("gt", "ge", "lt", "le")
MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 50

Value = str | int | float | bool | None


@dataclass(frozen=True)
class AttrPath:
    """``[uri:]attr[.sub]``; names as written (matching is case-insensitive)."""

    attr: str
    sub: str | None = None
    uri: str | None = None

    def render(self) -> str:
        text = f"{self.uri}:{self.attr}" if self.uri else self.attr
        return f"{text}.{self.sub}" if self.sub else text

    @property
    def dotted(self) -> str:
        """``name.givenName`` without the schema URI."""
        return f"{self.attr}.{self.sub}" if self.sub else self.attr


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str
    value: Value


@dataclass(frozen=True)
class Present:
    path: AttrPath


@dataclass(frozen=True)
class And:
    left: Filter
    right: Filter


@dataclass(frozen=True)
class Or:
    left: Filter
    right: Filter


@dataclass(frozen=True)
class Not:
    inner: Filter


@dataclass(frozen=True)
class ValuePath:
    """``emails[type eq "work"]``: ``filter`` applies to each value of the multi-valued ``path``."""

    path: AttrPath
    filter: Filter


Filter = Compare | Present | And | Or | Not | ValuePath

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_$:.-]))
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<lbracket>\[)
  | (?P<rbracket>\])
  | (?P<word>[A-Za-z$][A-Za-z0-9_$:.\-]*)
    """,
    re.VERBOSE,
)
_ATTRNAME = re.compile(r"^\$?[A-Za-z][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: int


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise invalid_filter(f"Unexpected character {text[position]!r} at position {position + 1}.")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(_Token(kind, match.group(), position))
        position = match.end()
    return found


def parse_attr_path(text: str) -> AttrPath:
    """``urn:…:User:name.givenName`` → AttrPath; raises invalidFilter for anything else."""
    uri: str | None = None
    rest = text
    if ":" in text:
        uri, _, rest = text.rpartition(":")
        if not uri or not rest:
            raise invalid_filter(f"{text!r} is not an attribute path.")
    parts = rest.split(".")
    # A schema URI such as "…:2.0:User" splits at the dot of "2.0" only if it has no attribute after it.
    if len(parts) > 2 or not all(_ATTRNAME.match(p) for p in parts):
        raise invalid_filter(f"{text!r} is not an attribute path.")
    return AttrPath(attr=parts[0], sub=parts[1] if len(parts) == 2 else None, uri=uri)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def next(self, expected: str) -> _Token:
        token = self.peek()
        if token is None:
            raise invalid_filter(f"The filter ends where {expected} was expected.")
        self.index += 1
        return token

    def keyword(self, token: _Token | None, *words: str) -> bool:
        return token is not None and token.kind == "word" and token.text.lower() in words

    def parse(self) -> Filter:
        if not self.tokens:
            raise invalid_filter("The filter is empty.")
        result = self.parse_or()
        token = self.peek()
        if token is not None:
            raise invalid_filter(f"Unexpected {token.text!r} at position {token.at + 1}.")
        return result

    def parse_or(self) -> Filter:
        left = self.parse_and()
        while self.keyword(self.peek(), "or"):
            self.index += 1
            left = Or(left, self.parse_and())
        return left

    def parse_and(self) -> Filter:
        left = self.parse_unary()
        while self.keyword(self.peek(), "and"):
            self.index += 1
            left = And(left, self.parse_unary())
        return left

    def parse_unary(self) -> Filter:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise invalid_filter("The filter nests too deeply.")
        try:
            token = self.next("an expression")
            if self.keyword(token, "not"):
                opening = self.next("'(' after 'not'")
                if opening.kind != "lparen":
                    raise invalid_filter(f"'not' must be followed by '(' (position {opening.at + 1}).")
                inner = self.parse_or()
                self.close("rparen", ")")
                return Not(inner)
            if token.kind == "lparen":
                inner = self.parse_or()
                self.close("rparen", ")")
                return inner
            if token.kind != "word":
                raise invalid_filter(f"Expected an attribute name at position {token.at + 1}, found {token.text!r}.")
            path = parse_attr_path(token.text)
            following = self.peek()
            if following is not None and following.kind == "lbracket":
                self.index += 1
                if path.sub is not None:
                    raise invalid_filter(f"{path.render()!r} cannot take a value filter.")
                inner = self.parse_or()
                self.close("rbracket", "]")
                return ValuePath(path, inner)
            return self.parse_comparison(path)
        finally:
            self.depth -= 1

    def parse_comparison(self, path: AttrPath) -> Filter:
        operator = self.next(f"an operator after {path.render()!r}")
        op = operator.text.lower()
        if operator.kind == "word" and op == "pr":
            return Present(path)
        if operator.kind != "word" or op not in COMPARE_OPS:
            raise invalid_filter(
                f"Unknown operator {operator.text!r} at position {operator.at + 1}; "
                "use eq, ne, co, sw, ew, gt, ge, lt, le or pr."
            )
        return Compare(path, op, self.parse_value())

    def parse_value(self) -> Value:
        token = self.next("a value")
        if token.kind == "string":
            try:
                return str(json.loads(token.text))
            except ValueError as error:
                raise invalid_filter(f"Malformed string at position {token.at + 1}.") from error
        if token.kind == "number":
            number = json.loads(token.text)
            if isinstance(number, float) and not math.isfinite(number):
                raise invalid_filter(f"The number at position {token.at + 1} is out of range.")
            return int(number) if isinstance(number, int) else float(number)
        if token.kind == "word" and token.text.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.text.lower()]
        raise invalid_filter(
            f"Expected a value (a quoted string, number, true, false or null) at position {token.at + 1}, "
            f"found {token.text!r}."
        )

    def close(self, kind: str, text: str) -> None:
        token = self.next(f"{text!r}")
        if token.kind != kind:
            raise invalid_filter(f"Expected {text!r} at position {token.at + 1}, found {token.text!r}.")


def parse_filter(text: str) -> Filter:
    """Parse a SCIM filter; raises ``ScimError`` (400 invalidFilter) with a helpful detail."""
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    return _Parser(text).parse()


def render_value(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def render_filter(node: Filter) -> str:
    """The canonical text of ``node``: ``parse_filter(render_filter(f)) == f``."""
    if isinstance(node, Compare):
        return f"{node.path.render()} {node.op} {render_value(node.value)}"
    if isinstance(node, Present):
        return f"{node.path.render()} pr"
    if isinstance(node, ValuePath):
        return f"{node.path.render()}[{render_filter(node.filter)}]"
    if isinstance(node, Not):
        return f"not ({render_filter(node.inner)})"
    if isinstance(node, And):
        return f"{_operand(node.left, Or)} and {_operand(node.right, Or | And)}"
    return f"{render_filter(node.left)} or {_operand(node.right, Or)}"


def _operand(node: Filter, wrap: Any) -> str:
    text = render_filter(node)
    return f"({text})" if isinstance(node, wrap) else text


def attr_paths(node: Filter) -> Iterator[AttrPath]:
    """Every attribute path the filter names (value-path filters yield their inner paths too)."""
    if isinstance(node, Compare | Present):
        yield node.path
    elif isinstance(node, ValuePath):
        yield node.path
        yield from attr_paths(node.filter)
    elif isinstance(node, Not):
        yield from attr_paths(node.inner)
    else:
        yield from attr_paths(node.left)
        yield from attr_paths(node.right)


# (attribute path relative to the resource, or to a value inside a value path) → (type, caseExact)
Describe = Callable[[tuple[str, ...]], tuple[str, bool]]


def matches(node: Filter, resource: dict[str, Any], describe: Describe, prefix: tuple[str, ...] = ()) -> bool:
    """Evaluate ``node`` against a resource (or one value of a multi-valued attribute) in Python.

    ``describe`` gives each attribute's SCIM type and caseExact rule; names match case-insensitively.
    """
    if isinstance(node, And):
        return matches(node.left, resource, describe, prefix) and matches(node.right, resource, describe, prefix)
    if isinstance(node, Or):
        return matches(node.left, resource, describe, prefix) or matches(node.right, resource, describe, prefix)
    if isinstance(node, Not):
        return not matches(node.inner, resource, describe, prefix)
    if isinstance(node, ValuePath):
        names = (*prefix, node.path.attr)
        values = _as_list(_get(resource, node.path.attr))
        return any(isinstance(v, dict) and matches(node.filter, v, describe, names) for v in values)
    path = node.path
    names = (*prefix, path.attr) if path.sub is None else (*prefix, path.attr, path.sub)
    candidates = _values_at(resource, path)
    if isinstance(node, Present):
        return any(_present(v) for v in candidates)
    kind, case_exact = describe(names)
    if kind == "complex":
        # A complex multi-valued attribute without a sub-attribute is compared through its "value".
        kind, case_exact = describe((*names, "value"))
        candidates = [v.get("value") if isinstance(v, dict) else v for v in candidates]
    if node.op == "ne":
        return not any(_compare(v, "eq", node.value, kind, case_exact) for v in candidates)
    return any(_compare(v, node.op, node.value, kind, case_exact) for v in candidates)


def _get(container: dict[str, Any], name: str) -> Any:
    if name in container:
        return container[name]
    lowered = name.lower()
    for key, value in container.items():
        if key.lower() == lowered:
            return value
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _values_at(resource: dict[str, Any], path: AttrPath) -> list[Any]:
    container = resource
    if path.uri and ":" in path.uri and _get(resource, path.uri) is not None:
        extension = _get(resource, path.uri)
        container = extension if isinstance(extension, dict) else {}
    values = _as_list(_get(container, path.attr))
    if path.sub is None:
        return values
    found: list[Any] = []
    for value in values:
        if isinstance(value, dict):
            found.extend(_as_list(_get(value, path.sub)))
    return found


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _compare(actual: Any, op: str, expected: Value, kind: str, case_exact: bool) -> bool:
    if expected is None:
        return op == "eq" and actual is None
    if actual is None or isinstance(actual, dict | list):
        return False
    if kind == "boolean" or isinstance(expected, bool):
        if op in ORDER_OPS or op in ("co", "sw", "ew"):
            raise invalid_filter(f"The operator {op!r} does not apply to boolean values.")
        return op == "eq" and actual is expected
    if kind in ("integer", "decimal") and isinstance(expected, int | float) and isinstance(actual, int | float):
        return _order(actual, op, expected)
    left, right = str(actual), str(expected)
    if kind == "dateTime":
        moment_left, moment_right = _moment(left), _moment(right)
        if moment_left is not None and moment_right is not None and op in (*ORDER_OPS, "eq"):
            return _order(moment_left, op, moment_right)
    if not case_exact:
        left, right = left.lower(), right.lower()
    if op == "eq":
        return left == right
    if op == "co":
        return right in left
    if op == "sw":
        return left.startswith(right)
    if op == "ew":
        return left.endswith(right)
    return _order(left, op, right)


def _order(left: Any, op: str, right: Any) -> bool:
    if op == "eq":
        return bool(left == right)
    if op == "gt":
        return bool(left > right)
    if op == "ge":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    if op == "le":
        return bool(left <= right)
    return False


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
