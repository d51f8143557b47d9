"""What the Admin Portal says before there is anything to show."""

from __future__ import annotations

import httpx


def test_an_empty_mailbox_says_what_will_arrive_there(admin: httpx.Client, base: str) -> None:
    page = admin.get(f"{base}/mailbox")
    assert page.status_code == 200
    assert "No messages yet" in page.text
    assert "A manual import of 100 users or more sends its results here" in page.text
    # No reading pane waiting for a message that cannot be selected.
    assert "Select a message to read it." not in page.text
    assert admin.get(f"{base}/mailbox/unknown-message").status_code == 404
