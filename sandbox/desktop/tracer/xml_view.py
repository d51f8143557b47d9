"""The XML of a SAML message, indented for reading and coloured like an editor would."""

from __future__ import annotations

from lxml import etree
from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml


def pretty_xml(xml: str) -> str:
    """``xml`` indented two spaces a level; unreadable XML is returned as it is.

    Only for reading: re-indenting changes what a signature covers, so copying and saving use the
    message exactly as it travelled.
    """
    try:
        root = parse_xml(xml)
    except (UnsafeXmlError, ValueError):
        return xml
    etree.indent(root, space="  ")
    return str(etree.tostring(root, encoding="unicode"))


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

    def highlightBlock(self, text: str) -> None:
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

    def show_xml(self, xml: str) -> None:
        self.setPlainText(pretty_xml(xml))
