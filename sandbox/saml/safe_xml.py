"""Parsing untrusted XML (SAML messages, metadata) without entity tricks, network access or huge input.

Any DOCTYPE is refused outright: SAML 2.0 forbids DTDs in protocol messages (saml-bindings §3.4.4 /
§3.5.4 rely on them being absent), and refusing them closes XXE and "billion laughs" at once.

One lxml parse per document: the parser never loads a DTD, never resolves an entity, never touches
the network and keeps libxml2's size limits, so nothing a DOCTYPE declares can take effect while it
is read; a document that has one (in whatever encoding) is then refused on its ``docinfo``.
"""

from __future__ import annotations

from lxml import etree

# Generous for metadata with several certificates; SAML responses are a few kilobytes.
MAX_XML_BYTES = 1024 * 1024

_DTD_REFUSED = (
    "The XML declares a DTD or entities (<!DOCTYPE …>); they are refused to prevent "
    "external-entity and entity-expansion attacks."
)


class UnsafeXmlError(ValueError):
    """The text is not acceptable XML; the message says why, in plain words."""


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers must not be shared between threads (waitress serves in several).
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_xml(data: str | bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """The root element of ``data``; raises :class:`UnsafeXmlError` for anything not plain, small XML."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXmlError(f"The XML is {len(raw):,} bytes; at most {max_bytes:,} bytes are accepted.")
    if not raw.strip():
        raise UnsafeXmlError("The document is empty.")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as error:
        # libxml2 still reads an internal subset it will not use, and may stop on it first (for example
        # on entity amplification); the DTD is the reason the person needs to hear.
        if b"<!DOCTYPE" in raw or "<!DOCTYPE".encode("utf-16-le") in raw:
            raise UnsafeXmlError(_DTD_REFUSED) from error
        raise UnsafeXmlError(f"This is not well-formed XML: {error}.") from error
    if root is None:
        raise UnsafeXmlError("This is not well-formed XML: it has no root element.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError(_DTD_REFUSED)
    return root
