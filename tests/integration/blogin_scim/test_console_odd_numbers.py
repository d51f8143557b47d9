"""Number fields of BlogIn's admin console given characters Python calls digits but cannot read as a number
('²', '½') or a number too long to read: each is a field message or the first page, never a server error."""

from __future__ import annotations

import re

import httpx
import pytest
from lxml import html

from sandbox.app import Sandbox


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<div class="field-error" id="error-{re.escape(field)}">([^<]*)</div>', html)
    return found.group(1) if found else ""


@pytest.mark.parametrize("typed", ["²", "9" * 5000])
def test_a_users_page_number_that_is_not_one_shows_the_first_page(
    admin: httpx.Client, running: Sandbox, typed: str
) -> None:
    answer = admin.get(f"{running.blogin.base_url}/users", params={"page": typed})
    assert answer.status_code == 200
    assert "admin@acme.example" in answer.text


@pytest.mark.parametrize("typed", ["²", "5" * 5000])
def test_a_forced_status_that_is_not_listed_is_a_field_message(
    admin: httpx.Client, running: Sandbox, typed: str
) -> None:
    answer = admin.post(f"{running.blogin.base_url}/settings/test-faults", data={"Users-status": typed})
    assert answer.status_code == 400
    assert field_error(answer.text, "Users-status") == "Choose one of the listed statuses."


def test_an_allowed_clock_skew_of_a_superscript_two_is_a_field_message(admin: httpx.Client, running: Sandbox) -> None:
    answer = admin.post(
        f"{running.blogin.base_url}/settings/sso",
        data={"method": "manual", "default_role": "Reader", "signatures_required": "assertion", "allowed_skew_s": "²"},
    )
    assert answer.status_code == 400
    assert field_error(answer.text, "allowed_skew_s").startswith("Enter a whole number of seconds from 0 to ")


def test_test_faults_refused_keep_what_was_typed_in_every_field(admin: httpx.Client, running: Sandbox) -> None:
    typed = {"Users-latency": "2500", "Users-status": "503", "Users-nth": "2000000", "Groups-retry": "30"}
    answer = admin.post(f"{running.blogin.base_url}/settings/test-faults", data={"action": "save", **typed})
    assert answer.status_code == 400
    assert field_error(answer.text, "Users-nth") == "Enter a number from 0 to 1,000,000."
    tree = html.fromstring(answer.text)
    # Nothing was saved, and the form shows what was typed to correct, not the saved zeros.
    assert tree.xpath('//input[@name="Users-latency"]/@value') == ["2500"]
    assert tree.xpath('//input[@name="Users-nth"]/@value') == ["2000000"]
    assert tree.xpath('//input[@name="Groups-retry"]/@value') == ["30"]
    assert tree.xpath('//select[@name="Users-status"]/option[@selected]/@value') == ["503"]
    # The browser refuses the number before sending it, as it does latency over 60,000.
    assert tree.xpath('//input[@name="Users-nth"]/@max') == ["1000000"]
    saved = html.fromstring(admin.get(f"{running.blogin.base_url}/settings/test-faults").text)
    assert saved.xpath('//input[@name="Users-latency"]/@value') == ["0"]
