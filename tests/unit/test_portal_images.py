"""Which User Portal Images JumpCloud accepts, and what it says of one it refuses."""

from __future__ import annotations

import pytest

from sandbox.jumpcloud.services.portal_images import MAX_IMAGE_BYTES, PortalImageError, check_portal_image

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def refusal(data: bytes, filename: str = "logo.svg") -> str:
    with pytest.raises(PortalImageError) as refused:
        check_portal_image(data, filename)
    return str(refused.value)


def test_png_jpeg_and_svg_are_accepted_by_their_content() -> None:
    assert check_portal_image(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "logo.png") == "image/png"
    assert check_portal_image(b"\xff\xd8\xff\xe0" + b"\0" * 16, "logo.jpg") == "image/jpeg"
    assert check_portal_image(SVG, "logo.svg") == "image/svg+xml"


def test_a_broken_svg_is_named_in_one_sentence() -> None:
    said = refusal(SVG[: -len(b"</svg>")])
    assert said.startswith("The SVG image is not complete XML: it ends inside the <svg> element (line 1"), said
    assert ": This" not in said and "<string>" not in said


def test_other_refusals_say_why() -> None:
    assert refusal(b"") == "The image file is empty."
    assert "at most 512 KB" in refusal(b"\x89PNG" + b"\0" * (MAX_IMAGE_BYTES + 1), "big.png")
    assert refusal(b'<?xml version="1.0"?><html/>') == "The file is XML but not an SVG image."
    assert refusal(b"GIF89a", "logo.gif") == "Upload a PNG, JPEG or SVG image."
    doctype = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>'
    said = refusal(doctype)
    assert said.startswith("The SVG image cannot be used. "), said
