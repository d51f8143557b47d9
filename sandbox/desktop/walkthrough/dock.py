"""The Guided walkthrough dock: the guide's steps as a checklist that ticks itself, with **Show me**."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, QSettings, Qt, QTimer, SignalInstance
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from sandbox.app import Sandbox
from sandbox.desktop.dialogs import ask
from sandbox.desktop.layout import column
from sandbox.desktop.personas import persona_by_key
from sandbox.desktop.walkthrough.model import DoneNowRole, WalkthroughModel
from sandbox.desktop.walkthrough.steps import STEPS, Observed, WalkthroughStep, guide_passages

log = logging.getLogger("sandbox.desktop.walkthrough")

# Opens ``url`` in the browser of persona ``key`` and brings that browser on screen.
PersonaOpener = Callable[[str, str], None]

#: for how long after someone picks a step the selection stays on it when a step ticks (they are reading it)
PICK_HOLD_SECONDS = 8.0

STYLE = """
QFrame#walkthroughHeader { background: #f7f8fa; border-bottom: 1px solid #d9dee5; }
QLabel#walkthroughProgress { font-weight: 600; color: #1f2933; }
QProgressBar#walkthroughBar { border: none; background: #e3e8ee; border-radius: 3px; max-height: 6px; }
QProgressBar#walkthroughBar::chunk { background: #2e9d4f; border-radius: 3px; }
QListView#walkthroughSteps { border: none; font-size: @STEPS@px; }
QListView#walkthroughSteps::item { padding: 5px 4px; }
QListView#walkthroughSteps::item:selected { background: #d4eeed; color: #1f2933; }
QLabel#stepTitle { font-size: @TITLE@px; font-weight: 600; color: #1f2933; }
QLabel#stepWhere { color: #5b6675; }
QTextBrowser#stepGuide { border: none; background: #fbfcfd; }
"""


def style(scale: float = 1.0) -> str:
    """The dock's style sheet, its step names and title ``scale`` times their size (View › Panel text size)."""
    return STYLE.replace("@STEPS@", str(round(13 * scale))).replace("@TITLE@", str(round(15 * scale)))


def guide_html(text: str) -> str:
    """The guide's passage as HTML: bullet lines become a list, other lines paragraphs."""
    parts: list[str] = []
    in_list = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("- "):
            if not in_list:
                parts.append("<ul style='margin-left:-18px'>")
                in_list = True
            parts.append(f"<li style='margin-bottom:4px'>{escape(stripped[2:])}</li>")
        else:
            if in_list:
                parts.append("</ul>")
                in_list = False
            parts.append(f"<p>{escape(stripped)}</p>")
    if in_list:
        parts.append("</ul>")
    return "".join(parts)


