"""The XML of a SAML message, indented for reading and coloured like an editor would."""

from __future__ import annotations

from lxml import etree
from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QResizeEvent,
    QShowEvent,
    QTextCharFormat,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from sandbox.saml.safe_xml import UnsafeXmlError, parse_xml


def pretty_xml(xml: str) -> str:
    """``xml`` indented two spaces a level; unreadable XML is returned as it is.

    Only for reading: re-indenting changes what a signature covers, so copying and saving use the
    message exactly as it travelled.
    """
    try:
        root = parse_xml(xml)  # no DTD, no entities, no network
    except UnsafeXmlError:
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


class XmlColours:
    """Element names, attribute names and values, comments and CDATA in different colours.

    Not a QSyntaxHighlighter: that one is called for every line of the document whenever its text is
    set, and a 200 KB message has thousands of lines. Here only the lines on screen are coloured,
    each once, by giving their layout its format ranges directly.
    """

    def __init__(self) -> None:
        # One expression with named groups: a single scan per line.
        self._token = QRegularExpression(
            r"(?<comment><!--.*?-->)"
            r"|(?<tag></?[\w:.-]+|/?>|\?>|<\?[\w:.-]+)"
            r"|(?<=\s)(?<attr>[\w:.-]+)(?==)"  # after a space: not base64 text ending in "="
            r"|(?<value>\"[^\"]*\"|'[^']*')"
        )
        self._formats = {
            "comment": _format("#8a94a6", italic=True),
            "tag": _format("#1565c0", bold=True),
            "attr": _format("#8e44ad"),
            "value": _format("#b5541b"),
        }
        #: the block numbers already coloured
        self.coloured: set[int] = set()

    def ranges(self, text: str) -> list[QTextLayout.FormatRange]:
        """The coloured stretches of one line."""
        found: list[QTextLayout.FormatRange] = []
        matches = self._token.globalMatch(text)
        while matches.hasNext():
            match = matches.next()
            for name, text_format in self._formats.items():
                start = match.capturedStart(name)
                if start >= 0:
                    stretch = QTextLayout.FormatRange()
                    stretch.start, stretch.length, stretch.format = start, match.capturedLength(name), text_format
                    found.append(stretch)
                    break
        return found

    def colour(self, document: QTextDocument, first: int, last: int) -> None:
        """Colour the blocks ``first`` … ``last`` that are not coloured yet."""
        for number in range(max(0, first), min(last, document.blockCount() - 1) + 1):
            if number in self.coloured:
                continue
            self.coloured.add(number)
            block = document.findBlockByNumber(number)
            layout = block.layout()
            if layout is None:
                continue
            layout.setFormats(self.ranges(block.text()))
            document.markContentsDirty(block.position(), block.length())


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
        self.colours = XmlColours()
        self.verticalScrollBar().valueChanged.connect(self._colour_visible)

    def show_xml(self, xml: str, pretty: str | None = None) -> None:
        """Show ``xml``, indented (``pretty`` when the caller has it already) and coloured where visible."""
        self.colours.coloured.clear()
        self.setPlainText(pretty_xml(xml) if pretty is None else pretty)
        self._colour_visible()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._colour_visible()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._colour_visible()

    def _colour_visible(self) -> None:
        first = self.firstVisibleBlock().blockNumber()
        last = first + self.viewport().height() // max(1, self.fontMetrics().height()) + 2
        self.colours.colour(self.document(), first, last)
