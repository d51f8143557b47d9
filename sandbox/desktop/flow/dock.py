"""The flow diagram dock: a chooser of recent flows, the diagram, and export for slides."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QResizeEvent, QShowEvent, QTransform, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QGraphicsView,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
)

from sandbox.desktop.flow.scene import FlowScene
from sandbox.desktop.flow.steps import Flow, FlowRecorder, Step
from sandbox.desktop.layout import column
from sandbox.desktop.saved_files import say_in_status_bar, suggested_path
from sandbox.desktop.theme import FAILING_RED
from sandbox.events import SandboxEvent

log = logging.getLogger("sandbox.desktop.flow")


class FlowView(QGraphicsView):
    """The diagram's view: scrolls at full size, or fits the whole diagram when asked."""

    def __init__(self, scene: FlowScene) -> None:
        super().__init__(scene)
        # A diagram shorter than the panel starts at its top, not floating in the middle.
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.fitting = False
        #: View › Panel text size: the diagram drawn this many times larger when not fitted to the panel
        self.text_scale = 1.0
        #: whether the newest arrow is followed (set false when the reader scrolls up from the end)
        self.tail = True
        #: whether the flow shown is the live one, drawn as it grows (not an older one chosen to read)
        self.live = True
        self.verticalScrollBar().actionTriggered.connect(self._scrolled)

    def set_fitting(self, fitting: bool) -> None:
        """Fit the whole diagram in the view (``False``: back to full size, scrolling)."""
        self.fitting = fitting
        if not fitting:
            self.setTransform(QTransform.fromScale(self.text_scale, self.text_scale))
        self.refit()

    def set_text_scale(self, scale: float) -> None:
        """Draw the diagram ``scale`` times its size (its text with it); fitted to the panel it stays fitted."""
        self.text_scale = scale
        self.set_fitting(self.fitting)

    def refit(self) -> None:
        if self.fitting and self.scene() is not None:
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def _scrolled(self, _action: int) -> None:
        # The reader moved the scroll bar: follow again only if they left it at the end.
        bar = self.verticalScrollBar()
        self.tail = bar.sliderPosition() >= bar.maximum() - 2

    def wheelEvent(self, event: QWheelEvent) -> None:
        super().wheelEvent(event)
        bar = self.verticalScrollBar()
        self.tail = bar.value() >= bar.maximum() - 2

    def draw_flow(self, flow: Flow | None, *, tail: bool) -> None:
        """Draw ``flow``; ``tail``: keep its newest arrow in sight unless the reader scrolled up from it."""
        scene = self.scene()
        assert isinstance(scene, FlowScene)
        bar = self.verticalScrollBar()
        scene.draw(flow)
        self.refit()
        self.live = tail
        if not tail:
            self.tail = True
            bar.setValue(bar.minimum())
        elif self.tail:
            bar.setValue(bar.maximum())

    def keep_newest_in_sight(self) -> None:
        """The live flow followed to its newest arrow, unless the reader scrolled up or chose another flow."""
        if self.live and self.tail and not self.fitting:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refit()
        # Arrows drawn while the panel was behind another tab were scrolled to in the size it had then:
        # shown (or resized), the newest is brought into sight again at the size it has now.
        self.keep_newest_in_sight()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.keep_newest_in_sight()

    def lane_names_pinned(self) -> bool:
        """Whether the lanes' names are scrolled out of sight, and so shown pinned at the top instead."""
        scene = self.scene()
        if self.fitting or not isinstance(scene, FlowScene) or scene.flow is None:
            return False
        return self.mapToScene(0, 0).y() > scene.lane_names_top()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        # A long flow followed to its newest arrow would otherwise leave three unnamed dashed lines.
        super().drawForeground(painter, rect)
        scene = self.scene()
        if isinstance(scene, FlowScene) and self.lane_names_pinned():
            shown = self.mapToScene(self.viewport().rect()).boundingRect()
            scene.paint_lane_names(painter, shown.top(), shown.left(), shown.right())

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        # Scrolling moves the drawn pixels, pinned names with them: drawn again where they stay (or go).
        super().scrollContentsBy(dx, dy)
        if dy and not self.fitting:
            self.viewport().update()