class WalkthroughDock(QDockWidget):
    """The seed guide as a checklist; call :meth:`refresh` (or :meth:`schedule_refresh`) when things change."""

    def __init__(self, sandbox: Sandbox, store: QSettings, guide: str, opener: PersonaOpener) -> None:
        super().__init__("Guided walkthrough")
        self.setObjectName("walkthroughDock")
        self.sandbox = sandbox
        self.opener = opener
        self.model = WalkthroughModel(store)
        self.passages = guide_passages(guide)

        self.progress_label = QLabel()
        self.progress_label.setObjectName("walkthroughProgress")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("walkthroughBar")
        self.progress_bar.setRange(0, len(STEPS))
        self.progress_bar.setTextVisible(False)
        self.reset_button = QPushButton("Reset progress…")
        self.reset_button.setObjectName("resetProgress")
        self.reset_button.setToolTip("Start the walkthrough over: only steps the systems are in now stay ticked")
        self.reset_button.clicked.connect(self.confirm_reset_progress)
        header = QFrame()
        header.setObjectName("walkthroughHeader")
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(10, 8, 10, 8)
        top = QHBoxLayout()
        top.addWidget(self.progress_label, 1)
        top.addWidget(self.reset_button)
        header_layout.addLayout(top)
        header_layout.addWidget(self.progress_bar)

        self.list = QListView()
        self.list.setObjectName("walkthroughSteps")
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.selectionModel().selectionChanged.connect(self._selection_changed)
        # A step someone picks (click, keys) stays selected for a while when another one ticks.
        self.pick_hold_seconds = PICK_HOLD_SECONDS
        self._picked_at: float | None = None
        self._moving = False
        self.list.selectionModel().currentChanged.connect(lambda *_: self._picked())
        self.list.pressed.connect(lambda _index: self._picked())
        # The window whose sandbox_replaced this dock listens to, once it is added to one.
        self._replaced_by: QObject | None = None
        self._replacement: SignalInstance | None = None
        # Enter (or a double click) on a step is Show me: a trainer walks the guide from the keyboard.
        self.list.activated.connect(lambda _index: self.show_me())

        self.step_title = QLabel()
        self.step_title.setObjectName("stepTitle")
        self.step_title.setWordWrap(True)
        self.step_where = QLabel()
        self.step_where.setObjectName("stepWhere")
        self.step_where.setWordWrap(True)
        self.step_guide = QTextBrowser()
        self.step_guide.setObjectName("stepGuide")
        self.step_guide.setOpenLinks(False)
        self.show_me_button = QPushButton("Show me")
        self.show_me_button.setObjectName("showMe")
        self.show_me_button.setDefault(True)
        self.show_me_button.setToolTip("Open this step's page in the right persona (Enter on a step does the same)")
        self.show_me_button.clicked.connect(self.show_me)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(10, 8, 10, 8)
        title_row = QHBoxLayout()
        title_row.addWidget(self.step_title, 1)
        title_row.addWidget(self.show_me_button)
        detail_layout.addLayout(title_row)
        detail_layout.addWidget(self.step_where)
        detail_layout.addWidget(self.step_guide, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.list)
        self.splitter.addWidget(detail)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([300, 260])

        self._body = column(header, self.splitter)
        self._body.setStyleSheet(style())
        self.setWidget(self._body)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self.refresh)
        self.model.dataChanged.connect(lambda *_: self._show_progress())
        self.refresh()
        self._select_row(self._first_open_row())

    def set_text_scale(self, scale: float) -> None:
        """View › Panel text size: the step names and the step's title, sized apart, grow with the rest."""
        self._body.setStyleSheet(style(scale))

    # -- reading state -------------------------------------------------------------------------

    def observe(self) -> Observed:
        """Both systems' state now."""
        return Observed(
            jumpcloud=self.sandbox.jumpcloud.integration_state(),
            blogin=self.sandbox.blogin.integration_state(),
            jumpcloud_url=self.sandbox.jumpcloud.base_url,
            blogin_url=self.sandbox.blogin.base_url,
        )

    def refresh(self) -> None:
        try:
            observed = self.observe()
        except Exception:  # a system mid-reset must not break the window; the next event retries
            log.warning("walkthrough could not read the systems' state", exc_info=True)
            return
        ticked_before = self.model.ticked_keys()
        self.model.evaluate(observed)
        self._show_progress()
        if self.model.ticked_keys() - ticked_before:
            self._follow_progress()

    def start_over(self) -> None:
        """Both systems' state was replaced (File › Reset sandbox…, a scenario opened): the checklist reads
        it afresh, nothing done before it ticked, and the first step still to do selected."""
        self.model.forget_progress()
        self.refresh()
        self._select_row(self._first_open_row())

    def event(self, event: QEvent) -> bool:
        # Added to the window: from then on its File › Reset sandbox… and scenarios start the checklist over.
        if event.type() == QEvent.Type.ParentChange:
            self._listen_for_replacement(self.parent())
        return super().event(event)

    def _listen_for_replacement(self, window: QObject | None) -> None:
        if window is self._replaced_by:
            return
        if self._replacement is not None:
            self._replacement.disconnect(self.start_over)
        self._replaced_by, self._replacement = None, None
        replaced = getattr(window, "sandbox_replaced", None)
        if isinstance(replaced, SignalInstance):
            replaced.connect(self.start_over)
            self._replaced_by, self._replacement = window, replaced

    def schedule_refresh(self, *_args: object) -> None:
        """Coalesce a burst of events into one re-evaluation."""
        self._refresh_timer.start()

    # -- actions -----------------------------------------------------------------------------

    def current_step(self) -> WalkthroughStep | None:
        index = self.list.currentIndex()
        return self.model.steps[index.row()] if index.isValid() else None

    def show_me(self) -> None:
        """Open the step's page in the right persona's browser."""
        step = self.current_step()
        if step is None:
            return
        observed = self.model.observed or self.observe()
        url = step.show_me(observed)
        log.info("show me: %s opens %s", step.persona, url)
        self.opener(step.persona, url)

    def confirm_reset_progress(self) -> bool:
        if not ask(
            self,
            "resetWalkthroughProgress",
            "Reset walkthrough progress",
            "Forget which steps were done earlier? Steps the systems are in right now stay ticked.",
            "Reset progress",
        ):
            return False
        self.model.reset_progress()
        return True

    # -- presentation ------------------------------------------------------------------------

    def _first_open_row(self, after: int = -1) -> int:
        """The first step not done after row ``after`` (wrapping round to the top); 0 when all are done."""
        rows = [*range(after + 1, len(STEPS)), *range(0, after + 1)]
        return next((row for row in rows if not self.model.is_ticked(STEPS[row].key)), 0)

    def _picked(self) -> None:
        if not self._moving:
            self._picked_at = time.monotonic()

    def _follow_progress(self) -> None:
        """A step ticked: when the selected step is done, the next one not done is selected, unless someone
        picked the selected step moments ago (they are reading it)."""
        current = self.list.currentIndex()
        if current.isValid() and not self.model.is_ticked(self.model.steps[current.row()].key):
            return
        if self._picked_at is not None and time.monotonic() - self._picked_at < self.pick_hold_seconds:
            return
        if self.model.ticked_count() < len(STEPS):
            self._select_row(self._first_open_row(current.row() if current.isValid() else -1))

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self._moving = True
        try:
            self.list.setCurrentIndex(index)
            self.list.scrollTo(index)
        finally:
            self._moving = False

    def _show_progress(self) -> None:
        done = self.model.ticked_count()
        self.progress_label.setText(f"{done} of {len(STEPS)} steps done")
        self.progress_bar.setValue(done)
        self._show_step(self.current_step())

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_step(self.current_step())

    def _show_step(self, step: WalkthroughStep | None) -> None:
        if step is None:
            self.step_title.clear()
            self.step_where.clear()
            self.step_guide.clear()
            self.show_me_button.setEnabled(False)
            return
        persona = persona_by_key(step.persona)
        who = persona.title if persona is not None else step.persona
        if self.model.is_ticked(step.key):
            state = "✔ Done" if self.model.data(self._index_of(step), DoneNowRole) else "✔ Done earlier"
        else:
            state = "Not done yet"
        self.step_title.setText(step.label)
        self.step_where.setText(f"{state} · Show me opens it as the {who}")
        self.step_guide.setHtml(guide_html(self.passages.get(step.key, "")))
        self.show_me_button.setEnabled(True)

    def _index_of(self, step: WalkthroughStep) -> QModelIndex:
        return self.model.index(self.model.steps.index(step), 0)
