"""A throwaway PostgreSQL server for the tests: its own cluster in a temporary folder, on a free port."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

import psycopg

SERVER_PROGRAMS = "/usr/lib/postgresql/*/bin"


def server_programs() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (Debian's ``postgresql`` package)."""
    for folder in sorted(glob.glob(SERVER_PROGRAMS), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    if found is None:
        raise RuntimeError("PostgreSQL's server programs are not installed (Debian package: postgresql)")
    return Path(found).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """``initdb`` + ``pg_ctl start`` in ``folder``; as root, run as the ``postgres`` account (initdb refuses root)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.programs = server_programs()
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0

    def _run(self, command: Sequence[str]) -> None:
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")

    def start(self) -> None:
        if self._as_root:
            shutil.chown(self.folder, "postgres")
        self._run([str(self.programs / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            [
                str(self.programs / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.folder / "log"),
                "-w",
                "start",
            ]
        )

    def stop(self) -> None:
        self._run([str(self.programs / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL."""
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"
