"""Why a single sign-on attempt was refused."""

from __future__ import annotations

from typing import Any


class SsoRejected(Exception):
    """A sign-in refused by BlogIn. ``check`` names the failed check; ``reason`` explains it to a tester."""

    def __init__(
        self,
        check: str,
        reason: str,
        *,
        xml: str = "",
        message: dict[str, Any] | None = None,
        checks: list[dict[str, Any]] | None = None,
        title: str = "Single sign-on failed",
    ) -> None:
        super().__init__(reason)
        self.check = check
        self.reason = reason
        self.xml = xml
        self.message = message or {}
        self.checks = checks or []
        self.title = title
