"""People's values as the console shows them: isolated from the page's text direction, invisible controls shown.

Names, userNames and team names arrive from identity providers and SCIM clients in any script. Each is shown
in its own bidirectional isolate (``<bdi>``), so an Arabic or Hebrew name reads right and never reorders the
text around it. Characters that change the direction of text, take no space or control a terminal (a
right-to-left override in a userName makes ``zoe.<RLO>gnp.exe`` read as ``zoe.exe.png``) are shown as small
labelled marks instead of acting on the page: a tester sees exactly what was provisioned.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

# Directional formatting characters (Unicode Bidirectional Algorithm, UAX #9 §2) and invisible characters a
# name has no use for. Zero-width joiners stay: emoji sequences and several scripts need them.
CONTROL_NAMES = {
    "\u061c": ("ALM", "ARABIC LETTER MARK"),
    "\u200b": ("ZWSP", "ZERO WIDTH SPACE"),
    "\u200e": ("LRM", "LEFT-TO-RIGHT MARK"),
    "\u200f": ("RLM", "RIGHT-TO-LEFT MARK"),
    "\u202a": ("LRE", "LEFT-TO-RIGHT EMBEDDING"),
    "\u202b": ("RLE", "RIGHT-TO-LEFT EMBEDDING"),
    "\u202c": ("PDF", "POP DIRECTIONAL FORMATTING"),
    "\u202d": ("LRO", "LEFT-TO-RIGHT OVERRIDE"),
    "\u202e": ("RLO", "RIGHT-TO-LEFT OVERRIDE"),
    "\u2060": ("WJ", "WORD JOINER"),
    "\u2066": ("LRI", "LEFT-TO-RIGHT ISOLATE"),
    "\u2067": ("RLI", "RIGHT-TO-LEFT ISOLATE"),
    "\u2068": ("FSI", "FIRST STRONG ISOLATE"),
    "\u2069": ("PDI", "POP DIRECTIONAL ISOLATE"),
    "\ufeff": ("BOM", "ZERO WIDTH NO-BREAK SPACE"),
}
# C0 control characters (but tab and line breaks) and DEL: kept by SQLite, drawn by browsers as empty boxes.
_C0 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROLS = re.compile("[" + _C0 + "".join(CONTROL_NAMES) + "]")


def _mark(match: re.Match[str]) -> str:
    character = match.group(0)
    code = ord(character)
    if character in CONTROL_NAMES:
        short, name = CONTROL_NAMES[character]
    elif code == 0:
        short, name = "NUL", "NULL"
    elif code == 0x7F:
        short, name = "DEL", "DELETE"
    else:
        # Caret notation, as terminals show them: ^G for BEL, ^[ for ESC.
        short, name = "^" + chr(code + 64), "CONTROL CHARACTER"
    return f'<span class="control-char" title="U+{ord(character):04X} {name}">{short}</span>'


def shown(value: Any) -> Markup:
    """``value`` as HTML for a page: escaped, in a ``<bdi>``, its invisible controls as visible marks."""
    # A listing shows a few values per row: the plain string operations keep this near 2 µs a value.
    text = "" if value is None else value if type(value) is str else str(value)
    escaped = str(escape(text))
    if _CONTROLS.search(escaped):
        escaped = _CONTROLS.sub(_mark, escaped)
    return Markup("<bdi>" + escaped + "</bdi>")


def plain(value: Any) -> str:
    """``value`` for plain text (a page's title), its invisible controls left out."""
    return _CONTROLS.sub("", "" if value is None else str(value))


def json_escaped_controls(text: str) -> str:
    """JSON text with its directional and invisible characters written as ``\\uXXXX`` escapes: the same JSON,
    shown without a right-to-left override turning the rest of its line around."""
    return _CONTROLS.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)


def register_display_filters(app: Flask) -> None:
    """``|shown`` and ``|plain`` for the console's templates."""
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.filters["plain"] = plain
