"""What the Single Sign-On tab says when a Metadata URL or metadata file cannot be used, read as the page shows it:
plain sentences naming the host, the port, the place in the file, never the network library's or the XML
parser's own words; and the file field's hint describing the identity provider saved, not the method sent."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Callable

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.http import http_client
from tests.conftest import sign_in_jumpcloud_admin
from tests.integration.blogin_sso.conftest import MetadataHost, configure, field_errors
from tests.integration.blogin_sso.idp import TestIdentityProvider

SSO_IDP_URL_PASTED = (
    "This looks like JumpCloud's SSO IdP URL; use Copy Metadata URL on JumpCloud's SSO tab instead "
    "(it ends in /metadata)."
)
TECHNICAL = ("Errno", "<string>", "Traceback", "Premature end of data", "lxml", "httpx", "ConnectError")


def shown(page: str) -> str:
    """The page's text as a reader sees it: tags gone, entities read, whitespace folded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body.replace("<wbr>", ""))).split())


def refused(answer: httpx.Response, field: str) -> str:
    """The message under ``field`` of a refused Single Sign-On tab, checked for technical leftovers."""
    assert answer.status_code == 400, answer.text[:300]
    text = shown(answer.text)
    assert "Nothing was saved" in text
    for words in TECHNICAL:
        assert words not in text
    message = field_errors(answer.text)[field]
    assert message in text
    return message


