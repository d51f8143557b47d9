"""Guided walkthrough: the seed guide's sections as a checklist that ticks itself from the systems' state."""

from sandbox.desktop.walkthrough.dock import PersonaOpener, WalkthroughDock
from sandbox.desktop.walkthrough.model import WalkthroughModel
from sandbox.desktop.walkthrough.steps import STEPS, Observed, WalkthroughStep

__all__ = ["STEPS", "Observed", "PersonaOpener", "WalkthroughDock", "WalkthroughModel", "WalkthroughStep"]
