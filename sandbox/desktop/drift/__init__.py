"""Drift view: JumpCloud's users for the BlogIn application against BlogIn's users."""

from sandbox.desktop.drift.compare import DriftRow, compare
from sandbox.desktop.drift.dock import DriftDock
from sandbox.desktop.drift.model import DriftModel

__all__ = ["DriftDock", "DriftModel", "DriftRow", "compare"]