def free_port() -> int:
    """A loopback port nothing listens on (bound for a moment, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_metadata_url_where_nothing_listens(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    port = free_port()
    answer = configure(
        admin, sso_sandbox, None, method="metadata_url", metadata_url=f"http://idp.acme.localhost:{port}/metadata"
    )
    assert refused(answer, "metadata_url") == f"Nothing answers at idp.acme.localhost:{port} (connection refused)."


def test_a_metadata_url_whose_host_does_not_exist(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    answer = configure(
        admin, sso_sandbox, None, method="metadata_url", metadata_url="https://idp.acme.invalid/saml/metadata"
    )
    assert refused(answer, "metadata_url") == "The host idp.acme.invalid could not be found."


@pytest.mark.parametrize(
    ("document", "headers", "message"),
    [
        (
            (302, "", 0.0),
            {"Location": "/loop"},
            "The Metadata URL redirects again and again (more than 5 times, probably in a loop); "
            "use the address the metadata is published at.",
        ),
        (
            (200, "<a>" + "x" * (1024 * 1024 + 10) + "</a>", 0.0),
            {},
            "The document at the Metadata URL is larger than 1 MB: that is a federation's list of many identity "
            "providers, not one identity provider's metadata. Use your identity provider's own Metadata URL.",
        ),
        (
            (404, "not here", 0.0),
            {},
            "The Metadata URL answered 404 Not Found; check the address "
            "(for JumpCloud: Copy Metadata URL on the application's SSO tab).",
        ),
        (
            (200, '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">', 0.0),
            {},
            "The document at the Metadata URL is not complete XML: it ends inside the <EntityDescriptor> element "
            "(line 1, column 83).",
        ),
        (
            (200, '{"metadata": "here"}', 0.0),
            {},
            "The document at the Metadata URL is not well-formed XML: it is JSON (line 1, column 1).",
        ),
    ],
    ids=["redirect-loop", "too-large", "not-found", "cut-short", "json"],
)
def test_what_a_metadata_url_answered_is_said_plainly(
    admin: httpx.Client,
    sso_sandbox: Sandbox,
    metadata_host: MetadataHost,
    request: pytest.FixtureRequest,
    document: tuple[int, str, float],
    headers: dict[str, str],
    message: str,
) -> None:
    path = "/loop" if headers.get("Location") == "/loop" else f"/{request.node.callspec.id}"
    metadata_host.documents[path] = document
    metadata_host.headers[path] = headers
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url(path))
    assert refused(answer, "metadata_url") == message


def test_a_metadata_url_timing_out_names_the_server(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.blogin.sso import metadata_fetch

    monkeypatch.setattr(metadata_fetch, "FETCH_TIMEOUT_S", 1.0)
    metadata_host.documents["/slow"] = (200, "<a/>", 2.0)
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/slow"))
    assert refused(answer, "metadata_url") == (
        f"The server at idp.test.localhost:{metadata_host.port} did not answer within 1 second."
    )


@pytest.fixture(scope="module")
def jumpcloud_application(sso_sandbox: Sandbox) -> str:
    """A BlogIn application in the mock JumpCloud, named "company-blog": its SSO IdP URL is …/saml2/company-blog."""
    with http_client() as jumpcloud_admin:
        sign_in_jumpcloud_admin(jumpcloud_admin, sso_sandbox)
        created = jumpcloud_admin.post(
            f"{sso_sandbox.jumpcloud.base_url}/applications/new/blogin",
            data={"display_label": "Company blog", "application_name": "company-blog"},
        )
        assert created.status_code == 302, created.text
    return "company-blog"


@pytest.mark.parametrize(
    "pasted",
    [
        lambda sandbox, name: f"{sandbox.jumpcloud.base_url}/saml2/{name}",
        lambda sandbox, name: f"{sandbox.jumpcloud.base_url}/saml2/{name}/",
        lambda sandbox, name: f"{sandbox.jumpcloud.base_url}/saml2/no-such-application",
        lambda sandbox, name: "https://sso.jumpcloud.invalid/saml2/blogin",
    ],
    ids=["sign-in-page", "trailing-slash", "unknown-application", "unknown-host"],
)
def test_jumpclouds_sso_idp_url_pasted_as_the_metadata_url(
    admin: httpx.Client, sso_sandbox: Sandbox, jumpcloud_application: str, pasted: Callable[[Sandbox, str], str]
) -> None:
    url = pasted(sso_sandbox, jumpcloud_application)
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url)
    assert refused(answer, "metadata_url") == SSO_IDP_URL_PASTED


def test_the_metadata_url_the_advice_names_is_read(
    admin: httpx.Client, sso_sandbox: Sandbox, jumpcloud_application: str
) -> None:
    url = f"{sso_sandbox.jumpcloud.base_url}/saml2/{jumpcloud_application}/metadata"
    saved = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=url)
    assert saved.status_code == 302, field_errors(saved.text)


def test_a_sign_in_page_answering_the_metadata_url(
    admin: httpx.Client, sso_sandbox: Sandbox, metadata_host: MetadataHost
) -> None:
    metadata_host.documents["/portal"] = (
        200,
        '<!DOCTYPE html><html><body><form><input name="user"><input type="password" name="pw"></form></body></html>',
        0.0,
    )
    metadata_host.headers["/portal"] = {"Content-Type": "text/html"}
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/portal"))
    assert refused(answer, "metadata_url") == (
        "This address answers with a sign-in page, not metadata: perhaps it is the identity provider's SSO URL. "
        "For JumpCloud, use Copy Metadata URL on the application's SSO tab (it ends in /metadata)."
    )


def test_a_metadata_file_cut_short(admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider) -> None:
    whole = idp.metadata()
    cut = whole[: whole.index("<md:IDPSSODescriptor") + 40]
    line = cut.count("\n") + 1
    column = len(cut) - (cut.rfind("\n") + 1) + 1
    answer = configure(admin, sso_sandbox, cut)
    assert refused(answer, "metadata_file") == (
        "The file is not complete XML: it ends inside the start tag of the <IDPSSODescriptor> element "
        f"(line {line}, column {column})."
    )


def test_a_metadata_file_with_a_stray_ampersand(admin: httpx.Client, sso_sandbox: Sandbox) -> None:
    answer = configure(admin, sso_sandbox, '<?xml version="1.0"?>\n<EntityDescriptor>Tom & Jerry</EntityDescriptor>')
    assert refused(answer, "metadata_file") == (
        "The file is not well-formed XML: an “&” is not written as “&amp;” (line 2, column 24)."
    )


def _file_hint(page: str) -> str:
    found = re.search(r'<div class="hint" id="hint-metadata-file">(.*?)</div>', page, re.S)
    assert found is not None
    return shown(found.group(1))


def test_the_file_hint_after_a_refused_upload_names_the_metadata_url_in_use(
    admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider, metadata_host: MetadataHost
) -> None:
    metadata_host.documents["/in-use"] = (200, idp.metadata(), 0.0)
    saved = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url=metadata_host.url("/in-use"))
    assert saved.status_code == 302, field_errors(saved.text)
    broken = '<?xml version="1.0"?><EntityDescriptor><broken attr="1">text'
    answer = configure(admin, sso_sandbox, broken, method="metadata_file")
    assert refused(answer, "metadata_file") == (
        "The file is not complete XML: it ends inside the <broken> element (line 1, column 61)."
    )
    text = shown(answer.text)
    assert "Source Metadata URL" in text
    assert _file_hint(answer.text) == (
        "The identity provider in use comes from its Metadata URL; a file you choose replaces it."
    )
    assert "A file is in use" not in text
    # The Metadata URL's panel still offers to fetch the saved URL again.
    assert "Re-fetch metadata" in text


def test_the_file_hint_when_a_file_is_in_use(
    admin: httpx.Client, sso_sandbox: Sandbox, idp: TestIdentityProvider
) -> None:
    assert configure(admin, sso_sandbox, idp.metadata()).status_code == 302
    answer = configure(admin, sso_sandbox, None, method="metadata_url", metadata_url="http://nobody.localhost:1/md")
    assert refused(answer, "metadata_url") == "Nothing answers at nobody.localhost:1 (connection refused)."
    assert _file_hint(answer.text) == "A file is in use; choose another to replace it."
    # No saved Metadata URL to fetch again.
    assert "Re-fetch metadata" not in shown(answer.text)
