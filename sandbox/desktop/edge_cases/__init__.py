"""Edge cases: both systems' fault and edge-case toggles in one place."""

from sandbox.desktop.edge_cases.dock import EdgeCasesDock
from sandbox.desktop.edge_cases.words import active_edge_cases

__all__ = ["EdgeCasesDock", "active_edge_cases"]
