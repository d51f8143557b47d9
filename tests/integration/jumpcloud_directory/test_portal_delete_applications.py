"""Deleting applications: a wrong number keeps the ticked rows and asks again."""

from __future__ import annotations

import re

import httpx


def _application(admin: httpx.Client, base: str, label: str, name: str) -> str:
    response = admin.post(
        f"{base}/applications/new/custom-saml", data={"display_label": label, "application_name": name}
    )
    assert response.status_code == 302, response.text
    return response.headers["location"].split("/")[2]


def test_a_wrong_number_keeps_the_selection_and_opens_the_dialog_again(admin: httpx.Client, base: str) -> None:
    first = _application(admin, base, "Old Wiki", "old-wiki")
    second = _application(admin, base, "Old Tracker", "old-tracker")
    kept = _application(admin, base, "Current Wiki", "current-wiki")
    wrong = admin.post(f"{base}/applications/delete", data={"application_id": [first, second], "count": "3"})
    assert wrong.status_code == 302
    listing = admin.get(f"{base}{wrong.headers['location']}")
    ticked = set(re.findall(r'name="application_id" value="([0-9a-f]+)"[^>]*checked', listing.text))
    assert ticked == {first, second}
    reopen = "if (boxes().some(b => b.checked)) document.getElementById('delete-dialog').showModal();"
    assert reopen in listing.text
    dialog = listing.text.split('id="delete-dialog"', 1)[1].split("</dialog>", 1)[0]
    assert "Enter 2 to confirm deleting 2 applications." in dialog
    done = admin.post(f"{base}/applications/delete", data={"application_id": [first, second], "count": "2"})
    page = admin.get(f"{base}{done.headers['location']}")
    assert "2 applications were deleted: " in page.text
    assert kept in page.text and first not in page.text
    assert 'class="invalid"' not in page.text.split('id="delete-dialog"', 1)[1]
    assert reopen not in page.text
