"""URL-encoded forms read the same as Werkzeug reads them, base64 fields included."""

from __future__ import annotations

import base64
import os
from urllib.parse import parse_qsl, quote

import werkzeug  # noqa: F401  (registers the "werkzeug.url_quote" error handler parse_qsl is called with)
from flask import Flask, request
from hypothesis import given
from hypothesis import strategies as st

from sandbox.form_parsing import install_form_parsing, parse_form


def _werkzeug(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote")


# Pieces that exercise every branch: escapes of base64's symbols in both cases, other and broken escapes,
# encoded non-UTF-8 bytes, separators, plus signs and non-ASCII text.
_PIECES = st.sampled_from(
    ["%2B", "%2b", "%2F", "%2f", "%3D", "%3d", "%25", "%41", "%C3%A9", "%FF", "%", "%2", "%G1", "+", "&", "=", "é"]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(alphabet="ab/=+%&.-_~9Z ", max_size=4)), max_size=30).map("".join)


@given(_TEXT)
def test_any_form_reads_as_parse_qsl_reads_it(text: str) -> None:
    assert parse_form(text) == _werkzeug(text)


def test_a_posted_saml_response_decodes_to_its_base64() -> None:
    value = base64.b64encode(os.urandom(12000)).decode()
    body = f"SAMLResponse={quote(value, safe='')}&RelayState=%2Fhome%3Ftab%3D1&empty=&flag"
    assert parse_form(body) == _werkzeug(body)
    assert dict(parse_form(body))["SAMLResponse"] == value


def test_the_apps_forms_are_read_the_same_and_a_body_that_is_not_utf8_gives_no_fields() -> None:
    app = Flask(__name__)
    install_form_parsing(app)

    @app.post("/")
    def echo() -> dict[str, list[list[str]]]:
        return {"fields": [list(item) for item in request.form.items(multi=True)]}

    client = app.test_client()
    form = "a=1&a=2&b=x+y%2B%2F%3D&c=%E2%82%AC"
    answer = client.post("/", data=form, content_type="application/x-www-form-urlencoded")
    assert answer.get_json() == {"fields": [list(item) for item in _werkzeug(form)]}
    not_utf8 = client.post("/", data=b"a=\xff\xfe", content_type="application/x-www-form-urlencoded")
    assert not_utf8.get_json() == {"fields": []}
