"""The SAML tracer dock: captured messages on the left, the selected one explained on the right."""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelection, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from sandbox.desktop.layout import column, side_by_side
from sandbox.desktop.list_share import share_dock
from sandbox.desktop.list_view import filter_bar, list_table, select_in_sight
from sandbox.desktop.saved_files import say_in_status_bar, suggested_path
from sandbox.desktop.tracer.detail import MessageDetail
from sandbox.desktop.tracer.message import TracedMessage, read_message
from sandbox.desktop.tracer.model import COLUMNS, DIRECTION, SYSTEM, TIME, TYPE, VERDICT, SamlMessageModel
from sandbox.events import SandboxEvent

log = logging.getLogger("sandbox.desktop.tracer")

READ_MESSAGES_KEPT = 32
#: the message's buttons, in full and as they read where the row of tabs is short of room
ACTION_WORDS = (("Copy as XML", "Copy XML"), ("Copy as base64", "Copy base64"), ("Save to file…", "Save…"))
SHOW_CHOICES = (("All messages", None), ("Rejected only", "rejected"), ("Accepted only", "accepted"))
#: the most of the dock the list takes at larger text, its messages' types whole: the message keeps half
LIST_SHARE_MOST = 0.5


class SamlTracerDock(QDockWidget):
    """Every SAML message the two systems exchanged, as captured at their endpoints."""

    def __init__(self, model: SamlMessageModel) -> None:
        super().__init__("SAML tracer")
        self.setObjectName("samlTracerDock")
        self.model = model
        self.current: TracedMessage | None = None
        # Traces never change, so a message read once is kept (the last few) for when it is opened again.
        self._read: OrderedDict[tuple[str, str | None], TracedMessage] = OrderedDict()

        self.show_filter = QComboBox()
        self.show_filter.setObjectName("samlShowFilter")
        for label, verdict in SHOW_CHOICES:
            self.show_filter.addItem(label, verdict)
        self.count_label = QLabel()
        self.count_label.setObjectName("samlCount")
        bar = filter_bar([self.show_filter, None, self.count_label])
        self.table = list_table(
            model, "samlTable", {TIME: 100, SYSTEM: 100, DIRECTION: 80, VERDICT: 80}, stretch=TYPE, follow=True
        )
        # The verdict right after the time, where it is in sight however narrow the list is (at the end it
        # went behind a horizontal scroll bar on a 1280 px window); the message's type, last, takes the rest
        # and is the one elided where there is too little (its tooltip names the message).
        columns = self.table.horizontalHeader()
        columns.moveSection(columns.visualIndex(VERDICT), columns.visualIndex(SYSTEM))

        self.copy_xml_button = QPushButton("Copy as XML")
        self.copy_xml_button.setToolTip("The message exactly as it travelled (re-indenting would break its signature).")
        self.copy_base64_button = QPushButton("Copy as base64")
        self.copy_base64_button.setToolTip("The SAMLRequest / SAMLResponse value of the HTTP-POST binding.")
        self.save_button = QPushButton("Save to file…")
        self._actions = (self.copy_xml_button, self.copy_base64_button, self.save_button)
        for button in self._actions:
            button.setEnabled(False)
        self.copy_xml_button.clicked.connect(self.copy_xml)
        self.copy_base64_button.clicked.connect(self.copy_base64)
        self.save_button.clicked.connect(self.save_to_file)
        # On the row of the Summary, XML and checks tabs, beside them: a row of their own above the message
        # cost a short dock (1280×720, larger text) two lines of its XML.
        actions = QWidget()
        actions.setObjectName("samlActions")
        actions_layout = QHBoxLayout(actions)
        actions_layout.setContentsMargins(0, 0, 0, 2)
        actions_layout.setSpacing(4)
        for button in (self.copy_xml_button, self.copy_base64_button, self.save_button):
            actions_layout.addWidget(button)

        self.detail = MessageDetail()
        self.detail.tabs.setCornerWidget(actions, Qt.Corner.TopRightCorner)
        self.detail.tabs.installEventFilter(self)
        self.splitter = side_by_side(
            "samlTracerSplitter", column(bar, self.table), self.detail, (480, 720), stretch=(2, 3)
        )
        share_dock(self.splitter, self.table, LIST_SHARE_MOST)
        self.setWidget(self.splitter)

        self.show_filter.currentIndexChanged.connect(self.apply_filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # Once per batch, also when the filter hides all of it (the count still grows).
        model.traces_added.connect(self._update_count)
        model.modelReset.connect(self._update_count)
        # After a reset or a scenario the message shown may be gone from both systems: not left on show.
        model.modelReset.connect(self._forget_vanished_message)
        self._update_count()

    # -- the message's buttons ---------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.detail.tabs and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit_actions()
        return super().eventFilter(watched, event)

    def set_text_scale(self, scale: float) -> None:
        """View › Panel text size: the list's short columns fitted to their larger words, the message's type
        given the room; the buttons beside the tabs keep their words short enough to fit."""
        self.table.fit_columns(scale)
        self.detail.tabs.ensurePolished()
        for button in self._actions:
            button.ensurePolished()
        self.fit_actions()

    def fit_actions(self) -> None:
        """The buttons' full words where the tabs' row has room for them, shorter ones where it has not."""
        tabs = self.detail.tabs
        for button, (words, _brief) in self._words():
            button.setText(words)
        corner = tabs.cornerWidget(Qt.Corner.TopRightCorner)
        wanted = tabs.tabBar().sizeHint().width() + (corner.sizeHint().width() if corner is not None else 0)
        if wanted + 8 > tabs.width():
            for button, (_words, brief) in self._words():
                button.setText(brief)

    def _words(self) -> list[tuple[QPushButton, tuple[str, str]]]:
        return list(zip(self._actions, ACTION_WORDS, strict=True))

    # -- list -------------------------------------------------------------------------------------

    def apply_filter(self) -> None:
        """Show the messages of the chosen verdict; the open message stays selected when it is one."""
        verdict = self.show_filter.currentData()
        self.model.set_filter(None if verdict is None else lambda trace: trace.data.get("verdict") == verdict)
        if self.current is not None:
            select_in_sight(self.table, self.model.row_of(self.current.trace.id))

    def _update_count(self) -> None:
        shown, total = self.model.visible_count(), self.model.total_count()
        noun = "message" if total == 1 else "messages"
        self.count_label.setText(f"{total:,} {noun}" if shown == total else f"{shown:,} of {total:,} {noun}")
        self.table.set_empty_hint(
            "No SAML messages yet. Sign in to BlogIn with SSO as the End User, from BlogIn's login page or "
            "the JumpCloud User Console: each AuthnRequest and Response appears here, as sent and as received."
            if total == 0
            else f"No message matches “{self.show_filter.currentText()}”. Choose All messages to see every one."
        )

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            trace = self.model.trace_at(indexes[0].row())
            if trace is not None:
                self.open_message(trace)

    def _forget_vanished_message(self) -> None:
        if self.current is not None and self.model.trace(self.current.trace.id) is None:
            self.show_nothing()

    def show_nothing(self) -> None:
        """No message open: the detail invites choosing one and its buttons wait for it."""
        self.current = None
        self.detail.show_nothing()
        for button in self._actions:
            button.setEnabled(False)

    def show_trace(self, trace_id: str) -> bool:
        """Select the message ``trace_id`` (clearing the filter if it hides it); False if it is unknown."""
        row = self.model.row_of(trace_id)
        if row is None and self.model.trace(trace_id) is not None:
            self.show_filter.setCurrentIndex(0)
            row = self.model.row_of(trace_id)
        if row is None:
            return False
        self.show()
        self.raise_()
        index = self.model.index(row, 0)
        self.table.selectRow(row)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    # -- detail -----------------------------------------------------------------------------------

    def open_message(self, trace: SandboxEvent) -> TracedMessage:
        """Decode, check and show one message (as sent: with its receiver's verdict, when known)."""
        expected = None
        sent = trace.data.get("direction") == "sent"
        counterpart = None
        if sent or not trace.data.get("expected_certificate_sha256"):
            counterpart = self.model.counterpart(trace)
        if not trace.data.get("expected_certificate_sha256") and counterpart is not None:
            expected = counterpart.data.get("expected_certificate_sha256")
        message = self._message(trace, expected)
        answer = None
        if sent and counterpart is not None and counterpart.data.get("verdict") == "rejected":
            answer = self._message(counterpart, None)
        self.current = message
        self.detail.show_message(message, answer)
        for button in (self.copy_xml_button, self.copy_base64_button, self.save_button):
            button.setEnabled(bool(message.xml))
        return message

    def _message(self, trace: SandboxEvent, expected: str | None) -> TracedMessage:
        key = (trace.id, expected)
        message = self._read.pop(key, None) or read_message(trace, expected)
        self._read[key] = message
        if len(self._read) > READ_MESSAGES_KEPT:
            self._read.popitem(last=False)
        return message

    def copy_xml(self) -> None:
        if self.current is not None:
            QGuiApplication.clipboard().setText(self.current.xml)

    def copy_base64(self) -> None:
        if self.current is not None:
            QGuiApplication.clipboard().setText(self.current.base64)

    def save_to_file(self, path: str | None = None) -> Path | None:
        """Save the message as it travelled; asks where unless ``path`` is given."""
        if self.current is None:
            return None
        if path is None:
            start = suggested_path(self, self.current.file_name())
            path, _filter = QFileDialog.getSaveFileName(
                self, "Save SAML message", start, "XML files (*.xml);;All files (*)"
            )
            if not path:
                return None
        target = Path(path)
        try:
            target.write_text(self.current.xml, encoding="utf-8")
        except OSError as error:
            log.warning("could not save the SAML message to %s: %s", target, error)
            self.detail.show_problem(f"Could not save to {target}: {error.strerror or error}")
            return None
        say_in_status_bar(self, f"SAML message saved to {target}")
        return target


__all__ = ["COLUMNS", "SamlTracerDock"]
