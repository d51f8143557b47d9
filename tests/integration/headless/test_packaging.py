"""``pip install .`` gives a package that finds its templates, styles and images."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_wheel_carries_templates_static_files_and_entry_points(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("sso_sandbox-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    source_resources = [
        path.relative_to(ROOT).as_posix()
        for pattern in ("sandbox/**/templates/**/*.html", "sandbox/**/static/**/*", "sandbox/desktop/resources/**/*")
        for path in ROOT.glob(pattern)
        if path.is_file()
    ]
    assert any(name.endswith("jumpcloud/web/templates/base.html") for name in names)
    missing = sorted(set(source_resources) - set(names))
    assert missing == []
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "sso-sandbox = sandbox.cli:main" in text
    assert "[gui_scripts]" in text
