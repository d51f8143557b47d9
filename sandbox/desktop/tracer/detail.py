"""The right-hand side of the tracer: one message's verdict, summary, signatures, checks and XML."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sandbox.desktop.theme import FAILING_RED, HEALTHY_GREEN, MUTED_GREY
from sandbox.desktop.tracer.fixes import FailedCheck, failed_check
from sandbox.desktop.tracer.message import TracedMessage
from sandbox.desktop.tracer.signature import SignatureStatus
from sandbox.desktop.tracer.tables import ReceiverChecks, detail_table, fill_attributes
from sandbox.desktop.tracer.timeline import ValidityTimeline
from sandbox.desktop.tracer.xml_view import XmlView

NOTHING_CHOSEN = "Select a message to see what it says."
BADGE_COLOURS = {"accepted": HEALTHY_GREEN, "rejected": FAILING_RED, "sent": "#4a5bb8"}
#: how an offending value stands out in the summary: the receiver refused the message over it
OFFENDING_STYLE = f"color:{FAILING_RED}; font-weight:600; background:#fdecec; border-radius:3px;"
FIX_STYLE = "background:#fff8e6; color:#5c3d00; border:1px solid #f5d48a; border-radius:5px; padding:5px 8px;"
#: the most of the detail's height the receiver's verdict and what to fix take before they scroll: in a
#: short dock (1280×720 with larger text) the Summary, XML and checks below keep the rest
VERDICT_SHARE = 0.3
#: the receiver's checks tab, which brings the failed check into view when it is shown
CHECKS_TAB = 2
SUMMARY_FIELDS = (
    ("binding", "Binding"),
    ("endpoint", "Endpoint"),
    ("relay_state", "RelayState"),
    ("issuer", "Issuer"),
    ("destination", "Destination"),
    ("in_response_to", "InResponseTo"),
    ("name_id", "NameID"),
    ("name_id_format", "NameID format"),
    ("audience", "Audience"),
    ("status", "Status"),
)


def _mark(value: bool | None, yes: str, no: str, unknown: str) -> str:
    if value is None:
        return f'<span style="color:{MUTED_GREY}">{escape(unknown)}</span>'
    colour, word = (HEALTHY_GREEN, yes) if value else (FAILING_RED, no)
    return f'<span style="color:{colour}">{"✔" if value else "✘"} {escape(word)}</span>'


def signature_html(status: SignatureStatus, receiver: str, expected: str | None = None) -> str:
    """One signature in a few lines a tester reads top to bottom."""
    lines = [
        f"<b>{escape(status.element)}</b> signed ({escape(status.algorithm)})"
        + ("" if status.covers_its_element else " — <b>the reference points elsewhere</b>"),
        _mark(status.digest_valid, "digest valid", "digest does not match", "digest not checked"),
        _mark(status.signature_valid, "signature valid", "signature does not verify", "signature not checked"),
        f"Certificate SHA-256: <tt>{escape(status.certificate_sha256 or 'none in the message')}</tt>",
        _mark(
            status.matches_expected,
            f"matches the certificate configured at {receiver}",
            f"does NOT match the certificate configured at {receiver}",
            f"certificate configured at {receiver} not known",
        ),
    ]
    if status.matches_expected is False and expected:
        # The two fingerprints one above the other, so the difference shows at a glance.
        lines.append(f'{escape(receiver)} expects: <tt style="color:{FAILING_RED}">{escape(expected)}</tt>')
    if status.problem:
        lines.append(f'<span style="color:{FAILING_RED}">{escape(status.problem)}</span>')
    return "<br>".join(lines)


class MessageDetail(QWidget):
    """Everything the tracer knows about the selected message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message: TracedMessage | None = None
        self.title = QLabel(NOTHING_CHOSEN)
        self.title.setObjectName("samlTitle")
        self.badge = QLabel()
        self.badge.setObjectName("samlVerdict")
        self.badge.hide()
        self.reason = QLabel()
        self.reason.setObjectName("samlReason")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_reason_button = QPushButton("Copy reason")
        self.copy_reason_button.setObjectName("samlCopyReason")
        self.copy_reason_button.setToolTip("The failed check and why, to paste into a ticket or a chat.")
        self.copy_reason_button.clicked.connect(self.copy_reason)
        self.copy_reason_button.hide()
        self.fix = QLabel()
        self.fix.setObjectName("samlFix")
        self.fix.setWordWrap(True)
        self.fix.setTextFormat(Qt.TextFormat.RichText)
        self.fix.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fix.setStyleSheet(FIX_STYLE)
        self.fix.hide()
        self.failed: FailedCheck | None = None
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.badge)

        self.values: dict[str, QLabel] = {}
        self.field_labels: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, label in SUMMARY_FIELDS:
            value = QLabel()
            value.setObjectName(f"saml_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            caption = QLabel(f"{label}:")
            self.field_labels[key] = caption
            form.addRow(caption, value)
        self.validity = QLabel()
        self.validity.setObjectName("samlValidity")
        self.validity.setWordWrap(True)
        self.timeline = ValidityTimeline()
        self.attributes = detail_table(("Attribute", "Values"), "samlAttributes")
        self.signatures = QLabel()
        self.signatures.setObjectName("samlSignatures")
        self.signatures.setWordWrap(True)
        self.signatures.setTextFormat(Qt.TextFormat.RichText)
        self.signatures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        summary = QWidget()
        summary_layout = QVBoxLayout(summary)
        summary_layout.addLayout(form)
        summary_layout.addWidget(_heading("Validity"))
        summary_layout.addWidget(self.validity)
        summary_layout.addWidget(self.timeline)
        self.signature_heading = _heading("Signature")
        summary_layout.addWidget(self.signature_heading)
        summary_layout.addWidget(self.signatures)
        summary_layout.addWidget(_heading("Attributes"))
        summary_layout.addWidget(self.attributes, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(summary)
        self.summary_scroll = scroll

        self.checks = ReceiverChecks()
        self.xml = XmlView()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("samlTabs")
        self.tabs.addTab(scroll, "Summary")
        self.tabs.addTab(self.xml, "XML")
        self.tabs.addTab(self.checks, "Receiver's checks")

        # Until a message is chosen: what this side will show, instead of an empty form.
        self.placeholder = QLabel(
            "Its summary (binding, issuer, NameID, audience), validity window, signatures and attributes, "
            "the XML exactly as it travelled, and the checks its receiver made appear here."
        )
        self.placeholder.setObjectName("samlPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.placeholder.setStyleSheet(f"color:{MUTED_GREY}; padding-top:6px;")
        self.tabs.hide()

        # The verdict (why the receiver refused the message, what to fix) scrolls when it would take more
        # than its share of a short dock, instead of squeezing the tabs below to a line or two.
        verdict = QWidget()
        verdict_layout = QVBoxLayout(verdict)
        verdict_layout.setContentsMargins(0, 0, 0, 0)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.reason, 1)
        reason_row.addWidget(self.copy_reason_button, 0, Qt.AlignmentFlag.AlignTop)
        verdict_layout.addLayout(reason_row)
        verdict_layout.addWidget(self.fix)
        self.verdict_scroll = QScrollArea()
        self.verdict_scroll.setObjectName("samlVerdictArea")
        self.verdict_scroll.setWidgetResizable(True)
        self.verdict_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.verdict_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.verdict_scroll.setWidget(verdict)
        self.verdict_scroll.hide()
        self.tabs.currentChanged.connect(self._tab_shown)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self._heading = heading
        layout.addLayout(heading)
        layout.addWidget(self.verdict_scroll)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self.tabs, 1)

    def show_message(self, message: TracedMessage, answer: TracedMessage | None = None) -> None:
        """Show ``message``; ``answer`` is the same message as its receiver recorded it, for one as sent."""
        self.message = message
        self.placeholder.hide()
        self.tabs.show()
        trace = message.trace
        who = f"{message.sender} → {message.receiver}"
        self.title.setText(
            f"<b>{escape(message.message_type)}</b> · {escape(who)} · "
            f"{escape(message.direction)} at {escape(trace.timestamp.astimezone().strftime('%H:%M:%S'))}"
        )
        colour = BADGE_COLOURS.get(message.verdict, MUTED_GREY)
        self.badge.setText(message.verdict_label)
        self.badge.setStyleSheet(
            f"background:{colour}; color:white; border-radius:9px; padding:2px 10px; font-weight:600;"
        )
        self.badge.setToolTip(f"{message.receiver}'s verdict" if message.direction == "received" else "")
        self.badge.show()
        # A message as sent carries no verdict: its receiver's, when the tracer holds it, is shown instead.
        judged = message if message.reason or answer is None or answer.verdict != "rejected" else answer
        self.failed = failed_check(judged.checks, judged.reason, judged.receiver) if judged.reason else None
        if judged.reason:
            arrival = "" if judged is message else " on arrival"
            self.reason.setText(f"{judged.receiver} rejected it{arrival}: {judged.reason}")
            self.reason.setStyleSheet(f"color:{FAILING_RED}; font-weight:600;")
            self.reason.show()
            self.copy_reason_button.show()
        elif message.unreadable:
            self.reason.setText(message.unreadable)
            self.reason.setStyleSheet(f"color:{FAILING_RED};")
            self.reason.show()
            self.copy_reason_button.hide()
        else:
            self.reason.hide()
            self.copy_reason_button.hide()
        if self.failed is not None:
            check = f"Failed check: <b>{escape(self.failed.name)}</b> · " if self.failed.name else ""
            self.fix.setText(f"{check}<b>What to fix:</b> {escape(self.failed.fix)}")
            self.fix.show()
        else:
            self.fix.hide()
        summary = message.summary
        values = {
            "binding": message.binding,
            "endpoint": message.endpoint,
            "relay_state": message.relay_state or "(none)",
            "issuer": summary.issuer or summary.assertion_issuer if summary else None,
            "destination": summary.destination if summary else None,
            "in_response_to": summary.in_response_to if summary else None,
            "name_id": summary.name_id if summary else None,
            "name_id_format": summary.name_id_format if summary else None,
            "audience": ", ".join(summary.audiences) if summary and summary.audiences else None,
            "status": summary.status if summary else None,
        }
        offending = set(self.failed.fields) if self.failed is not None else set()
        for key, label in self.values.items():
            label.setText(values.get(key) or "—")
            flagged = key in offending
            label.setStyleSheet(OFFENDING_STYLE if flagged else "")
            label.setToolTip(
                f"{self.failed.name} check failed: {self.failed.detail}" if self.failed and flagged else ""
            )
            self.field_labels[key].setStyleSheet(f"color:{FAILING_RED}; font-weight:600;" if flagged else "")
        window = message.window
        self.validity.setText(window.verdict() if window.known else "This message carries no validity window.")
        colour = MUTED_GREY if window.valid is None else HEALTHY_GREEN if window.valid else FAILING_RED
        self.validity.setStyleSheet(f"color:{colour};")
        self.timeline.set_window(window if window.known else None)
        signature_failed = self.failed is not None and self.failed.signature
        self.signature_heading.setText("Signature ✘" if signature_failed else "Signature")
        self.signature_heading.setStyleSheet(
            _HEADING_STYLE.replace("#3d4852", FAILING_RED) if signature_failed else _HEADING_STYLE
        )
        if message.signatures:
            self.signatures.setText(
                "<br><br>".join(
                    signature_html(s, message.receiver, message.expected_certificate_sha256) for s in message.signatures
                )
            )
        else:
            self.signatures.setText(f'<span style="color:{MUTED_GREY}">This message is not signed.</span>')
        fill_attributes(self.attributes, summary.attributes if summary else {})
        self.checks.fill(judged.checks, self.failed.fix if self.failed is not None else None)
        self.xml.show_xml(message.xml, message.pretty_xml or None)
        self.verdict_scroll.setVisible(not (self.reason.isHidden() and self.fix.isHidden()))
        self.fit_verdict()
        self._bring_offending_into_view()

    def show_nothing(self) -> None:
        """No message chosen (none yet, or the one shown is gone after a reset): what this side will show."""
        self.message = None
        self.failed = None
        self.title.setText(NOTHING_CHOSEN)
        for widget in (self.badge, self.reason, self.copy_reason_button, self.fix, self.verdict_scroll, self.tabs):
            widget.hide()
        self.reason.clear()
        self.placeholder.show()

    def show_problem(self, text: str) -> None:
        """Say in red, where the verdict goes, that something went wrong with the message (not saved…)."""
        self.reason.setText(text)
        self.reason.setStyleSheet(f"color:{FAILING_RED};")
        self.reason.show()
        self.verdict_scroll.show()
        self.fit_verdict()

    def fit_verdict(self) -> None:
        """The verdict as tall as its text, up to its share of the detail's height (it scrolls beyond)."""
        scroll = self.verdict_scroll
        inner = scroll.widget()
        layout = inner.layout() if inner is not None else None
        if scroll.isHidden() or layout is None:
            return
        bar = scroll.verticalScrollBar()
        width = max(scroll.width(), 200)
        wanted = layout.totalHeightForWidth(width)
        height = self.height()
        # Its share, but never so much that the tabs below get less than half of a short detail (a 1280×720
        # window's bottom dock): what the heading, the margins and the spacing take is counted.
        own = self.layout()
        chrome = self._heading.sizeHint().height()
        if own is not None:
            margins = own.contentsMargins()
            chrome += margins.top() + margins.bottom() + 2 * max(own.spacing(), 0)
        room = min(round(height * VERDICT_SHARE), height - chrome - (height + 1) // 2)
        if wanted > room:
            # Scrolling: the bar takes some of the width, so the text wraps to more lines.
            wanted = layout.totalHeightForWidth(width - bar.sizeHint().width())
        scroll.setFixedHeight(max(1, min(wanted, max(room, self.reason.fontMetrics().lineSpacing() * 2))))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_verdict()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit_verdict()
        self._tab_shown(self.tabs.currentIndex())

    def _tab_shown(self, index: int) -> None:
        # A table scrolled while hidden (another tab shown) has no height to scroll in: the failed check
        # is brought into view again when its tab comes up.
        if index == CHECKS_TAB:
            self.checks.show_failed_check()

    def _bring_offending_into_view(self) -> None:
        """Scroll the summary to the part the receiver refused, so a short dock still shows it."""
        failed = self.failed
        target: QWidget | None = None
        if failed is not None and failed.fields:
            target = self.field_labels[failed.fields[0]]
        elif failed is not None and failed.validity:
            target = self.validity
        elif failed is not None and failed.signature:
            target = self.signature_heading
        bar = self.summary_scroll.verticalScrollBar()
        inner = self.summary_scroll.widget()
        if target is None or inner is None:
            bar.setValue(0)
            return
        # Laid out first: a message shown for the first time has no positions yet.
        inner.adjustSize()
        bar.setValue(max(0, target.mapTo(inner, QPoint(0, 0)).y() - 24))

    def copy_reason(self) -> None:
        """Put the receiver's verdict, the failed check and the hint on the clipboard."""
        QGuiApplication.clipboard().setText(self.reason_text())

    def reason_text(self) -> str:
        """The shown reason as plain text, with the failed check and what to fix ('' when accepted)."""
        if self.reason.isHidden():
            return ""
        lines = [self.reason.text()]
        if self.failed is not None:
            if self.failed.name:
                lines.append(f"Failed check: {self.failed.name}")
            lines.append(f"What to fix: {self.failed.fix}")
        return "\n".join(lines)


_HEADING_STYLE = "font-weight:600; color:#3d4852; margin-top:8px; border-bottom:1px solid #d9dee5;"


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(_HEADING_STYLE)
    return label
