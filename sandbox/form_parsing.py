"""URL-encoded forms parsed as Werkzeug parses them, with base64 values decoded without a loop per escape.

A posted SAMLRequest or SAMLResponse is kilobytes of base64 in one field, and a browser escapes its
``+``, ``/`` and ``=`` (hundreds of ``%2B``/``%2F``/``%3D`` in a signed Response). ``urllib.parse.unquote``
decodes those one by one (about 0.4 ms for a 20 KB Response, most of the ACS's form parsing). Here a name
or value whose only escapes are those three is decoded by three replacements; anything else (other
escapes, a ``%`` left over) takes ``unquote`` exactly as ``parse_qsl`` calls it, so every form reads the
same as with Werkzeug's own parser.
"""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import unquote

from flask import Flask, Request
from werkzeug.formparser import FormDataParser

# The escapes of base64's three symbols, in both cases (RFC 3986 makes hex digits case-insensitive).
_BASE64_ESCAPES = (("%2B", "+"), ("%2F", "/"), ("%3D", "="), ("%2b", "+"), ("%2f", "/"), ("%3d", "="))
# Werkzeug's error handler for bytes that are not UTF-8 after unquoting (registered when werkzeug loads).
_ERRORS = "werkzeug.url_quote"


def _unquote_plus(text: str) -> str:
    """``unquote(text.replace("+", " "), errors="werkzeug.url_quote")``, as ``parse_qsl`` decodes a field."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    decoded = text
    for escape, symbol in _BASE64_ESCAPES:
        decoded = decoded.replace(escape, symbol)
    # Every "%" gone means every escape was one of the three, each decoding to its ASCII symbol.
    if "%" not in decoded:
        return decoded
    return unquote(text, errors=_ERRORS)


def parse_form(text: str) -> list[tuple[str, str]]:
    """The fields of an ``application/x-www-form-urlencoded`` body, as
    ``parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")`` returns them."""
    fields = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        fields.append((_unquote_plus(name), _unquote_plus(value)))
    return fields


class QuickFormDataParser(FormDataParser):
    """Werkzeug's form parser with URL-encoded bodies read by :func:`parse_form`."""

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> tuple[IO[bytes], Any, Any]:
        # As Werkzeug: the body decoded as UTF-8 (a body that is not is refused as Werkzeug refuses it).
        return stream, self.cls(parse_form(stream.read().decode())), self.cls()


class QuickFormRequest(Request):
    """Flask's request, forms parsed by :class:`QuickFormDataParser`."""

    form_data_parser_class = QuickFormDataParser


def install_form_parsing(app: Flask) -> None:
    """Parse ``app``'s URL-encoded forms with :func:`parse_form`."""
    app.request_class = QuickFormRequest
