"""Parsing untrusted XML (SAML messages, metadata) without entity tricks, network access or huge input.

Any DOCTYPE is refused outright: SAML 2.0 forbids DTDs in protocol messages (saml-bindings §3.4.4 /
§3.5.4 rely on them being absent), and refusing them closes XXE and "billion laughs" at once.

One lxml parse per document: the parser never loads a DTD, never resolves an entity, never touches
the network and keeps libxml2's size limits, so nothing a DOCTYPE declares can take effect while it
is read; a document that has one (in whatever encoding) is then refused on its ``docinfo``.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

log = logging.getLogger("sandbox.saml")

# Generous for metadata with several certificates; SAML responses are a few kilobytes.
MAX_XML_BYTES = 1024 * 1024

_DTD_REFUSED = (
    "The XML declares a DTD or entities (<!DOCTYPE …>); they are refused to prevent "
    "external-entity and entity-expansion attacks."
)


class UnsafeXmlError(ValueError):
    """The text is not acceptable XML; the message says why, in plain words.

    For a document that is not well-formed, ``verdict`` ("not complete XML", "not well-formed XML"),
    ``detail`` (what is wrong, as a clause) and ``line``/``column`` (where the parser stopped) let a caller
    name the document itself: "The file is not complete XML: it ends inside the <Foo> element (line 3, column 9)."
    """

    def __init__(
        self, message: str, *, verdict: str = "", detail: str = "", line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.detail = detail
        self.line = line
        self.column = column

    def restated(self, subject: str) -> str:
        """The message with ``subject`` ("The file") in place of "This"; the message itself when there is no verdict."""
        if not self.verdict:
            return str(self)
        return _sentence(subject, self.verdict, self.detail, self.line, self.column)


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
    parser = _parser()
    try:
        root = etree.fromstring(raw, parser=parser)
    except etree.XMLSyntaxError as error:
        # libxml2 still reads an internal subset it will not use, and may stop on it first (for example
        # on entity amplification); the DTD is the reason the person needs to hear.
        if b"<!DOCTYPE" in raw or "<!DOCTYPE".encode("utf-16-le") in raw:
            raise UnsafeXmlError(_DTD_REFUSED) from error
        raise _not_well_formed(error, parser.error_log, raw) from error
    if root is None:
        raise UnsafeXmlError("This is not well-formed XML: it has no root element.", verdict="not well-formed XML")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError(_DTD_REFUSED)
    return root


def _sentence(subject: str, verdict: str, detail: str, line: int | None, column: int | None) -> str:
    where = f" (line {line}, column {column})" if line else ""
    return f"{subject} is {verdict}: {detail}{where}." if detail else f"{subject} is {verdict}{where}."


# libxml2's words for the usual mistakes, as the error code and message it gives them (lxml passes both on).
_TAG_NOT_FINISHED = re.compile(r"Premature end of data in tag (\S+) line (\d+)")
_TAG_MISMATCH = re.compile(r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)")
_START_TAG_OPEN = re.compile(r"Couldn't find end of Start Tag (\S+)")
_ENTITY = re.compile(r"Entity '([^']+)' not defined")
_ATTRIBUTE_TWICE = re.compile(r"Attribute (\S+) redefined")
_PREFIX = re.compile(r"Namespace prefix (\S+) on (\S+) is not defined")
_CODE_NAMESPACE_UNDEFINED = 201


def _not_well_formed(error: etree.XMLSyntaxError, errors: etree._ListErrorLog, raw: bytes) -> UnsafeXmlError:
    """What libxml2 found, said as a person would say it; its own words go to the log only."""
    # Where the document ends, as libxml2 counts (lines from 1, the column just after the last character).
    end = (raw.count(b"\n") + 1, len(raw) - raw.rfind(b"\n"))
    reported = _most_telling(errors, end)
    message = (reported.message if reported is not None else error.msg or "").strip()
    line = reported.line if reported is not None else error.lineno
    column = reported.column if reported is not None else (error.offset or 0) + 1
    log.info("XML refused by the parser: %s (line %s, column %s)", message, line, column)
    verdict, detail = _plainly(message, raw, at_end=(line, column) == end)
    return UnsafeXmlError(
        _sentence("This", verdict, detail, line, column), verdict=verdict, detail=detail, line=line, column=column
    )


def _most_telling(errors: etree._ListErrorLog, end: tuple[int, int]) -> etree._LogEntry | None:
    """Of the errors one parse logged, the one that explains the others: a document cut short is the reason
    for everything libxml2 said about it; otherwise the first fatal error (a prefix without a namespace is only
    an error, and comes after the cause when a start tag is cut off)."""
    entries = [e for e in errors if e.domain_name in ("PARSER", "NAMESPACE")]
    for entry in entries:
        if entry.type_name == "ERR_TAG_NOT_FINISHED":
            return entry
    for entry in entries:
        if entry.type_name == "ERR_GT_REQUIRED" and (entry.line, entry.column) == end:
            return entry
    for entry in entries:
        if entry.type != _CODE_NAMESPACE_UNDEFINED:
            return entry
    return entries[0] if entries else None


def _plainly(message: str, raw: bytes, *, at_end: bool) -> tuple[str, str]:
    """``(verdict, detail)`` for libxml2's ``message``."""
    incomplete = "not complete XML"
    malformed = "not well-formed XML"
    if found := _TAG_NOT_FINISHED.search(message):
        return incomplete, f"it ends inside the <{found[1]}> element"
    if found := _START_TAG_OPEN.search(message):
        if at_end:
            return incomplete, f"it ends inside the start tag of the <{found[1]}> element"
        return malformed, f"the start tag <{found[1]} is not closed with “>”"
    if found := _TAG_MISMATCH.search(message):
        return malformed, f"the <{found[1]}> element opened on line {found[2]} is closed by </{found[3]}>"
    if message.startswith("Start tag expected") or message == "Document is empty":
        start = raw.lstrip()[:1]
        if start in (b"{", b"["):
            return malformed, "it is JSON"
        return malformed, "it does not begin with an element (“<”)"
    if message.startswith("attributes construct error"):
        return malformed, 'an attribute is not written as name="value"'
    if message.startswith("Extra content at the end"):
        return malformed, "more follows after its root element has ended"
    if message.startswith(("xmlParseEntityRef: no name", "EntityRef: expecting ';'")):
        return malformed, "an “&” is not written as “&amp;”"
    if found := _ENTITY.search(message):
        return malformed, f"it uses “&{found[1]};”, which XML does not define (write the character itself)"
    if message.startswith("AttValue: \" or ' expected"):
        return malformed, "an attribute's value is not in quotes"
    if message.startswith("Unescaped '<' not allowed in attributes values"):
        return malformed, "an attribute's value contains “<” (is a closing quote missing?)"
    if found := _ATTRIBUTE_TWICE.search(message):
        return malformed, f"an element has the attribute {found[1]} twice"
    if found := _PREFIX.search(message):
        return malformed, f"the prefix “{found[1]}:” of <{found[1]}:{found[2]}> is used without declaring its namespace"
    if message.startswith("Comment not terminated"):
        return incomplete, "a comment (“<!--”) is never closed with “-->”"
    if message.startswith("CData section not finished"):
        return incomplete, "a CDATA section is never closed with “]]>”"
    if message.startswith("XML declaration allowed only at the start"):
        return malformed, "something comes before its <?xml …?> declaration, which must come first"
    if any(words in message for words in ("invalid Char value", "invalid xmlChar value", "out of allowed range")):
        return malformed, "it contains a control character, which XML does not allow"
    if message.startswith(("Invalid bytes in character encoding", "Input is not proper UTF-8")):
        return malformed, "its bytes are not in the encoding it declares (UTF-8 unless it says otherwise)"
    if message.startswith("expected '>'"):
        return malformed, "an end tag is not closed with “>”"
    if message.startswith("StartTag: invalid element name"):
        return malformed, "a “<” is not followed by an element name"
    return malformed, ""
