"""Parsing untrusted XML (SAML messages, metadata) without entity tricks, network access or huge input.

Any DOCTYPE is refused outright: SAML 2.0 forbids DTDs in protocol messages (saml-bindings §3.4.4 /
§3.5.4 rely on them being absent), and refusing them closes XXE and "billion laughs" at once.
"""

from __future__ import annotations

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree

# Generous for metadata with several certificates; SAML responses are a few kilobytes.
MAX_XML_BYTES = 1024 * 1024


class UnsafeXmlError(ValueError):
    """The text is not acceptable XML; the message says why, in plain words."""


def _parser() -> etree.XMLParser:
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
        # defusedxml refuses DTDs, entity declarations and external references before anything is expanded.
        defused_fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise UnsafeXmlError(
            "The XML declares a DTD or entities (<!DOCTYPE …>); they are refused to prevent "
            f"external-entity and entity-expansion attacks ({type(error).__name__})."
        ) from error
    except Exception as error:  # xml.etree.ElementTree.ParseError and friends
        raise UnsafeXmlError(f"This is not well-formed XML: {error}.") from error
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise UnsafeXmlError(f"This is not well-formed XML: {error}.") from error
    if root.getroottree().docinfo.doctype:
        raise UnsafeXmlError("The XML declares a DTD (<!DOCTYPE …>); it is refused.")
    return root
