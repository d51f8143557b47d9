"""Where the persona browsers sit: two side by side (split view) or one tab each."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.personas import PERSONAS
from sandbox.desktop.theme import dot_icon

SPLIT = "split"
TABS = "tabs"


class PersonaHeader(QFrame):
    """A bar in the persona's colour naming who this browser belongs to.

    In split view the name is a chooser, so each pane can show any persona.
    """

    persona_chosen = Signal(str)

    def __init__(self, *, chooser: bool) -> None:
        super().__init__()
        self.setObjectName("personaHeader")
        self.setFixedHeight(40)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(10)
        self.chooser: QComboBox | None = None
        self.title = QLabel()
        self.title.setObjectName("personaTitle")
        if chooser:
            self.chooser = QComboBox()
            self.chooser.setObjectName("personaChooser")
            self.chooser.setToolTip("Choose whose browser this pane shows")
            for persona in PERSONAS:
                self.chooser.addItem(persona.title, persona.key)
            self.chooser.activated.connect(
                lambda index: self.persona_chosen.emit(self.chooser.itemData(index) if self.chooser else "")
            )
            layout.addWidget(self.chooser)
        else:
            layout.addWidget(self.title)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("personaSubtitle")
        layout.addWidget(self.subtitle)
        layout.addStretch(1)

    def show_persona(self, browser: PersonaBrowser) -> None:
        persona = browser.persona
        self.setStyleSheet(f"QFrame#personaHeader {{ background: {persona.colour}; }}")
        self.title.setText(persona.title)
        self.subtitle.setText(persona.subtitle)
        if self.chooser is not None:
            self.chooser.setCurrentIndex(self.chooser.findData(persona.key))


class PersonaPane(QWidget):
    """A header and one persona's browser below it."""

    def __init__(self, *, chooser: bool) -> None:
        super().__init__()
        self.header = PersonaHeader(chooser=chooser)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addWidget(self.header)
        self.browser: PersonaBrowser | None = None

    def hold(self, browser: PersonaBrowser) -> None:
        if self.browser is browser:
            return
        if self.browser is not None:
            self._layout.removeWidget(self.browser)
        self.browser = browser
        self._layout.addWidget(browser, 1)
        self.header.show_persona(browser)
        browser.show()

    def release(self) -> PersonaBrowser | None:
        browser, self.browser = self.browser, None
        if browser is not None:
            self._layout.removeWidget(browser)
        return browser


class PersonaArea(QStackedWidget):
    """Split view (two chosen personas side by side) or tabs (all three)."""

    mode_changed = Signal(str)
    persona_shown = Signal(str)

    def __init__(self, browsers: list[PersonaBrowser]) -> None:
        super().__init__()
        self.browsers = {browser.persona.key: browser for browser in browsers}
        self._mode = SPLIT

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("personaSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.panes = [PersonaPane(chooser=True), PersonaPane(chooser=True)]
        for index, pane in enumerate(self.panes):
            self.splitter.addWidget(pane)
            pane.header.persona_chosen.connect(lambda key, index=index: self.choose(index, key))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("personaTabs")
        self.tab_panes = [PersonaPane(chooser=False) for _ in browsers]
        for pane, browser in zip(self.tab_panes, browsers, strict=True):
            self.tabs.addTab(pane, dot_icon(browser.persona.colour), browser.persona.title)
        self.tabs.currentChanged.connect(self._tab_changed)
        # Browsers not on screen in split view wait here, hidden, keeping their page.
        self._parking = QWidget(self)
        self._parking.hide()
        self.addWidget(self.splitter)
        self.addWidget(self.tabs)
        keys = list(self.browsers)
        self._split_keys = [keys[0], keys[1 % len(keys)]]
        self._arrange()

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in (SPLIT, TABS) or mode == self._mode:
            return
        self._mode = mode
        self._arrange()
        self.mode_changed.emit(mode)

    def split_keys(self) -> list[str]:
        return list(self._split_keys)

    def choose(self, pane_index: int, key: str) -> None:
        """Show persona ``key`` in split pane ``pane_index``; if the other pane shows it, they swap."""
        if key not in self.browsers or self._split_keys[pane_index] == key:
            return
        other = 1 - pane_index
        if self._split_keys[other] == key:
            self._split_keys[other] = self._split_keys[pane_index]
        self._split_keys[pane_index] = key
        self._arrange()

    def set_split_sizes(self, sizes: list[int]) -> None:
        # A pane given 0 would vanish, so every pane keeps a usable width.
        if len(sizes) == 2 and all(size >= 200 for size in sizes):
            self.splitter.setSizes(sizes)

    def visible_browsers(self) -> list[PersonaBrowser]:
        if self._mode == SPLIT:
            return [self.browsers[key] for key in self._split_keys]
        pane = self.tab_panes[self.tabs.currentIndex()]
        return [pane.browser] if pane.browser is not None else []

    def state(self) -> dict[str, Any]:
        return {
            "mode": self._mode,
            "split": self.split_keys(),
            "sizes": self.splitter.sizes(),
            "tab": self.tabs.currentIndex(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Bring back a layout saved by :meth:`state`; anything unknown or broken is ignored."""
        split = state.get("split")
        keys = [str(key) for key in split] if isinstance(split, list) else []
        if len(keys) == 2 and len(set(keys)) == 2 and all(key in self.browsers for key in keys):
            self._split_keys = keys
        tab = state.get("tab")
        if isinstance(tab, int) and 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        mode = state.get("mode")
        self._mode = mode if mode in (SPLIT, TABS) else SPLIT
        self._arrange()
        sizes = state.get("sizes")
        if isinstance(sizes, list):
            self.set_split_sizes([int(size) for size in sizes if str(size).isdigit()])

    def _arrange(self) -> None:
        for pane in [*self.panes, *self.tab_panes]:
            browser = pane.release()
            if browser is not None:
                browser.setParent(self._parking)
        if self._mode == SPLIT:
            for pane, key in zip(self.panes, self._split_keys, strict=True):
                pane.hold(self.browsers[key])
            self.setCurrentWidget(self.splitter)
        else:
            for pane, browser in zip(self.tab_panes, self.browsers.values(), strict=True):
                pane.hold(browser)
            self.setCurrentWidget(self.tabs)
        for browser in self.visible_browsers():
            self.persona_shown.emit(browser.persona.key)

    def _tab_changed(self, _index: int) -> None:
        if self._mode == TABS:
            for browser in self.visible_browsers():
                self.persona_shown.emit(browser.persona.key)
