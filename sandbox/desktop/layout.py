"""Small layout builders the docks share: a bar over its content, two panes side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout, QSplitter, QVBoxLayout, QWidget


def column(*parts: QWidget | QLayout, margins: tuple[int, int, int, int] = (0, 0, 0, 0)) -> QWidget:
    """A widget holding ``parts`` top to bottom with no spacing; the last one takes the spare height."""
    body = QWidget()
    layout = QVBoxLayout(body)
    layout.setContentsMargins(*margins)
    layout.setSpacing(0)
    for index, part in enumerate(parts):
        stretch = 1 if index == len(parts) - 1 else 0
        if isinstance(part, QLayout):
            layout.addLayout(part, stretch)
        else:
            layout.addWidget(part, stretch)
    return body


def side_by_side(
    name: str,
    left: QWidget,
    right: QWidget,
    sizes: tuple[int, int],
    stretch: tuple[int, int] | None = None,
) -> QSplitter:
    """A horizontal splitter named ``name`` (tests and style sheets find it by it) whose panes never collapse."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName(name)
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(left)
    splitter.addWidget(right)
    if stretch is not None:
        splitter.setStretchFactor(0, stretch[0])
        splitter.setStretchFactor(1, stretch[1])
    splitter.setSizes(list(sizes))
    return splitter
