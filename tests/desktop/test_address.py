"""What the persona's address field opens, and what it refuses with a reason (no window needed)."""

from __future__ import annotations

import pytest

from sandbox.desktop.address import is_local_host, read_address

PORTS = {"acme.blogin.localhost": 41465, "console.jumpcloud.localhost": 34871}


@pytest.mark.parametrize(
    ("typed", "opened"),
    [
        ("acme.blogin.localhost/login", "http://acme.blogin.localhost:41465/login"),
        ("Acme.BlogIn.localhost:5000/x", "http://acme.blogin.localhost:5000/x"),  # a port typed is kept
        ("http://console.jumpcloud.localhost/userconsole", "http://console.jumpcloud.localhost:34871/userconsole"),
        ("localhost:8080", "http://localhost:8080"),
        ("example.com", "http://example.com"),
        ("https://acme.blogin.localhost/login", "https://acme.blogin.localhost/login"),
        ("  about:blank ", "about:blank"),
        # What the walkthrough's Show me opens: a query with characters a strict parser would refuse.
        ("http://x.localhost:5000/a?q=a b&e={f}", "http://x.localhost:5000/a?q=a b&e=%7Bf%7D"),
    ],
)
def test_web_addresses_open_and_the_sandbox_hosts_get_their_port(typed: str, opened: str) -> None:
    address = read_address(typed, PORTS)
    assert address.accepted, address.refusal
    assert address.url.toString() == opened


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("javascript:alert(document.cookie)", "does not run javascript:"),
        ("JavaScript:void(0)", "does not run javascript:"),
        ("file:///etc/passwd", "not file:"),
        ("/etc/passwd", "Files on this computer"),
        ("~/secrets.txt", "Files on this computer"),
        ("data:text/html,<script>alert(1)</script>", "not data:"),
        ("view-source:http://acme.blogin.localhost/", "not view-source:"),
        ("chrome://settings", "not chrome:"),
        ("about:config", "about:blank is"),
        ("what is saml", "is not a web address"),
        ("http://", "is not a web address"),
        ("%%%", "is not a web address"),
        ("   ", "Type a web address"),
    ],
)
def test_anything_else_is_refused_with_a_reason(typed: str, reason: str) -> None:
    address = read_address(typed, PORTS)
    assert not address.accepted
    assert reason in address.refusal
    assert address.url.isEmpty()


def test_this_computer_is_told_apart_from_the_internet() -> None:
    assert is_local_host("acme.blogin.localhost", PORTS)
    assert is_local_host("anything.localhost") and is_local_host("localhost") and is_local_host("127.0.0.1")
    assert is_local_host("[::1]")
    assert not is_local_host("acme.blogin.co") and not is_local_host("example.com")
