"""User Portal Images: which uploads are accepted, and how they are served safely."""

from __future__ import annotations

from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml

MAX_IMAGE_BYTES = 512 * 1024
SVG_NS = "http://www.w3.org/2000/svg"


class PortalImageError(ValueError):
    """An upload that is not a usable User Portal Image; the message says why."""


def check_portal_image(data: bytes, filename: str = "") -> str:
    """The content type of an acceptable PNG, JPEG or SVG image; raises :class:`PortalImageError`."""
    if not data:
        raise PortalImageError("The image file is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise PortalImageError(
            f"The image is {len(data) // 1024} KB; at most {MAX_IMAGE_BYTES // 1024} KB is accepted."
        )
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) or filename.lower().endswith(".svg"):
        try:
            root = parse_xml(data, max_bytes=MAX_IMAGE_BYTES)
        except UnsafeXmlError as error:
            said = error.restated("The SVG image") if error.verdict else f"The SVG image cannot be used. {error}"
            raise PortalImageError(said) from error
        if root.tag != f"{{{SVG_NS}}}svg":
            raise PortalImageError("The file is XML but not an SVG image.")
        return "image/svg+xml"
    raise PortalImageError("Upload a PNG, JPEG or SVG image.")


# Served with every stored image: an uploaded SVG must never run script in the portal's origin.
IMAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
