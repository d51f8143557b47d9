"""File › Open/Save scenario and the rehearsal docks in the main window."""

from sandbox.desktop.scenarios.panels import RehearsalPanels, install_panels

__all__ = ["RehearsalPanels", "install_panels"]
