"""Addresses of the Admin Portal a person can reach by hand: unknown ids, and form targets opened as pages."""

from __future__ import annotations

import re

import httpx


def _crumbs(page: str) -> str:
    found = re.search(r'<div class="crumbs">(.*?)</div>', page, re.S)
    assert found is not None
    return found.group(1).strip()


def test_opening_a_form_target_as_a_page_explains_what_it_is(admin: httpx.Client, base: str) -> None:
    for path in ("/settings/password", "/groups/any/members", "/logout"):
        page = admin.get(f"{base}{path}")
        assert page.status_code == 405
        assert "This address receives a form sent from a page of the Admin Portal" in page.text
        assert _crumbs(page.text) == "Method Not Allowed"
        assert "Back to the Admin Portal" in page.text


def test_an_unknown_id_says_what_is_missing(admin: httpx.Client, base: str) -> None:
    page = admin.get(f"{base}/users/no-such-user")
    assert page.status_code == 404
    assert "This user does not exist (it may have been deleted)." in page.text
    assert _crumbs(page.text) == "Not Found"


def test_reloading_the_delete_address_goes_back_to_the_list(admin: httpx.Client, base: str) -> None:
    response = admin.get(f"{base}/applications/delete")
    assert response.status_code == 302
    assert response.headers["location"] == "/applications"
