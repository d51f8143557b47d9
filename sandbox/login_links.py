"""Single-use sign-in links, so the desktop's admin personas open already signed in."""

from __future__ import annotations

import secrets
import threading
import time


class LoginLinks:
    def __init__(self, lifetime_s: float = 120.0) -> None:
        self._lifetime = lifetime_s
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def issue(self, subject: str) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = time.monotonic()
            self._tokens = {k: v for k, v in self._tokens.items() if v[1] > now}
            self._tokens[token] = (subject, now + self._lifetime)
        return token

    def redeem(self, token: str) -> str | None:
        """The subject the token was issued for, once; ``None`` if unknown, used or expired."""
        with self._lock:
            entry = self._tokens.pop(token, None)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def signed_in_url(self, base_url: str, subject: str) -> str:
        """A single-use URL of the portal at ``base_url`` that opens it signed in as ``subject``."""
        return f"{base_url}/login/link?token={self.issue(subject)}"
