"""The desktop window over both systems; the only package that imports PySide6."""

from sandbox.desktop.main import run_desktop

__all__ = ["run_desktop"]
