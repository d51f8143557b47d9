"""Modules imported after PySide6 are not kept as source lines, and PySide6 still learns which use it."""

from __future__ import annotations

import importlib
import linecache
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.desktop.pyside_sources import mentions_pyside, read_sources_without_caching

feature: Any = importlib.import_module("PySide6.support.feature")


@pytest.fixture
def pyside_check() -> Iterator[None]:
    """PySide6's own check is put back after the test."""
    original = feature._mod_uses_pyside
    yield
    feature._mod_uses_pyside = original


@pytest.fixture
def modules(tmp_path: Path) -> Iterator[Path]:
    """A folder on the import path for modules made by the test (forgotten afterwards)."""
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in set(sys.modules) - before:
        del sys.modules[name]
        feature.pyside_feature_dict.pop(name, None)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(text)
    return path


@pytest.mark.usefixtures("pyside_check")
def test_modules_imported_afterwards_are_not_kept_and_pyside_still_tells_its_users(modules: Path) -> None:
    assert read_sources_without_caching()
    plain = _write(modules, "plain_after", "VALUE = 1\n" * 200)
    widget = _write(modules, "widget_after", "from PySide6.QtCore import QObject\n\nVALUE = QObject\n")

    __import__("plain_after")  # an import statement's way in, which PySide6 watches
    __import__("widget_after")

    # PySide6's own check (inspect.getsource) would have left both files' lines in linecache's cache.
    assert str(plain) not in linecache.cache and str(widget) not in linecache.cache
    # As with PySide6's own check: a module whose source mentions PySide6 may select its features.
    assert feature.pyside_feature_dict["widget_after"] == 0
    assert feature.pyside_feature_dict["plain_after"] == -1


def test_modules_without_source_do_not_use_pyside() -> None:
    assert mentions_pyside(sys) is False  # built in
    assert mentions_pyside(importlib.import_module("_json")) is False  # an extension module
    assert mentions_pyside(importlib.import_module("sandbox.desktop.main")) is True
    assert mentions_pyside(importlib.import_module("sandbox.settings")) is False
