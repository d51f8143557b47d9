"""The Edge cases dock: BlogIn's SCIM server faults and JumpCloud's assertion toggles, with All off.

Every change goes through the systems' public entry points (``BlogIn.set_scim_fault``,
``JumpCloud.set_edge_cases``); what is on is read back from their state, never assumed.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sandbox.app import Sandbox
from sandbox.desktop.edge_cases.words import active_edge_cases, describe_cases, in_a_line
from sandbox.desktop.edge_cases.wrapped import WrappedLabel
from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF
from sandbox.jumpcloud.services.integration_state import ApplicationState

log = logging.getLogger("sandbox.desktop.edge_cases")

STATUSES = (None, 401, 403, 409, 429, 500, 503)
STATUS_LABELS = {
    None: "No forced status",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    409: "409 Conflict",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
JIT_ATTRIBUTES = ("email", "firstname", "lastname", "title", "phone")
# Longest hold of the Response the SSO tab allows (sandbox.jumpcloud.web.sso_form.MAX_HOLD_SECONDS).
MAX_HOLD_SECONDS = 900
#: how long the clock skew slider rests, moved by keys or the wheel, before the skew is applied
SKEW_SETTLE_MS = 300

STYLE = """
QGroupBox { font-weight: 600; border: 1px solid #d9dee5; border-radius: 6px; margin-top: 14px; padding: 4px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #1f2933; }
QLabel#edgeHint { color: #5b6675; font-weight: 400; }
QLabel#edgeHint:disabled { color: #a3acb8; }
QLabel#edgeSummary { color: #2f855a; font-weight: 600; }
QLabel#edgeSummary[active="true"] { color: #b54708; }
QPushButton#allOff { font-weight: 600; padding: 4px 14px; }
"""


class EdgeCasesDock(QDockWidget):
    """Toggles that make the integration fail on purpose; ``active_changed`` carries what is on."""

    active_changed = Signal(list)

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__("Edge cases")
        self.setObjectName("edgeCasesDock")
        self.sandbox = sandbox
        self._loading = False
        self.fault_rows: dict[str, tuple[QSpinBox, QComboBox, QSpinBox, QSpinBox]] = {}
        # The assertion edge cases as the controls last showed them: only what the tester changes is sent,
        # so a value the controls cannot show (set on JumpCloud's SSO tab) is kept.
        self._shown_cases: dict[str, Any] = {}

        body = QWidget()
        body.setStyleSheet(STYLE)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        top = QHBoxLayout()
        self.summary = WrappedLabel()
        self.summary.setObjectName("edgeSummary")
        self.all_off_button = QPushButton("All off")
        self.all_off_button.setObjectName("allOff")
        self.all_off_button.setToolTip("Switch every fault and edge case off in both systems")
        self.all_off_button.clicked.connect(self.all_off)
        top.addWidget(self.summary, 1)
        top.addWidget(self.all_off_button)
        layout.addLayout(top)
        layout.addWidget(self._scim_box())
        layout.addWidget(self._assertion_box())
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.refresh()

    # -- building ----------------------------------------------------------------------------

    def _scim_box(self) -> QGroupBox:
        # Two lines per endpoint (its status, then latency, which call and Retry-After) so that the
        # panel fits the narrow right-hand dock without a horizontal scroll bar hiding All off.
        box = QGroupBox("BlogIn SCIM server faults")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(6)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setColumnStretch(1, 1)
        # The errors BlogIn answers name its own page for these settings: said here, so they are recognised.
        hint = WrappedLabel(
            "What BlogIn's SCIM API does to JumpCloud's next requests: the settings of BlogIn's "
            "Settings › Test faults page, which its error answers name."
        )
        hint.setObjectName("edgeHint")
        grid.addWidget(hint, 0, 0, 1, 4)
        grid.setVerticalSpacing(4)
        for index, endpoint in enumerate(("Users", "Groups", "Discovery")):
            row = 1 + index * 2
            latency = QSpinBox()
            latency.setRange(0, 60_000)
            latency.setSingleStep(250)
            latency.setSuffix(" ms")
            latency.setToolTip(f"Latency: how long BlogIn waits before answering each {endpoint} request.")
            status = QComboBox()
            status.setToolTip("The HTTP status BlogIn answers instead of doing the request.")
            for code in STATUSES:
                status.addItem(STATUS_LABELS[code], code)
            nth = QSpinBox()
            nth.setRange(0, 9_999)
            nth.setPrefix("call #")
            nth.setSpecialValueText("every call")
            nth.setToolTip("Only call #: the forced status answers only that call (counted from when it is set).")
            retry = QSpinBox()
            retry.setRange(0, 3600)
            retry.setPrefix("Retry ")
            retry.setSuffix(" s")
            retry.setToolTip("Retry-After: the header, in seconds, sent with 429 Too Many Requests.")
            for widget in (latency, nth, retry):
                widget.setObjectName(
                    f"{endpoint}-{'latency' if widget is latency else 'nth' if widget is nth else 'retry'}"
                )
                widget.editingFinished.connect(lambda endpoint=endpoint: self._apply_fault(endpoint))
            status.setObjectName(f"{endpoint}-status")
            status.activated.connect(lambda _index, endpoint=endpoint: self._apply_fault(endpoint))
            status.currentIndexChanged.connect(lambda _index, endpoint=endpoint: self._enable_tuning(endpoint))
            name = QLabel(f"/{endpoint}" if endpoint != "Discovery" else "Discovery")
            name.setStyleSheet("font-weight: 600;")
            grid.addWidget(name, row, 0)
            grid.addWidget(status, row, 1, 1, 3)
            tuning = QHBoxLayout()
            tuning.setSpacing(4)
            for widget in (latency, nth, retry):
                tuning.addWidget(widget, 1)
            grid.addLayout(tuning, row + 1, 0, 1, 4)
            self.fault_rows[endpoint] = (latency, status, nth, retry)
            self._enable_tuning(endpoint)
        return box

    def _enable_tuning(self, endpoint: str) -> None:
        # Which call gets the status means something only with a status forced, Retry-After only with
        # 429: otherwise they are greyed out, so "Retry 5 s" is not read as being sent.
        _latency, status, nth, retry = self.fault_rows[endpoint]
        forced = status.currentData()
        nth.setEnabled(forced is not None)
        retry.setEnabled(forced == 429)

    def _assertion_box(self) -> QGroupBox:
        box = QGroupBox("JumpCloud IdP assertion (BlogIn application)")
        column = QVBoxLayout(box)
        column.setContentsMargins(6, 6, 6, 6)
        # Which application the controls bend, or why they cannot: it stays readable while they are greyed out.
        self.application_label = WrappedLabel()
        self.application_label.setObjectName("edgeHint")
        column.addWidget(self.application_label)
        # Every control of the group, with its labels and hints: enabled together, only with an application.
        self.assertion_panel = QWidget()
        self.assertion_panel.setObjectName("assertionControls")
        column.addWidget(self.assertion_panel)
        form = QFormLayout(self.assertion_panel)
        form.setContentsMargins(0, 0, 0, 0)
        skew_row = QHBoxLayout()
        self.skew_slider = QSlider(Qt.Orientation.Horizontal)
        self.skew_slider.setObjectName("clockSkew")
        self.skew_slider.setRange(-30, 30)
        self.skew_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.skew_slider.setTickInterval(5)
        self.skew_value = QLabel("0 min")
        self.skew_value.setMinimumWidth(60)
        self.skew_slider.valueChanged.connect(
            lambda value: self.skew_value.setText(f"{value:+d} min" if value else "0 min")
        )
        self.skew_slider.sliderReleased.connect(self._apply_cases)
        # Moved by the keyboard, the wheel or a click on the groove (no drag to release): applied once it
        # rests for a moment, not at every step.
        self._skew_timer = QTimer(self)
        self._skew_timer.setSingleShot(True)
        self._skew_timer.setInterval(SKEW_SETTLE_MS)
        self._skew_timer.timeout.connect(self._apply_cases)
        self.skew_slider.valueChanged.connect(self._skew_moved)
        skew_row.addWidget(self.skew_slider, 1)
        skew_row.addWidget(self.skew_value)
        form.addRow("Clock skew", skew_row)
        validity_row = QHBoxLayout()
        self.short_validity = QCheckBox("Short validity")
        self.validity_seconds = QSpinBox()
        self.validity_seconds.setRange(0, 300)
        self.validity_seconds.setValue(5)
        self.validity_seconds.setSuffix(" s")
        validity_row.addWidget(self.short_validity)
        validity_row.addWidget(self.validity_seconds)
        validity_row.addStretch(1)
        form.addRow("", validity_row)
        hold_row = QHBoxLayout()
        self.hold_response = QSpinBox()
        self.hold_response.setObjectName("holdResponse")
        self.hold_response.setRange(0, MAX_HOLD_SECONDS)
        self.hold_response.setSuffix(" s")
        self.hold_response.setSpecialValueText("off")
        self.hold_response.setToolTip(
            "Hold the Response before posting it: JumpCloud's hand-off page counts down this long "
            "(Post now sends it at once). 0: posted at once."
        )
        # The name on a line of its own, the seconds under it: the dock stays narrow enough for All off.
        hold_label = QLabel("Hold the Response before posting it")
        hold_label.setBuddy(self.hold_response)
        form.addRow("", hold_label)
        hold_row.addWidget(self.hold_response)
        hold_row.addWidget(QLabel("on the hand-off page"))
        hold_row.addStretch(1)
        form.addRow("", hold_row)
        validity_hint = WrappedLabel(
            "BlogIn allows some clock skew (60 s unless changed), so a short validity alone is still accepted "
            "when the Response is posted at once: hold the Response for longer than the validity plus that "
            "skew to see the assertion expire on its way (or add a negative clock skew)."
        )
        validity_hint.setObjectName("edgeHint")
        form.addRow("", validity_hint)
        self.wrong_audience = QCheckBox("Wrong audience")
        self.unsigned = QCheckBox("Unsigned")
        self.wrong_key = QCheckBox("Signed with the wrong key")
        for box_widget in (self.wrong_audience, self.unsigned, self.wrong_key):
            form.addRow("", box_widget)
        missing_row = QHBoxLayout()
        self.missing_attribute = QCheckBox("Missing attribute")
        self.missing_name = QComboBox()
        self.missing_name.addItems(JIT_ATTRIBUTES)
        missing_row.addWidget(self.missing_attribute)
        missing_row.addWidget(self.missing_name)
        missing_row.addStretch(1)
        form.addRow("", missing_row)
        missing_hint = WrappedLabel("Dropping email alone still signs in: BlogIn takes the email from the NameID.")
        missing_hint.setObjectName("edgeHint")
        form.addRow("", missing_hint)
        for toggle in (self.short_validity, self.wrong_audience, self.unsigned, self.wrong_key, self.missing_attribute):
            toggle.toggled.connect(lambda _on: self._apply_cases())
        self.validity_seconds.editingFinished.connect(self._apply_cases)
        self.hold_response.editingFinished.connect(self._apply_cases)
        self.missing_name.activated.connect(lambda _index: self._apply_cases())
        return box

    # -- reading back ------------------------------------------------------------------------

    def application(self) -> ApplicationState | None:
        return self.sandbox.jumpcloud.integration_state().application("blogin")

    def refresh(self) -> None:
        """Show what the systems say is on now."""
        self._loading = True
        try:
            for fault in self.sandbox.blogin.integration_state().faults:
                row = self.fault_rows.get(fault.endpoint)
                if row is None:
                    continue
                latency, status, nth, retry = row
                latency.setValue(fault.latency_ms)
                status.setCurrentIndex(max(0, status.findData(fault.status)))
                nth.setValue(fault.only_nth)
                retry.setValue(fault.retry_after_s)
            app = self.application()
            self.assertion_panel.setEnabled(app is not None)
            if app is None:
                self.application_label.setText(
                    "Not yet configured: add the BlogIn application in JumpCloud (USER AUTHENTICATION › "
                    "SSO Applications) to bend its assertions."
                )
            else:
                self.application_label.setText(f"Applies to {app.display_label} (/saml2/{app.name}).")
            # Without an application every control shows off, not what it showed before a reset.
            cases = {**EDGE_CASES_OFF, **(app.edge_cases if app is not None else {})}
            skew = int(cases["clockSkewMinutes"] or 0)
            self.skew_slider.setValue(skew)
            self.skew_value.setText(f"{skew:+d} min" if skew else "0 min")  # the skew as set, past the slider's end too
            validity = cases["shortValiditySeconds"]
            self.short_validity.setChecked(validity is not None)
            if validity is not None:
                self.validity_seconds.setValue(int(validity))
            self.hold_response.setValue(int(cases["holdResponseSeconds"] or 0))
            self.wrong_audience.setChecked(bool(cases["wrongAudience"]))
            self.unsigned.setChecked(bool(cases["noSignature"]))
            self.wrong_key.setChecked(bool(cases["foreignKey"]))
            dropping = cases["attributeMode"] == "drop" and bool(cases["attributeName"])
            self.missing_attribute.setChecked(dropping)
            if dropping:
                self.missing_name.setCurrentText(str(cases["attributeName"]))
            self._shown_cases = self._cases_shown()
        finally:
            self._loading = False
        active = active_edge_cases(self.sandbox)
        self.summary.setText(f"On: {in_a_line(active)}" if active else "Everything behaves normally.")
        # Amber while something is on, green when all is normal (the style sheet reads the property).
        if self.summary.property("active") != bool(active):
            self.summary.setProperty("active", bool(active))
            self.summary.style().unpolish(self.summary)
            self.summary.style().polish(self.summary)
        self.all_off_button.setEnabled(bool(active))
        self.active_changed.emit(active)

    # -- changing ----------------------------------------------------------------------------

    def _skew_moved(self, _value: int) -> None:
        if not self._loading and not self.skew_slider.isSliderDown():
            self._skew_timer.start()

    def _apply_fault(self, endpoint: str) -> None:
        if self._loading:
            return
        latency, status, nth, retry = self.fault_rows[endpoint]
        self.set_fault(
            endpoint,
            latency_ms=latency.value(),
            status=status.currentData(),
            only_nth=nth.value(),
            retry_after_s=retry.value(),
        )

    def set_fault(self, endpoint: str, **values: Any) -> None:
        """Set one endpoint's fault in BlogIn and show the result."""
        self.sandbox.blogin.set_scim_fault(endpoint, **values)
        log.info("SCIM fault on %s set from the desktop", endpoint)
        self.refresh()

    def _cases_shown(self) -> dict[str, Any]:
        """The assertion edge cases as the controls show them."""
        dropping = self.missing_attribute.isChecked()
        return {
            "clockSkewMinutes": self.skew_slider.value(),
            "shortValiditySeconds": self.validity_seconds.value() if self.short_validity.isChecked() else None,
            "holdResponseSeconds": self.hold_response.value(),
            "wrongAudience": self.wrong_audience.isChecked(),
            "noSignature": self.unsigned.isChecked(),
            "foreignKey": self.wrong_key.isChecked(),
            "attributeMode": "drop" if dropping else "",
            "attributeName": self.missing_name.currentText() if dropping else "",
        }

    def _apply_cases(self) -> None:
        if self._loading:
            return
        shown = self._cases_shown()
        changed = {key: value for key, value in shown.items() if self._shown_cases.get(key) != value}
        if changed:
            self.set_cases(changed)

    def set_cases(self, cases: dict[str, Any]) -> None:
        """Change the BlogIn application's assertion edge cases and show the result."""
        app = self.application()
        if app is None:
            return
        self.sandbox.jumpcloud.set_edge_cases(app.id, cases)
        log.info("assertion edge cases of %s changed from the desktop", app.name)
        self.refresh()

    def all_off(self) -> None:
        """Every fault and edge case off, in both systems."""
        self.sandbox.blogin.clear_scim_faults()
        for app in self.sandbox.jumpcloud.integration_state().applications:
            if describe_cases(app.edge_cases):
                self.sandbox.jumpcloud.set_edge_cases(app.id, EDGE_CASES_OFF)
        log.info("all edge cases switched off from the desktop")
        self.refresh()
