"""Run-time settings shared by the composition root, the CLI and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

JUMPCLOUD_HOST = "console.jumpcloud.localhost"
BLOGIN_HOST = "acme.blogin.localhost"
DEFAULT_JUMPCLOUD_PORT = 47801
DEFAULT_BLOGIN_PORT = 47802
#: the sandbox administrator of each system, whom the desktop's sign-in links open its portal as
JUMPCLOUD_ADMIN_EMAIL = "admin@example.com"
BLOGIN_ADMIN_EMAIL = "admin@acme.example"


def default_data_dir() -> Path:
    """The platform's per-user data directory for SSO Sandbox."""
    return Path(platformdirs.user_data_dir("sso-sandbox", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know before anything starts."""

    data_dir: Path = field(default_factory=default_data_dir)
    jumpcloud_port: int = DEFAULT_JUMPCLOUD_PORT
    blogin_port: int = DEFAULT_BLOGIN_PORT
    db_url_jumpcloud: str | None = None
    db_url_blogin: str | None = None
    reset: bool = False
    log_level: str = "INFO"
    scenario: Path | None = None

    @property
    def jumpcloud_db_url(self) -> str:
        return self.db_url_jumpcloud or f"sqlite:///{self.data_dir / 'jumpcloud.sqlite'}"

    @property
    def blogin_db_url(self) -> str:
        return self.db_url_blogin or f"sqlite:///{self.data_dir / 'blogin.sqlite'}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "sso-sandbox.log"
