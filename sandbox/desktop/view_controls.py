"""The View menu's browser keys, page zoom and panel text size, for a trainer in front of a room.

Back, Forward, Reload, the address field and the zoom act on the persona that has the keyboard (the
last one clicked or typed in), as in a browser; "Zoom all personas" zooms every persona together.
Zoom levels, that choice and the panel text size are kept in the window's layout file.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QKeyCombination, QObject, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QDockWidget, QMenu, QWidget

from sandbox.desktop.browser import ZOOM_IN, ZOOM_OUT, ZOOM_RESET, PersonaBrowser
from sandbox.desktop.first_layout import KeptDockSizes, keep_dock_sizes, keep_persona_height, make_room_for_text
from sandbox.desktop.panel_text import (
    NORMAL,
    PANEL_TEXT_KEY,
    TEXT_SIZES,
    TextSize,
    remember_text_scale,
    scale_dock_tabs,
    scale_status_bar,
    scale_text,
    text_size,
)
from sandbox.desktop.persona_area import TABS
from sandbox.desktop.zoom import ACTUAL_SIZE, stored_zoom, zoom_label, zoomed_in, zoomed_out

if TYPE_CHECKING:
    from sandbox.desktop.window import MainWindow

log = logging.getLogger("sandbox.desktop.view")

ZOOM_ALL_KEY = "view/zoomAllPersonas"
ZOOM_KEY = "view/zoom/{persona}"
STATUS_MS = 2500


def _keys(*sequences: str | QKeySequence | QKeySequence.StandardKey) -> list[QKeySequence]:
    # The same key twice on one action would make Qt call it ambiguous and do nothing.
    keys: dict[str, QKeySequence] = {}
    for sequence in sequences:
        key = sequence if isinstance(sequence, QKeySequence) else QKeySequence(sequence)
        keys.setdefault(key.toString(), key)
    return list(keys.values())


# Qt reads Shift+Tab as the key Backtab: both spellings, so every keyboard layout is covered.
CTRL_SHIFT_BACKTAB = QKeySequence(
    QKeyCombination(Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_Backtab)
)


def browser_of(widget: QWidget | None) -> PersonaBrowser | None:
    """The persona browser ``widget`` is part of (its page, its address field…), if any."""
    while widget is not None:
        if isinstance(widget, PersonaBrowser):
            return widget
        widget = widget.parentWidget()
    return None


class ViewControls(QObject):
    """Persona keys, zoom and panel text size of one window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.zoom_all = False
        self.text_size: TextSize = NORMAL
        self._dock_sizes = KeptDockSizes()
        self._last_focused: PersonaBrowser | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        for browser in window.browsers.values():
            browser.zoom_requested.connect(lambda step, browser=browser: self.zoom_step(browser, step))
            browser.status_message.connect(lambda words: window.statusBar().showMessage(words, 8000))

        self.back_action = self._action("&Back", self.back, "Alt+Left")
        self.forward_action = self._action("&Forward", self.forward, "Alt+Right")
        self.reload_action = self._action("&Reload persona", self.reload, "F5", "Ctrl+R")
        self.address_action = self._action("Go to &address field", self.focus_address, "Ctrl+L")
        self.next_action = self._action("&Next persona", lambda: self.switch_persona(1), "Ctrl+Tab", "Ctrl+PgDown")
        self.previous_action = self._action(
            "&Previous persona", lambda: self.switch_persona(-1), "Ctrl+Shift+Tab", CTRL_SHIFT_BACKTAB, "Ctrl+PgUp"
        )
        self.zoom_in_action = self._action("Zoom &In", lambda: self.zoom_step(self.focused_browser(), ZOOM_IN))
        self.zoom_in_action.setShortcuts(_keys(QKeySequence.StandardKey.ZoomIn, "Ctrl+=", "Ctrl++"))
        self.zoom_out_action = self._action(
            "Zoom &Out", lambda: self.zoom_step(self.focused_browser(), ZOOM_OUT), "Ctrl+-"
        )
        self.actual_size_action = self._action(
            "Actual &Size", lambda: self.zoom_step(self.focused_browser(), ZOOM_RESET), "Ctrl+0"
        )
        self.zoom_all_action = QAction("Zoom &all personas", window, checkable=True)
        self.zoom_all_action.setObjectName("zoomAllPersonas")
        self.zoom_all_action.setToolTip("Zoom In, Zoom Out and Actual Size act on every persona together")
        self.zoom_all_action.toggled.connect(self.set_zoom_all)

        self.text_size_menu = QMenu("Panel &text size", window)
        self.text_size_menu.setObjectName("panelTextSize")
        group = QActionGroup(self)
        self.text_size_actions: dict[str, QAction] = {}
        for size in TEXT_SIZES:
            action = QAction(size.label, window, checkable=True)
            action.setData(size.key)
            action.triggered.connect(lambda _checked=False, size=size: self.choose_text_size(size))
            group.addAction(action)
            self.text_size_menu.addAction(action)
            self.text_size_actions[size.key] = action
        self.text_size_actions[NORMAL.key].setChecked(True)

    def _action(self, text: str, slot: object, *shortcuts: str | QKeySequence) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts(_keys(*shortcuts))
        # Also while a dock floats in a window of its own, as long as the main window has focus.
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        # An action reaches the keyboard only in a widget: the window holds it whatever menu shows it.
        self.window.addAction(action)
        return action

    def add_to(self, menu: QMenu, reload_all: QAction) -> None:
        """Add the persona and zoom items to the View menu, ``reload_all`` (Ctrl+Shift+R) after Reload."""
        for action in (self.back_action, self.forward_action, self.reload_action, reload_all, self.address_action):
            menu.addAction(action)
        menu.addAction(self.next_action)
        menu.addAction(self.previous_action)
        menu.addSeparator()
        for action in (self.zoom_in_action, self.zoom_out_action, self.actual_size_action, self.zoom_all_action):
            menu.addAction(action)
        menu.addMenu(self.text_size_menu)

    # -- which persona ----------------------------------------------------------------------------

    def focused_browser(self) -> PersonaBrowser:
        """The persona on screen that has the keyboard, else the one that had it last, else the first shown."""
        shown = self.window.area.visible_browsers()
        for candidate in (browser_of(QApplication.focusWidget()), self._last_focused):
            if candidate is not None and candidate in shown:
                return candidate
        return shown[0] if shown else next(iter(self.window.browsers.values()))

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        browser = browser_of(new)
        if browser is not None:
            self._last_focused = browser

    # -- browser keys -----------------------------------------------------------------------------

    def back(self) -> None:
        self.focused_browser().view.back()

    def forward(self) -> None:
        self.focused_browser().view.forward()

    def reload(self) -> None:
        self.focused_browser().view.reload()

    def focus_address(self) -> None:
        self.focused_browser().focus_address()

    def switch_persona(self, step: int) -> PersonaBrowser:
        """Ctrl+Tab / Ctrl+Shift+Tab: the next (or previous) tab in tab view; the other pane in split view.

        The persona switched to gets the keyboard, so the keys that follow act on it.
        """
        area = self.window.area
        if area.mode == TABS:
            count = area.tabs.count()
            area.tabs.setCurrentIndex((area.tabs.currentIndex() + step) % count)
            browser = area.visible_browsers()[0]
        else:
            shown = area.visible_browsers()
            current = self.focused_browser()
            position = shown.index(current) if current in shown else 0
            browser = shown[(position + step) % len(shown)]
        browser.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._last_focused = browser
        self.window.statusBar().showMessage(browser.persona.title, STATUS_MS)
        return browser

    # -- zoom -------------------------------------------------------------------------------------

    def zoom_step(self, browser: PersonaBrowser, step: int) -> float:
        """Zoom ``browser`` one step in or out (or back to 100 %); every persona with Zoom all personas."""
        current = browser.zoom_factor
        factor = ACTUAL_SIZE if step == ZOOM_RESET else zoomed_in(current) if step > 0 else zoomed_out(current)
        targets = list(self.window.browsers.values()) if self.zoom_all else [browser]
        for target in targets:
            target.set_zoom(factor)
        who = "All personas" if self.zoom_all else browser.persona.title
        self.window.statusBar().showMessage(f"{who}: zoom {zoom_label(factor)}", STATUS_MS)
        return factor

    def set_zoom_all(self, on: bool) -> None:
        """Zoom all personas together; switched on, they all take the focused persona's zoom."""
        self.zoom_all = on
        if self.zoom_all_action.isChecked() != on:
            self.zoom_all_action.setChecked(on)
        if on:
            factor = self.focused_browser().zoom_factor
            for browser in self.window.browsers.values():
                browser.set_zoom(factor)

    # -- panel text -------------------------------------------------------------------------------

    def set_text_size(self, size: TextSize) -> None:
        """Every dock, the status bar (and the guide, when open) at ``size``.

        The docks on screen keep their sizes: the taller or shorter tabs and status bar change the
        persona area's height instead, unless that would take the personas under their minimum height:
        then the docks below them give it (see first_layout.py).
        """
        self._change_text_size(size, make_room=False)

    def choose_text_size(self, size: TextSize) -> None:
        """View › Panel text size chosen: the text at ``size``, and the docks given room for it (never less
        than the reader gave them; see first_layout.py)."""
        self._change_text_size(size, make_room=True)

    def _change_text_size(self, size: TextSize, *, make_room: bool) -> None:
        self.text_size = size
        self.text_size_actions[size.key].setChecked(True)
        # Before the window has been laid out there is nothing to keep.
        if not self.window.isVisible():
            self.apply_text_size()
            return
        wanted = self._dock_sizes.wanted(self.window)
        persona_height = self._dock_sizes.persona_height(self.window, self.window.area.height())
        self.apply_text_size()
        if wanted:
            keep_dock_sizes(self.window, wanted)
        if make_room:
            make_room_for_text(self.window, size.scale)
        keep_persona_height(self.window, persona_height)
        self._dock_sizes.note(self.window, wanted, persona_height)

    def apply_text_size(self) -> None:
        """Scale the docks' text, the status bar's and that of the window's dialogs, to the chosen size
        (again after docks were added). Dialogs opened later take it from the window
        (panel_text.follow_panel_text)."""
        remember_text_scale(self.window, self.text_size.scale)
        scale_dock_tabs(self.window, self.text_size.scale)
        scale_status_bar(self.window.statusBar(), self.text_size.scale)
        roots: list[QWidget] = [*self.window.findChildren(QDockWidget)]
        roots += self.window.findChildren(QDialog)
        for root in roots:
            scale_text(root, self.text_size.scale)

    # -- memory -----------------------------------------------------------------------------------

    def save(self, store: QSettings) -> None:
        store.setValue(ZOOM_ALL_KEY, self.zoom_all)
        for key, browser in self.window.browsers.items():
            store.setValue(ZOOM_KEY.format(persona=key), round(browser.zoom_factor, 3))
        store.setValue(PANEL_TEXT_KEY, self.text_size.key)

    def restore(self, store: QSettings) -> None:
        """Zoom levels and text size as they were left; anything unreadable is 100 % and Normal."""
        for key, browser in self.window.browsers.items():
            browser.set_zoom(stored_zoom(store.value(ZOOM_KEY.format(persona=key), ACTUAL_SIZE)))
        self.zoom_all = str(store.value(ZOOM_ALL_KEY, "false")).lower() == "true"
        self.zoom_all_action.blockSignals(True)
        self.zoom_all_action.setChecked(self.zoom_all)
        self.zoom_all_action.blockSignals(False)
        self.set_text_size(text_size(store.value(PANEL_TEXT_KEY)))
