"""The layering of DESIGN.md, checked on the source: the two systems never import each other,
and nothing outside the desktop imports Qt."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import sandbox

PACKAGE = Path(sandbox.__file__).parent


def _imports(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _modules(under: str) -> list[Path]:
    return sorted((PACKAGE / under).rglob("*.py"))


def test_there_is_something_to_check() -> None:
    assert _modules("jumpcloud") and _modules("blogin")


def test_jumpcloud_never_imports_blogin() -> None:
    offenders = [str(p) for p in _modules("jumpcloud") for m in _imports(p) if m.startswith("sandbox.blogin")]
    assert offenders == []


def test_blogin_never_imports_jumpcloud() -> None:
    offenders = [str(p) for p in _modules("blogin") for m in _imports(p) if m.startswith("sandbox.jumpcloud")]
    assert offenders == []


def test_only_the_desktop_imports_qt() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "desktop" not in path.relative_to(PACKAGE).parts
        for module in _imports(path)
        if module.split(".")[0] in {"PySide6", "shiboken6"}
    ]
    assert offenders == []


def test_core_layers_import_neither_flask_nor_a_system() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for layer in ("saml", "scim", "events")
        for path in _modules(layer)
        for module in _imports(path)
        if module.split(".")[0] == "flask" or module.startswith(("sandbox.jumpcloud", "sandbox.blogin"))
    ]
    assert offenders == []


def test_the_window_loads_before_the_systems() -> None:
    """The composition root, the first page and the window's modules load neither a system nor the ORM.

    The desktop binds both ports, builds its window and answers the End User's first page before
    SQLAlchemy, the systems' models and Flask load (most of a start's CPU time; see
    sandbox/desktop/startup.py): the window's modules name the sandbox only as a type.
    """
    probe = (
        "import sys; import sandbox.app, sandbox.first_page, sandbox.desktop.startup, sandbox.desktop.window; "
        "print(sorted(m for m in ('sqlalchemy', 'sandbox.jumpcloud', 'sandbox.blogin', 'flask', 'saml2') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
