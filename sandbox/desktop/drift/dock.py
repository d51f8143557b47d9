"""The Drift view dock: who is where, what differs and what the next sync would do."""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sandbox.app import Sandbox
from sandbox.desktop.drift.compare import ABSENT, NOT_AUTHORIZED, compare
from sandbox.desktop.drift.model import DIFFERENCES_COLUMN, DriftModel

log = logging.getLogger("sandbox.desktop.drift")

#: the widest each column but Differences grows to fit its text (a longer list of groups is elided)
COLUMN_CAPS = (220, 170, 230, 110, 90, 0, 340)


class DriftDock(QDockWidget):
    """JumpCloud users authorized for the BlogIn application against BlogIn's users."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__("Drift view")
        self.setObjectName("driftDock")
        self.sandbox = sandbox
        self.model = DriftModel()
        self.summary = QLabel()
        self.summary.setObjectName("driftSummary")
        self.summary.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.table = QTableView()
        self.table.setObjectName("driftTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the next control; arrows move within it
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        # The differences are the longest text: that column takes the room left over, the others are
        # as wide as their text (up to a cap). A long list of groups is elided; its hover names them all.
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        for column, width in enumerate((150, 140, 230, 70, 64, 300, 360)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(DIFFERENCES_COLUMN, QHeaderView.ResizeMode.Stretch)
        #: columns the reader sized by hand: left as they are
        self._sized_by_hand: set[int] = set()
        self._fitting = False
        header.sectionResized.connect(self._section_resized)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 6)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(refresh)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setWidget(body)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    def schedule_refresh(self, *_args: object) -> None:
        self._timer.start()

    def set_text_scale(self, _scale: float) -> None:
        """View › Panel text size: the columns fit their text at its new size."""
        self.fit_columns()

    def fit_columns(self) -> None:
        """Each column but Differences as wide as its text and title (up to its cap), unless sized by hand."""
        if self.model.rowCount() == 0:
            return
        header = self.table.horizontalHeader()
        self._fitting = True
        try:
            for column, cap in enumerate(COLUMN_CAPS):
                if column == DIFFERENCES_COLUMN or column in self._sized_by_hand:
                    continue
                needed = max(self.table.sizeHintForColumn(column), header.sectionSizeHint(column))
                header.resizeSection(column, min(needed, cap))
        finally:
            self._fitting = False

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        # Dragged by the reader (a button held on the header), not fitted by the panel or the text size.
        if not self._fitting and QApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            self._sized_by_hand.add(column)

    def selected_user(self) -> str | None:
        """The user name of the selected row, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self.model.rows):
            return None
        return self.model.rows[rows[0].row()].user_name

    def _select_user(self, user_name: str) -> None:
        row = next((i for i, found in enumerate(self.model.rows) if found.user_name == user_name), None)
        if row is None:
            return
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(self.model.index(row, 0), flags)

    def refresh(self) -> None:
        try:
            app = self.sandbox.jumpcloud.integration_state().application("blogin")
            blogin_users = self.sandbox.blogin.user_directory()
            jumpcloud_users = self.sandbox.jumpcloud.application_users(app.id) if app is not None else []
            listed = {person.username.lower() for person in jumpcloud_users}
            unlisted = [user for user in blogin_users if user.user_name.lower() not in listed]
            in_directory = self.sandbox.jumpcloud.known_logins(
                login for user in unlisted for login in (user.user_name, user.email)
            )
        except Exception:  # a system mid-reset must not break the window; the next event retries
            log.warning("drift view could not read the systems' state", exc_info=True)
            return
        idm_active = app is not None and app.idm_status == "active"
        label = app.display_label if app is not None else "BlogIn"
        rows = compare(
            jumpcloud_users, blogin_users, idm_active=idm_active, application=label, in_directory=in_directory
        )
        # Refreshed at every event: the row the reader selected, and where they scrolled, stay.
        selected = self.selected_user()
        scrolled = self.table.verticalScrollBar().value()
        self.model.set_rows(rows)
        if selected is not None:
            self._select_user(selected)
        self.table.doItemsLayout()  # the scroll range of the new rows, before scrolling back
        self.table.verticalScrollBar().setValue(scrolled)
        self.fit_columns()
        if app is None:
            self.summary.setText(
                "Not yet configured: add the BlogIn application in JumpCloud. Listed: BlogIn's users only."
            )
            return
        # The JumpCloud side is who the application's user groups authorize: a JumpCloud user in none of
        # them (imported, say) is counted apart, not as someone JumpCloud does not have.
        authorized = sum(1 for person in jumpcloud_users if person.authorized)
        only_jc = sum(1 for row in rows if row.in_blogin == ABSENT)
        only_blogin = sum(1 for row in rows if row.in_jumpcloud == ABSENT)
        not_authorized = sum(1 for row in rows if row.in_jumpcloud == NOT_AUTHORIZED)
        differing = sum(1 for row in rows if row.differences)
        state = "Identity Management active" if idm_active else "Identity Management not active"
        unbound = f"{not_authorized} not authorized (in no user group bound to {label}) · " if not_authorized else ""
        self.summary.setText(
            f"{label}: {authorized} authorized in JumpCloud, {len(blogin_users)} in BlogIn · "
            f"{only_jc} only in JumpCloud · {only_blogin} only in BlogIn · {unbound}"
            f"{differing} with differences · {state}"
        )
