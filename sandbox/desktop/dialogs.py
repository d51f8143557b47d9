"""Help › Integration guide, Help › About, the confirmation before a reset and the window's other messages.

Every message box here shows its text at View › Panel text size, as the docks do (panel_text.py).
"""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sandbox import __version__
from sandbox.desktop.panel_text import chosen_text_scale, follow_panel_text, points
from sandbox.desktop.theme import FAILING_RED

log = logging.getLogger("sandbox.desktop.dialogs")

GUIDE_FILE = "jumpcloud-blogin-integration-guide.txt"
#: the guide's text beside the window's: a little larger, for reading at length
GUIDE_TEXT_FACTOR = 1.1
#: Help › About is at least this wide at Normal text size, so that each address fits on one line
ABOUT_TEXT_WIDTH = 460
ABOUT_ICON_SIZE = 64
#: a message's text width at Normal text size, which grows with the text (Qt's own limit is 500 px)
MESSAGE_TEXT_WIDTH = 400


def guide_text() -> str:
    """The JumpCloud › BlogIn integration guide shipped with the package."""
    return resources.files("sandbox.desktop").joinpath("resources", GUIDE_FILE).read_text(encoding="utf-8")


class GuideDialog(QDialog):
    """The integration guide, readable next to the window, with a find field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle("Integration guide — JumpCloud and BlogIn")
        self.resize(760, 820)
        intro = QLabel(
            "The steps this sandbox rehearses, as JumpCloud documents them. "
            "Every menu, tab, button and field named here exists in the two portals."
        )
        intro.setWordWrap(True)
        self.find_field = QLineEdit()
        self.find_field.setObjectName("guideFind")
        self.find_field.setPlaceholderText("Find in the guide… (Enter or F3: next match)")
        self.find_field.setClearButtonEnabled(True)
        self.find_status = QLabel()
        self.find_status.setObjectName("guideFindStatus")
        self.text = QPlainTextEdit()
        self.text.setObjectName("guideText")
        self.text.setReadOnly(True)
        font = QFont(self.text.font())
        font.setPointSizeF(font.pointSizeF() * GUIDE_TEXT_FACTOR)
        self.text.setFont(font)
        self.text.setPlainText(_spaced(guide_text()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # Enter in the find field finds the next match: it must not press Close as a dialog's default button.
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        find_row = QHBoxLayout()
        find_row.addWidget(self.find_field, 1)
        find_row.addWidget(self.find_status)
        layout.addLayout(find_row)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.find_field.returnPressed.connect(self.find_next)
        self.find_field.textChanged.connect(lambda _text: self._show_found(True))
        for keys, slot in (
            (QKeySequence.StandardKey.Find, self.focus_find),
            (QKeySequence.StandardKey.FindNext, self.find_next),
        ):
            shortcut = QShortcut(keys, self)  # every binding of the platform (F3 and Ctrl+G for FindNext)
            shortcut.activated.connect(slot)

    def set_text_scale(self, scale: float) -> None:
        """View › Panel text size: the guide's text, a little larger than the rest, grows with it."""
        self.text.setStyleSheet(
            "" if scale == 1.0 else f"QPlainTextEdit {{ font-size: {points(scale, GUIDE_TEXT_FACTOR)}; }}"
        )

    def focus_find(self) -> None:
        """Ctrl+F: the find field, its text selected."""
        self.find_field.setFocus()
        self.find_field.selectAll()

    def find_next(self) -> bool:
        """Select the next occurrence of the find field's text, wrapping at the end."""
        needle = self.find_field.text()
        if not needle:
            return False
        found = self.text.find(needle)
        if not found:
            cursor = self.text.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.text.setTextCursor(cursor)
            found = self.text.find(needle)
        self._show_found(found)
        return found

    def _show_found(self, found: bool) -> None:
        # Said in words beside the field, and the field turns red, as in a browser's find bar.
        self.find_status.setText("" if found else "Not found")
        self.find_status.setStyleSheet("" if found else f"color: {FAILING_RED}; font-weight: 600;")
        self.find_field.setStyleSheet("" if found else "QLineEdit { background: #fdecec; }")


def _spaced(text: str) -> str:
    # Headings (short lines without a list marker or full stop) get air above them.
    out: list[str] = []
    for line in text.splitlines():
        is_heading = line and not line.startswith(("-", " ")) and len(line) < 70 and not line.endswith(".")
        if is_heading and out and out[-1] != "":
            out.append("")
        out.append(line)
    return "\n".join(out)


