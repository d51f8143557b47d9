"""The checklist as a Qt list model: one row per step, ticked when done now or seen done before."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSettings, Qt

from sandbox.desktop.walkthrough.steps import STEPS, Observed, WalkthroughStep

SEEN_KEY = "walkthrough/seen"

KeyRole = Qt.ItemDataRole.UserRole + 1
DoneNowRole = Qt.ItemDataRole.UserRole + 2
SeenRole = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


class WalkthroughModel(QAbstractListModel):
    """Progress = the steps seen done, kept in ``store``; re-evaluated from the systems' state."""

    def __init__(self, store: QSettings, steps: tuple[WalkthroughStep, ...] = STEPS) -> None:
        super().__init__()
        self.steps = steps
        self._store = store
        self._done_now: set[str] = set()
        saved = store.value(SEEN_KEY)
        known = {step.key for step in steps}
        items = saved if isinstance(saved, list) else [saved] if isinstance(saved, str) else []
        self._seen: set[str] = {str(item) for item in items} & known
        self.observed: Observed | None = None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.steps)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.steps):
            return None
        step = self.steps[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return step.label
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if self.is_ticked(step.key) else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if step.key in self._done_now:
                return "Done: the systems are in this state now."
            if step.key in self._seen:
                return "Done earlier (the systems have moved on since)."
            return "Not done yet."
        if role == KeyRole:
            return step.key
        if role == DoneNowRole:
            return step.key in self._done_now
        if role == SeenRole:
            return step.key in self._seen
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        # Not user-checkable: a step ticks itself from the systems' state, never from a click.
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def is_ticked(self, key: str) -> bool:
        return key in self._done_now or key in self._seen

    def ticked_count(self) -> int:
        return sum(1 for step in self.steps if self.is_ticked(step.key))

    def evaluate(self, observed: Observed) -> None:
        """Re-read which steps are done; newly done ones are remembered as seen."""
        self.observed = observed
        before = {step.key: (self.is_ticked(step.key), step.key in self._done_now) for step in self.steps}
        self._done_now = {step.key for step in self.steps if step.done(observed)}
        newly_seen = self._done_now - self._seen
        if newly_seen:
            self._seen |= newly_seen
            self._save()
        self._announce(before)

    def reset_progress(self) -> None:
        """A trainer starts over: forget what was seen; what is done now stays ticked."""
        before = {step.key: (self.is_ticked(step.key), step.key in self._done_now) for step in self.steps}
        self._seen = set(self._done_now)
        self._save()
        self._announce(before)

    def forget_progress(self) -> None:
        """Both systems' state was replaced (File › Reset sandbox…, a scenario): nothing done before counts.

        What the new state has done ticks at the next :meth:`evaluate`; the forgetting is saved, so a
        restart does not bring the old ticks back either.
        """
        before = {step.key: (self.is_ticked(step.key), step.key in self._done_now) for step in self.steps}
        self._seen = set()
        self._done_now = set()
        self._save()
        self._announce(before)

    def ticked_keys(self) -> set[str]:
        """The keys of the steps ticked now (done now or seen done)."""
        return self._done_now | self._seen

    def _announce(self, before: dict[str, tuple[bool, bool]]) -> None:
        for row, step in enumerate(self.steps):
            if before[step.key] != (self.is_ticked(step.key), step.key in self._done_now):
                index = self.index(row, 0)
                self.dataChanged.emit(index, index)

    def _save(self) -> None:
        self._store.setValue(SEEN_KEY, sorted(self._seen))
        self._store.sync()
