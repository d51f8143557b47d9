"""The XML of a SAML message, indented for reading and coloured like an editor would."""

from __future__ import annotations

from lxml import etree
from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from sandbox.saml.xmlsec_backend import UnsafeXml, parse_document


def pretty_xml(xml: str) -> str:
    """``xml`` indented two spaces a level; unreadable XML is returned as it is.

    Only for reading: re-indenting changes what a signature covers, so copying and saving use the
    message exactly as it travelled.
    """
    try:
        root = parse_document(xml)  # no DTD, no entities, no network
    except UnsafeXml:
        return xml
    etree.indent(root, space="  ")
    return str(etree.tostring(root, encoding="unicode"))


FIRST_SCREEN_LINES = 120


def _format(colour: str, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    text_format = QTextCharFormat()
    text_format.setForeground(QColor(colour))
    if bold:
        text_format.setFontWeight(QFont.Weight.DemiBold)
    text_format.setFontItalic(italic)
    return text_format


class XmlHighlighter(QSyntaxHighlighter):
    """Element names, attribute names and values, comments and CDATA in different colours."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        # One expression with named groups: a single scan per line keeps 200 KB messages quick.
        self._token = QRegularExpression(
            r"(?<comment><!--.*?-->)"
            r"|(?<tag></?[\w:.-]+|/?>|\?>|<\?[\w:.-]+)"
            r"|(?<attr>[\w:.-]+)(?==)"
            r"|(?<value>\"[^\"]*\"|'[^']*')"
        )
        self._formats = {
            "comment": _format("#8a94a6", italic=True),
            "tag": _format("#1565c0", bold=True),
            "attr": _format("#8e44ad"),
            "value": _format("#b5541b"),
        }
        self._names = list(self._formats)
        #: the block numbers to colour now, and those already coloured
        self.lines = (0, FIRST_SCREEN_LINES)
        self.coloured: set[int] = set()

    def highlightBlock(self, text: str) -> None:
        # Only the lines on screen are coloured: a 200 KB message has thousands of lines, and
        # colouring them all up front would make opening it slow. XmlView asks for the rest on scroll.
        number = self.currentBlock().blockNumber()
        if not self.lines[0] <= number <= self.lines[1]:
            return
        self.coloured.add(number)
        matches = self._token.globalMatch(text)
        formats = self._formats
        while matches.hasNext():
            match = matches.next()
            for name in self._names:
                start = match.capturedStart(name)
                if start >= 0:
                    self.setFormat(start, match.capturedLength(name), formats[name])
                    break


class XmlView(QPlainTextEdit):
    """A read-only, monospaced, highlighted view of one message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("samlXml")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(mono)
        self.highlighter = XmlHighlighter(self.document())
        self.verticalScrollBar().valueChanged.connect(self._colour_visible)

    def show_xml(self, xml: str) -> None:
        self.highlighter.lines = (0, FIRST_SCREEN_LINES)
        self.highlighter.coloured.clear()
        self.setPlainText(pretty_xml(xml))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._colour_visible()

    def _colour_visible(self) -> None:
        first = self.firstVisibleBlock().blockNumber()
        last = first + self.viewport().height() // max(1, self.fontMetrics().height()) + 2
        highlighter = self.highlighter
        highlighter.lines = (first, last)
        document = self.document()
        for number in range(first, min(last, document.blockCount() - 1) + 1):
            if number not in highlighter.coloured:
                highlighter.rehighlightBlock(document.findBlockByNumber(number))