def message_box(
    parent: QWidget | None,
    name: str,
    title: str,
    text: str,
    informative: str = "",
    icon: QMessageBox.Icon = QMessageBox.Icon.NoIcon,
    scale: float | None = None,
) -> QMessageBox:
    """A message box of the window's, its text at the panel text size chosen for ``parent``'s window
    (or at ``scale``). Shown with :func:`answered`, which deletes it after."""
    box = QMessageBox(parent)
    box.setObjectName(name)
    box.setWindowTitle(title)
    box.setIcon(icon)
    box.setText(text)
    if informative:
        box.setInformativeText(informative)
    chosen = follow_panel_text(box, parent, scale)
    label = box.findChild(QLabel, "qt_msgbox_label")
    if chosen > 1.0 and isinstance(label, QLabel):
        # Qt keeps a message box within about 500 px whatever its font: larger text gets a wider box
        # instead of twice as many lines (an address would break in the middle).
        screen = box.screen().availableGeometry().width()
        label.setMinimumWidth(min(round(MESSAGE_TEXT_WIDTH * chosen), screen * 3 // 4))
    return box


def answered(box: QMessageBox) -> QAbstractButton | None:
    """Show ``box`` until it is answered; the button pressed (``None``: closed), the box then deleted."""
    try:
        box.exec()
        return box.clickedButton()
    finally:
        box.deleteLater()  # a box kept as the window's child would be scaled and closed with it for ever


def show_error(parent: QWidget, title: str, text: str) -> None:
    """Something the reader asked for could not be done (a scenario file not saved or not opened…)."""
    box = message_box(parent, "errorMessage", title, text, icon=QMessageBox.Icon.Warning)
    box.addButton(QMessageBox.StandardButton.Ok)
    answered(box)


def ask(parent: QWidget, name: str, title: str, text: str, action: str) -> bool:
    """A question answered by the button ``action`` (what it does, in words) or Cancel, the default;
    whether ``action`` was pressed."""
    box = message_box(parent, name, title, text, icon=QMessageBox.Icon.Question)
    go_ahead = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return answered(box) is go_ahead


def show_about(parent: QWidget, jumpcloud_url: str, blogin_url: str, data_dir: str) -> None:
    """Help › About: what this is, where the two systems answer and where the data lives."""
    box = message_box(
        parent,
        "aboutSandbox",
        "About SSO Sandbox",
        f"<h3>SSO Sandbox {__version__}</h3>"
        "<p>Rehearse the JumpCloud → BlogIn integration — SAML single sign-on with JIT provisioning "
        "and SCIM user and group provisioning — on one machine, with no account anywhere.</p>"
        f"<p>Mock JumpCloud: <a href='{jumpcloud_url}'>{jumpcloud_url}</a><br>"
        f"Mock BlogIn: <a href='{blogin_url}'>{blogin_url}</a><br>"
        f"Data folder: {data_dir}</p>"
        "<p>Sandbox accounts: admin@example.com / sandbox (JumpCloud), "
        "admin@acme.example / sandbox (BlogIn).</p>",
    )
    scale = chosen_text_scale(parent)
    icon = parent.window().windowIcon()
    if icon.isNull():  # as QMessageBox.about chooses it
        box.setIcon(QMessageBox.Icon.Information)
    else:
        box.setIconPixmap(icon.pixmap(round(ABOUT_ICON_SIZE * scale)))
    # The links go through the same hand-over as Open in system browser: no browser, a dialog says so.
    label = box.findChild(QLabel, "qt_msgbox_label")
    if isinstance(label, QLabel):
        label.setOpenExternalLinks(False)
        label.setMinimumWidth(round(ABOUT_TEXT_WIDTH * scale))  # each address on one line
        label.linkActivated.connect(lambda link: open_in_system_browser(box, QUrl(link)))
    box.addButton(QMessageBox.StandardButton.Ok)
    answered(box)


def open_in_system_browser(parent: QWidget, url: QUrl, note: str = "") -> bool:
    """Hand ``url`` to the desktop's default browser.

    When none can be started, a dialog says so, shows the address (selectable) and offers to copy it:
    never silence. ``note`` is a line more for that dialog.
    """
    if QDesktopServices.openUrl(url):
        return True
    address = url.toDisplayString()
    log.warning("no system browser could be started for %s", address)
    box = message_box(
        parent,
        "noSystemBrowser",
        "Open in system browser",
        "No browser could be started on this computer.",
        f"Open this address in a browser yourself:\n\n{address}" + (f"\n\n{note}" if note else ""),
        QMessageBox.Icon.Information,
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    copy_button = box.addButton("Copy address", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    if answered(box) is copy_button:
        QGuiApplication.clipboard().setText(address)
    return False


def confirm_reset(parent: QWidget, undelivered: int = 0) -> bool:
    """Ask before wiping both systems; Cancel is the default.

    ``undelivered``: provisioning operations JumpCloud has not yet delivered to BlogIn (a run going on).
    """
    box = message_box(
        parent,
        "resetConfirmation",
        "Reset sandbox",
        "Reset both systems to their first-run state?",
        "Every user, group, SSO application, setting and event in the mock JumpCloud and the mock "
        "BlogIn is deleted, and the personas start afresh. This cannot be undone."
        + (
            f"\n\nA provisioning run is going on: {undelivered} change{'s' if undelivered != 1 else ''} not yet "
            "delivered to BlogIn will be dropped with it."
            if undelivered
            else ""
        ),
        QMessageBox.Icon.Warning,
    )
    reset_button = box.addButton("Reset sandbox", QMessageBox.ButtonRole.DestructiveRole)
    cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel_button)
    box.setEscapeButton(cancel_button)
    return answered(box) is reset_button
