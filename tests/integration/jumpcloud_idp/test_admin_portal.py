"""The admin adds BlogIn following the guide's words, uploads metadata, and deletes applications."""

from __future__ import annotations

import html
import re

import pytest

from tests.integration.jumpcloud_idp.conftest import Interop


def test_add_blogin_following_the_guide(interop: Interop) -> None:
    base = interop.base
    catalog = interop.admin.get(f"{base}/applications/new", params={"q": "blogin"})
    assert "Search" in catalog.text and "BlogIn" in catalog.text and "Next" in catalog.text
    form = interop.admin.get(f"{base}/applications/new/blogin")
    for words in (
        "Display Label",
        "Description",
        "User Portal Image",
        "Show in User Portal",
        "Advanced Settings",
        "https://sso.jumpcloud.com/saml2/",
        "Save Application",
    ):
        assert words in form.text
    saved = interop.admin.post(
        f"{base}/applications/new/blogin", data={"display_label": "Company blog", "application_name": "company-blog"}
    )
    created = interop.admin.get(f"{base}{saved.headers['location']}")
    assert "Configure Application" in created.text and "Close" in created.text
    assert "https://sso.jumpcloud.com/saml2/company-blog" in created.text
    panel = interop.admin.get(f"{base}{saved.headers['location'].replace('/created', '/sso')}")
    for words in (
        "Upload Metadata",
        "Copy Metadata URL",
        "Export Metadata",
        "Sign Assertion",
        "Sign Response",
        "Declare Redirect Endpoint",
        "Default RelayState",
        "IdP-initiated URL",
        "Deactivate SSO",
        "User Groups",
        "Identity Management",
        "title",
        "phone",
    ):
        assert words in panel.text
    again = interop.admin.post(
        f"{base}/applications/new/blogin", data={"display_label": "Twice", "application_name": "company-blog"}
    )
    assert again.status_code == 400 and "already used" in again.text


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (
            b"<md:EntityDescriptor",
            "The metadata was not uploaded. This is not complete XML: it ends inside the start tag of the "
            "<EntityDescriptor> element (line 1, column 21).",
        ),
        (
            b"<root>Tom & Jerry</root>",
            "The metadata was not uploaded. This is not well-formed XML: an “&” is not written as “&amp;” "
            "(line 1, column 12).",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DTD"),
        (b"<root/>", "not SAML 2.0 metadata"),
    ],
    ids=["cut short", "stray ampersand", "external entity", "not metadata"],
)
def test_bad_or_unsafe_metadata_is_refused_with_a_clear_message(interop: Interop, xml: bytes, message: str) -> None:
    response = interop.admin.post(
        f"{interop.base}/applications/{interop.application_id}/sso/metadata",
        files={"metadata": ("sp.xml", xml, "application/xml")},
    )
    assert response.status_code == 400
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body.replace("<wbr>", ""))).split())
    assert "The metadata was not uploaded" in text
    assert message in text
    for technical in ("<string>", "Premature end", "Errno", "Traceback"):
        assert technical not in text


def test_delete_asks_for_the_number_of_applications(interop: Interop) -> None:
    base = interop.base
    wrong = interop.admin.post(
        f"{base}/applications/delete", data={"application_id": [interop.application_id], "count": "2"}
    )
    listing = interop.admin.get(f"{base}{wrong.headers['location']}")
    assert "Enter 1 to confirm" in listing.text
    done = interop.admin.post(
        f"{base}/applications/delete", data={"application_id": [interop.application_id], "count": "1"}
    )
    listing = interop.admin.get(f"{base}{done.headers['location']}")
    assert "was deleted" in listing.text
    assert interop.admin.get(f"{base}/saml2/{interop.name}/metadata").status_code == 404
