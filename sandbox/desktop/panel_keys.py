"""View › Go to panel: a key for each dock that brings it to the front and gives it the keyboard.

The docks share two tab groups (the event log's along the bottom, the walkthrough's on the right); their
tabs take no keyboard focus, and a dock's own View item hides a dock that is open behind another. These
keys are how someone without a mouse (or a trainer at a projector) reaches the SAML tracer or the drift view.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

#: focus chains are short; a bound against a chain that does not come back round
_FOCUS_CHAIN_LIMIT = 500


def first_focusable(dock: QDockWidget) -> QWidget | None:
    """The first control inside ``dock`` that Tab would reach, in the window's focus order."""
    widget: QWidget | None = dock
    for _ in range(_FOCUS_CHAIN_LIMIT):
        widget = widget.nextInFocusChain() if widget is not None else None
        if widget is None or widget is dock:
            return None
        if (
            dock.isAncestorOf(widget)
            and widget.isVisibleTo(dock)
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            return widget
    return None


def go_to(dock: QDockWidget) -> None:
    """Open ``dock`` if closed, bring it in front of the docks it shares a place with, and focus it."""
    dock.show()
    dock.raise_()
    target = first_focusable(dock)
    if target is not None:
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)


def install_panel_keys(
    window: QMainWindow, menu: QMenu, docks: list[QDockWidget], before: QAction | None = None
) -> list[QAction]:
    """A "Go to panel" submenu of ``menu`` (before ``before``, else last): Alt+1, Alt+2… for ``docks`` in order."""
    submenu = QMenu("&Go to panel", menu)
    if before is None:
        menu.addMenu(submenu)
    else:
        menu.insertMenu(before, submenu)
    actions = []
    for number, dock in enumerate(docks, start=1):
        action = QAction(dock.windowTitle(), window)
        action.setObjectName(f"goTo{dock.objectName()[:1].upper()}{dock.objectName()[1:]}")
        if number <= 9:
            action.setShortcut(QKeySequence(f"Alt+{number}"))
        # Also while a dock floats in a window of its own, as long as the main window has focus.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False, dock=dock: go_to(dock))
        window.addAction(action)
        submenu.addAction(action)
        actions.append(action)
    return actions