class FlowDiagramDock(QDockWidget):
    """Draws the current SSO login or provisioning run live; older flows stay selectable."""

    #: (kind, trace id): "saml" opens the SAML tracer, "scim" the SCIM traffic panel
    message_requested = Signal(str, str)

    def __init__(self) -> None:
        super().__init__("Flow diagram")
        self.setObjectName("flowDiagramDock")
        self.recorder = FlowRecorder()
        self.scene = FlowScene()
        self.view = FlowView(self.scene)
        self.view.setObjectName("flowView")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.chooser = QComboBox()
        self.chooser.setObjectName("flowChooser")
        self.chooser.setMinimumContentsLength(36)
        self.chooser.setPlaceholderText("No flow yet")
        self.fit_button = QPushButton("Fit to panel")
        self.fit_button.setObjectName("flowFit")
        self.fit_button.setCheckable(True)
        self.fit_button.setToolTip("Shrink the diagram to show every arrow at once (for a short panel or a slide).")
        self.png_button = QPushButton("Export PNG…")
        self.svg_button = QPushButton("Export SVG…")
        bar = QFrame()
        bar.setObjectName("eventFilterBar")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(8, 4, 8, 4)
        # As wide as its longest caption where the bar has room (fit_chooser), narrower where it has not.
        self.chooser.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        bar_layout.addWidget(self.chooser, 1)
        bar_layout.addStretch(0)
        bar_layout.addWidget(self.fit_button)
        bar_layout.addWidget(self.png_button)
        bar_layout.addWidget(self.svg_button)
        self.setWidget(column(bar, self.view))
        self._following = True
        self._listed: list[Flow] = []
        self.chooser.activated.connect(self._chosen)
        self.fit_button.toggled.connect(self.view.set_fitting)
        self.png_button.clicked.connect(lambda: self.export("png"))
        self.svg_button.clicked.connect(lambda: self.export("svg"))
        self.scene.step_clicked.connect(self._step_clicked)

    def set_text_scale(self, scale: float) -> None:
        """View › Panel text size: the diagram grows with the other panels' text."""
        self.view.set_text_scale(scale)
        self.chooser.ensurePolished()
        self.fit_chooser()

    def fit_chooser(self) -> None:
        """Let the chooser grow as wide as its longest caption (a failed flow's is the longest), no wider."""
        metrics = self.chooser.fontMetrics()
        captions = (self.chooser.itemText(index) for index in range(self.chooser.count()))
        widest = max((metrics.horizontalAdvance(caption) for caption in captions), default=0)
        # The frame, the padding and the drop-down arrow around the text.
        self.chooser.setMaximumWidth(max(self.chooser.minimumSizeHint().width(), widest + 56))

    def add_events(self, events: Iterable[SandboxEvent]) -> None:
        """Feed traces and events as they arrive; the live flow is redrawn when it changes."""
        changed: list[Flow] = []
        for event in events:
            flow = self.recorder.add(event)
            if flow is not None and (not changed or changed[-1] is not flow):
                changed.append(flow)
        if not changed:
            return
        flows = self.recorder.flows
        if len(flows) != len(self._listed) or any(a is not b for a, b in zip(flows, self._listed, strict=True)):
            # Flows came, went (the oldest beyond the limit) or were merged away (a connection test's
            # exchanges BlogIn recorded first, moved out of the provisioning run they were drawn in).
            self._refill_chooser()
        else:
            for index, flow in enumerate(flows):
                if self.chooser.itemText(index) != flow.caption():
                    self._label(index, flow)
            self.fit_chooser()
        if self._following:
            # Like a log being tailed: the newest arrow stays in sight unless the reader scrolled up.
            self.chooser.setCurrentIndex(self.chooser.count() - 1)
            self.view.draw_flow(self.recorder.current, tail=True)
        elif self.scene.flow is not None and self.scene.flow in flows:
            shown = self.scene.flow
            self.chooser.setCurrentIndex(flows.index(shown))
            if any(flow is shown for flow in changed):
                self.scene.draw(shown)
                self.view.refit()
        else:
            self._following = True
            self.chooser.setCurrentIndex(self.chooser.count() - 1)
            self.view.draw_flow(self.recorder.current, tail=True)

    def clear(self) -> None:
        """Forget every flow and show the empty diagram with its hint."""
        self.recorder.clear()
        self._listed = []
        self._following = True
        self.chooser.clear()
        self.view.draw_flow(None, tail=False)

    def _refill_chooser(self) -> None:
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for index, flow in enumerate(self.recorder.flows):
            self.chooser.addItem("")
            self._label(index, flow)
        self._listed = list(self.recorder.flows)
        self.chooser.blockSignals(False)
        self.fit_chooser()

    def _label(self, index: int, flow: Flow) -> None:
        # A flow that failed reads red in the list, so a refused sign-in is found among the others.
        self.chooser.setItemText(index, flow.caption())
        colour = QBrush(QColor(FAILING_RED)) if flow.failures else None
        self.chooser.setItemData(index, colour, Qt.ItemDataRole.ForegroundRole)

    def choose(self, index: int) -> None:
        """Show the flow at ``index`` of the chooser, as picking it there does."""
        self.chooser.setCurrentIndex(index)
        self._chosen(index)

    def _chosen(self, index: int) -> None:
        flows = self.recorder.flows
        if 0 <= index < len(flows):
            # Looking at an older flow stops following; choosing the newest follows again.
            self._following = index == len(flows) - 1
            self.view.draw_flow(flows[index], tail=False)

    def _step_clicked(self, step: Step) -> None:
        if step.kind in ("saml", "scim"):
            self.message_requested.emit(step.kind, step.trace_id)

    def export(self, fmt: str, path: str | None = None) -> Path | None:
        """Export the shown flow as ``"png"`` or ``"svg"``; asks where unless ``path`` is given."""
        if path is None:
            caption = "Export the flow as PNG" if fmt == "png" else "Export the flow as SVG"
            pattern = "PNG images (*.png)" if fmt == "png" else "SVG images (*.svg)"
            start = suggested_path(self, f"sso-sandbox-flow.{fmt}")
            path, _filter = QFileDialog.getSaveFileName(self, caption, start, pattern)
            if not path:
                return None
        target = Path(path)
        saved = self.scene.export_png(target) if fmt == "png" else self.scene.export_svg(target)
        if not saved:
            log.warning("could not export the flow to %s", target)
            say_in_status_bar(self, f"The flow diagram could not be saved to {target}.")
            return None
        say_in_status_bar(self, f"Flow diagram saved to {target}")
        return target
