"""What a persona's address field accepts: web addresses, as a browser would read them, and nothing else.

A persona's browser shows the two systems (and, if the trainer wants, any web site); it never runs
``javascript:`` typed into the field, nor opens files of this computer or the browser's own pages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QUrl

WEB_SCHEMES = ("http", "https")
# "localhost:8080" and "acme.blogin.localhost:41465/login" are a host and a port, not a scheme.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")


@dataclass(frozen=True)
class Address:
    """The URL to open, or why the typed text is not opened (``refusal`` then says it in words)."""

    url: QUrl
    refusal: str = ""

    @property
    def accepted(self) -> bool:
        return not self.refusal


def read_address(text: str, local_ports: Mapping[str, int] | None = None) -> Address:
    """Read the address field's ``text``.

    ``local_ports`` maps the sandbox's own host names to their ports: ``acme.blogin.localhost/login``
    typed without a port reaches the running BlogIn, not port 80.
    """
    text = text.strip()
    if not text:
        return Address(QUrl(), "Type a web address, for example acme.blogin.localhost/login.")
    match = _SCHEME.match(text)
    scheme = match.group(1).lower() if match else ""
    if scheme == "javascript":
        return Address(QUrl(), "The address field does not run javascript: addresses.")
    if scheme == "about":
        url = QUrl(text)
        if url.toString() == "about:blank":
            return Address(url)
        return Address(QUrl(), f"{text} is not a page this browser opens; about:blank is.")
    if scheme and scheme not in WEB_SCHEMES:
        return Address(QUrl(), f"Only web addresses (http:// or https://) open here, not {scheme}: ones.")
    if scheme:
        url = QUrl(text)
    elif text.startswith(("/", "~", ".")):
        return Address(QUrl(), "Files on this computer are not opened in a persona's browser.")
    else:
        url = QUrl.fromUserInput(text)
    if not url.isValid() or not url.host() or " " in url.host() or url.scheme() not in WEB_SCHEMES:
        return Address(QUrl(), f"“{_shortened(text)}” is not a web address.")
    port = (local_ports or {}).get(url.host().lower())
    if port and url.port() == -1 and url.scheme() == "http":
        url.setPort(port)
    return Address(url)


def is_local_host(host: str, local_ports: Mapping[str, int] | None = None) -> bool:
    """Whether ``host`` is this computer: one of the sandbox's hosts, a ``*.localhost`` name or a loopback address."""
    host = host.lower().strip("[]")
    return (
        host in (local_ports or {})
        or host == "localhost"
        or host.endswith(".localhost")
        or host == "::1"
        or host.startswith("127.")
    )


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
