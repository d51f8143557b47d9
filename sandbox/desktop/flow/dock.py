"""The flow diagram dock: a chooser of recent flows, the diagram, and export for slides."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QGraphicsView,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sandbox.desktop.flow.scene import FlowScene
from sandbox.desktop.flow.steps import Flow, FlowRecorder, Step
from sandbox.events import SandboxEvent

log = logging.getLogger("sandbox.desktop.flow")


class FlowDiagramDock(QDockWidget):
    """Draws the current SSO login or provisioning run live; older flows stay selectable."""

    #: (kind, trace id): "saml" opens the SAML tracer, "scim" the SCIM traffic panel
    message_requested = Signal(str, str)

    def __init__(self) -> None:
        super().__init__("Flow diagram")
        self.setObjectName("flowDiagramDock")
        self.recorder = FlowRecorder()
        self.scene = FlowScene()
        self.view = QGraphicsView(self.scene)
        self.view.setObjectName("flowView")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.chooser = QComboBox()
        self.chooser.setObjectName("flowChooser")
        self.chooser.setMinimumContentsLength(36)
        self.chooser.setPlaceholderText("No flow yet")
        self.png_button = QPushButton("Export PNG…")
        self.svg_button = QPushButton("Export SVG…")
        bar = QFrame()
        bar.setObjectName("eventFilterBar")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(8, 4, 8, 4)
        bar_layout.addWidget(self.chooser)
        bar_layout.addStretch(1)
        bar_layout.addWidget(self.png_button)
        bar_layout.addWidget(self.svg_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.view, 1)
        self.setWidget(body)
        self._following = True
        self._listed: list[Flow] = []
        self.chooser.activated.connect(self._chosen)
        self.png_button.clicked.connect(lambda: self.export("png"))
        self.svg_button.clicked.connect(lambda: self.export("svg"))
        self.scene.step_clicked.connect(self._step_clicked)

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
                    self.chooser.setItemText(index, flow.caption())
        if self._following:
            self.chooser.setCurrentIndex(self.chooser.count() - 1)
            self.scene.draw(self.recorder.current)
        elif self.scene.flow is not None and self.scene.flow in flows:
            shown = self.scene.flow
            self.chooser.setCurrentIndex(flows.index(shown))
            if any(flow is shown for flow in changed):
                self.scene.draw(shown)
        else:
            self._following = True
            self.chooser.setCurrentIndex(self.chooser.count() - 1)
            self.scene.draw(self.recorder.current)

    def clear(self) -> None:
        """Forget every flow and show the empty diagram with its hint."""
        self.recorder.clear()
        self._listed = []
        self._following = True
        self.chooser.clear()
        self.scene.draw(None)

    def _refill_chooser(self) -> None:
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for flow in self.recorder.flows:
            self.chooser.addItem(flow.caption())
        self._listed = list(self.recorder.flows)
        self.chooser.blockSignals(False)

    def choose(self, index: int) -> None:
        """Show the flow at ``index`` of the chooser, as picking it there does."""
        self.chooser.setCurrentIndex(index)
        self._chosen(index)

    def _chosen(self, index: int) -> None:
        flows = self.recorder.flows
        if 0 <= index < len(flows):
            # Looking at an older flow stops following; choosing the newest follows again.
            self._following = index == len(flows) - 1
            self.scene.draw(flows[index])

    def _step_clicked(self, step: Step) -> None:
        if step.kind in ("saml", "scim"):
            self.message_requested.emit(step.kind, step.trace_id)

    def export(self, fmt: str, path: str | None = None) -> Path | None:
        """Export the shown flow as ``"png"`` or ``"svg"``; asks where unless ``path`` is given."""
        if path is None:
            caption = "Export the flow as PNG" if fmt == "png" else "Export the flow as SVG"
            pattern = "PNG images (*.png)" if fmt == "png" else "SVG images (*.svg)"
            path, _filter = QFileDialog.getSaveFileName(self, caption, f"sso-sandbox-flow.{fmt}", pattern)
            if not path:
                return None
        target = Path(path)
        saved = self.scene.export_png(target) if fmt == "png" else self.scene.export_svg(target)
        if not saved:
            log.warning("could not export the flow to %s", target)
            return None
        return target
