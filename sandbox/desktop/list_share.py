"""How a list shares its dock with the selected row's detail (event log, SAML tracer, SCIM traffic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QSplitter

if TYPE_CHECKING:
    from sandbox.desktop.list_view import ListTable


class ListShare(QObject):
    """The list's part of its dock, beside the selected row's detail, at larger panel text.

    Larger text makes every column wider and left the column that names the row (a message's type, an
    exchange's path, an event's summary) too little room to be read. The list then takes what its rows need
    whole, up to ``most`` of the dock, never less than the part it had; at Normal up to ``most_at_normal``
    (``None``: the panes are left as built, or as the window restored them, and given back their parts when
    the text is Normal again). Once the reader has moved the divider themselves, it is theirs.
    """

    def __init__(self, splitter: QSplitter, table: ListTable, most: float, most_at_normal: float | None) -> None:
        super().__init__(splitter)
        self.splitter = splitter
        self.table = table
        self.most = most
        self.most_at_normal = most_at_normal
        self.moved_by_reader = False
        built = splitter.sizes()
        self._built_part = built[0] / max(sum(built), 1)
        self._part_before = self._built_part
        self._changed = False
        self._scale = 1.0
        splitter.splitterMoved.connect(self._moved)
        # The dock made narrower or wider, or shown from behind another tab: again, once the splitter has
        # shared out its new width as it does.
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(0)
        self._again.timeout.connect(lambda: self.fit(self._scale))
        splitter.installEventFilter(self)

    def _moved(self) -> None:
        self.moved_by_reader = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.splitter and event.type() == QEvent.Type.Resize and not self.moved_by_reader:
            self._again.start()
        return False

    def fit(self, scale: float) -> None:
        """The panes for text ``scale`` times the normal size (see the class)."""
        self._scale = scale
        splitter = self.splitter
        sizes = splitter.sizes()
        total = sum(sizes)
        if self.moved_by_reader or len(sizes) != 2 or total <= 0:
            return
        most = self.most if scale != 1.0 else self.most_at_normal
        if most is None:
            if self._changed:
                self._changed = False
                back = round(total * self._part_before)
                splitter.setSizes([back, total - back])
            return
        if not splitter.isVisible():
            return  # a dock behind another tab: once it is shown and laid out (see _again)
        if not self._changed:
            # The part the list had (as built, or as the window restored it), to give back at Normal; unless a
            # pane was at its smallest (a dock squeezed for a moment while the window lays itself out).
            self._part_before = sizes[0] / total if self._free(sizes) else self._built_part
        pane = splitter.widget(0)
        chrome = pane.width() - self.table.width() if pane is not None and pane is not self.table else 0
        wanted = min(self.table.wanted_width() + max(chrome, 0), round(total * most))
        left = max(round(total * self._part_before), wanted)
        if left != sizes[0]:
            self._changed = True
            splitter.setSizes([left, total - left])

    def _free(self, sizes: list[int]) -> bool:
        """Whether neither pane is at its smallest."""
        panes = [self.splitter.widget(index) for index in range(2)]
        smallest = [pane.minimumSizeHint().width() if pane is not None else 0 for pane in panes]
        return all(size > least + 1 for size, least in zip(sizes, smallest, strict=True))


def share_dock(splitter: QSplitter, table: ListTable, most: float, most_at_normal: float | None = None) -> ListShare:
    """Let ``table`` (in the first pane of ``splitter``) take up to ``most`` of it at larger text, and up to
    ``most_at_normal`` at Normal (see ListShare)."""
    table.share = ListShare(splitter, table, most, most_at_normal)
    return table.share
