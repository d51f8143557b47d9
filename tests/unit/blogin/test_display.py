"""How the console shows people's values: escaped, isolated from the page's direction, controls made visible."""

from __future__ import annotations

import json

from sandbox.blogin.web.display import json_escaped_controls, plain, shown


def test_a_value_is_escaped_and_isolated() -> None:
    assert str(shown("<b>Ada & co</b>")) == "<bdi>&lt;b&gt;Ada &amp; co&lt;/b&gt;</bdi>"
    assert str(shown(None)) == "<bdi></bdi>"


def test_arabic_and_hebrew_names_are_kept_as_they_are() -> None:
    for name in ("نورة العبدالله", "יוסף כהן", "Zoë 👩\u200d💻"):
        assert str(shown(name)) == f"<bdi>{name}</bdi>"


def test_a_right_to_left_override_is_shown_not_obeyed() -> None:
    html = str(shown("zoe.\u202egnp.exe@acme.example"))
    assert "\u202e" not in html
    assert '<span class="control-char" title="U+202E RIGHT-TO-LEFT OVERRIDE">RLO</span>' in html
    assert html.startswith("<bdi>zoe.<span") and html.endswith("gnp.exe@acme.example</bdi>")


def test_zero_width_and_isolate_characters_are_marked() -> None:
    html = str(shown("a\u200bb\u2067c\u2069\ufeff"))
    assert ">ZWSP<" in html and ">RLI<" in html and ">PDI<" in html and ">BOM<" in html


def test_plain_text_leaves_the_controls_out() -> None:
    assert plain("zoe.\u202egnp.exe") == "zoe.gnp.exe"
    assert plain(None) == ""


def test_json_keeps_its_meaning_with_the_controls_escaped() -> None:
    document = {"userName": "zoe.\u202egnp.exe", "name": {"givenName": "نورة"}}
    text = json_escaped_controls(json.dumps(document, ensure_ascii=False, indent=2))
    assert "\u202e" not in text and "\\u202e" in text
    assert "نورة" in text
    assert json.loads(text) == document


def test_control_characters_are_marked_in_caret_notation() -> None:
    html = str(shown("a\x07b\x1bc\x00d\x7fe\tf"))
    assert '<span class="control-char" title="U+0007 CONTROL CHARACTER">^G</span>' in html
    assert ">^[<" in html and ">NUL<" in html and ">DEL<" in html
    assert "\tf" in html  # a tab is text
    assert not any(character in html for character in "\x07\x1b\x00\x7f")
