"""JumpCloud signs users into a strict python3-saml SP, configured from JumpCloud's metadata URL.

The application is a Custom SAML App made through the Admin Portal (SSO Applications › + Add New
Application › Custom SAML App), its SSO tab filled in and saved as an admin does, and a user group
bound to it on its User Groups tab. The browser is a cookie-keeping HTTP client that follows the same
redirects and posts the same forms a browser would.
"""

from __future__ import annotations

import base64
import re
import secrets
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from sandbox.app import Sandbox
from sandbox.http import http_client
from sandbox.saml.keys import certificate_body, generate_key_pair
from tests.conftest import sign_in_jumpcloud_admin
from tests.integration.jumpcloud_idp.conftest import USER_PASSWORD
from tests.integration.jumpcloud_idp.html_forms import form_with
from tests.integration.jumpcloud_idp.independent_sp import form_of
from tests.integration.jumpcloud_idp.onelogin_sp import OneLoginSp, OneLoginSpOptions

EMAIL = OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS
BINDING_POST = OneLogin_Saml2_Constants.BINDING_HTTP_POST
BINDING_REDIRECT = OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT
# The attributes the SP's developer asks the JumpCloud admin to send (Custom user attributes).
ATTRIBUTES = (("email", "email"), ("firstName", "firstname"), ("lastName", "lastname"))


@dataclass
class Setup:
    sandbox: Sandbox
    admin: httpx.Client
    browser: httpx.Client
    application_id: str
    name: str

    @property
    def base(self) -> str:
        return self.sandbox.jumpcloud.base_url

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/saml2/{self.name}/metadata"

    def sso_tab(self, **changes: str | bool | list[str]) -> httpx.Response:
        """Open the SSO tab, change fields (True/False ticks a box, a list fills repeated rows), save."""
        url = f"{self.base}/applications/{self.application_id}/sso"
        form = form_with(self.admin.get(url).text, "idp_entity_id")
        for name, value in changes.items():
            if isinstance(value, bool):
                form.tick(name, value)
            elif isinstance(value, list):
                form.set(name, *value)
            else:
                form.set(name, value)
        return self.admin.post(urljoin(url, form.attributes.get("action") or url), data=form.data())

    def connect(self, sp: OneLoginSp, **changes: str | bool | list[str]) -> None:
        """Fill the SSO tab with the SP's entity ID and ACS URL (and ``changes``), then the SP reads the metadata."""
        saved = self.sso_tab(sp_entity_id=sp.entity_id, acs_urls=sp.acs_url, **changes)
        assert saved.status_code == 302, saved.text
        sp.load_idp_metadata(self.metadata_url)

    def browse(self, response: httpx.Response, *, login: str = "ada@example.com") -> httpx.Response:
        """Follow redirects and auto-submitting forms like a browser, signing in at the User Console when asked.

        Returns the SP's answer at its ACS, or the first page that is neither a redirect nor a form to post.
        """
        for _ in range(10):
            if response.status_code in (302, 303):
                url = urljoin(str(response.url), response.headers["location"])
                if "/userconsole/login" in url:
                    page = self.browser.get(url)
                    form = form_with(page.text, "password")
                    form.set("login", login)
                    form.set("password", USER_PASSWORD)
                    action = urljoin(url, form.attributes.get("action") or url)
                    response = self.browser.post(action, data=form.data())
                else:
                    response = self.browser.get(url)
            elif response.status_code == 200 and "SAMLResponse" in response.text:
                action, fields = form_of(response.text)
                response = self.browser.post(urljoin(str(response.url), action), data=fields)
            else:
                return response
        raise AssertionError("too many redirects")


@pytest.fixture(scope="module")
def admin(running: Sandbox) -> Iterator[httpx.Client]:
    """The Admin Portal, signed in once for the module."""
    with http_client() as client:
        sign_in_jumpcloud_admin(client, running)
        yield client


@pytest.fixture
def setup(running: Sandbox, admin: httpx.Client) -> Iterator[Setup]:
    """A Custom SAML App made in the Admin Portal, the "Staff" group (ada) bound to it; bob is not in it."""
    name = f"python3-saml-{secrets.token_hex(3)}"
    base = running.jumpcloud.base_url
    # + Add New Application: search the catalog, select Custom SAML App, Next.
    catalog = admin.get(f"{base}/applications/new", params={"q": "Custom SAML"}).text
    chosen = re.search(r'<input\b[^>]*value="custom-saml"[^>]*>', catalog)
    assert chosen is not None and " checked" in chosen.group(0), catalog
    next_url = re.search(r'\sdata-next="([^"]+)"', chosen.group(0))
    assert next_url is not None
    new_url = urljoin(f"{base}/applications/new", unescape(next_url.group(1)))
    form = form_with(admin.get(new_url).text, "display_label")
    form.set("display_label", "Python Demo")
    form.set("application_name", name)
    no_image = {"image": ("", b"", "application/octet-stream")}
    created = admin.post(new_url, data=form.data(), files=no_image)  # Save Application
    assert created.status_code == 302, created.text
    application_id = created.headers["location"].split("/")[2]
    # User Groups tab: tick "Staff", save.
    groups_url = f"{base}/applications/{application_id}/groups"
    tab = admin.get(groups_url).text
    staff = re.search(r'<label for="g-([^"]+)"[^>]*>Staff</label>', tab)
    assert staff is not None, tab
    assert admin.post(groups_url, data={"group_id": [staff.group(1)]}).status_code == 302
    with http_client() as browser:
        setup = Setup(running, admin, browser, application_id, name)
        # Custom user attributes: the tab offers two empty rows at a time.
        for rows in (ATTRIBUTES[:2], ATTRIBUTES):
            saved = setup.sso_tab(custom_name=[sp for sp, _ in rows], custom_attribute=[jc for _, jc in rows])
            assert saved.status_code == 302, saved.text
        yield setup


@pytest.fixture
def sps() -> Iterator[list[OneLoginSp]]:
    started: list[OneLoginSp] = []
    yield started
    for sp in started:
        sp.close()


def _sp(sps: list[OneLoginSp], **options: bool | str | None) -> OneLoginSp:
    sp = OneLoginSp(OneLoginSpOptions(**options))  # type: ignore[arg-type]
    sps.append(sp)
    return sp


def _authn_request(location: str) -> str:
    """The AuthnRequest carried in an HTTP-Redirect URL."""
    saml_request = parse_qs(urlsplit(location).query)["SAMLRequest"][0]
    return zlib.decompress(base64.b64decode(saml_request), -15).decode()


def _request_id(location: str) -> str:
    """The ID of the AuthnRequest carried in an HTTP-Redirect URL."""
    found = re.search(r'\sID="([^"]+)"', _authn_request(location))
    assert found is not None
    return found.group(1)


def _sp_initiated(setup: Setup, sp: OneLoginSp, next_url: str = "/dashboard") -> tuple[httpx.Response, str]:
    start = setup.browser.get(f"{sp.base_url}/login", params={"next": next_url})
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith(f"{setup.base}/saml2/{setup.name}?SAMLRequest=")
    return setup.browse(start), _request_id(location)


def test_sp_initiated_redirect_signs_ada_in(setup: Setup, sps: list[OneLoginSp]) -> None:
    sp = _sp(sps)
    setup.connect(sp, declare_redirect=True)
    start = setup.browser.get(f"{sp.base_url}/login", params={"next": "https://app.example/dashboard"})
    # python3-saml's defaults: an email NameID policy and PasswordProtectedTransport, exactly.
    request = _authn_request(start.headers["location"])
    assert "nameid-format:emailAddress" in request and "ac:classes:PasswordProtectedTransport" in request
    answer, request_id = _sp_initiated(setup, sp, "https://app.example/dashboard")
    assert answer.status_code == 200, answer.text
    outcome = answer.json()
    assert outcome["errors"] == []
    assert outcome["name_id"] == "ada@example.com"
    assert outcome["name_id_format"] == EMAIL
    assert outcome["attributes"] == {"email": ["ada@example.com"], "firstName": ["Ada"], "lastName": ["Lovelace"]}
    assert outcome["in_response_to"] == request_id
    assert outcome["relay_state"] == "https://app.example/dashboard"


def test_sp_initiated_signed_authn_request_with_the_uploaded_sp_certificate(
    setup: Setup, sps: list[OneLoginSp]
) -> None:
    sp = _sp(sps, authn_requests_signed=True)
    setup.connect(sp, declare_redirect=True, sp_certificate=sp.keys.certificate_pem)
    start = setup.browser.get(f"{sp.base_url}/login")
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"] and query["Signature"]
    answer = setup.browse(start)
    assert answer.status_code == 200, answer.text
    assert answer.json()["name_id"] == "ada@example.com"
    assert answer.json()["in_response_to"] == _request_id(start.headers["location"])


def test_a_signed_authn_request_from_another_key_is_refused_by_jumpcloud(setup: Setup, sps: list[OneLoginSp]) -> None:
    sp = _sp(sps, authn_requests_signed=True)
    stranger = generate_key_pair("not the SP")
    setup.connect(sp, declare_redirect=True, sp_certificate=stranger.certificate_pem)
    page = setup.browse(setup.browser.get(f"{sp.base_url}/login"))
    assert page.status_code == 400
    assert "signature" in page.text.lower()
    assert sp.outcomes == []


def test_idp_initiated_from_the_user_console_tile(setup: Setup, sps: list[OneLoginSp]) -> None:
    sp = _sp(sps)
    setup.connect(sp, declare_redirect=True, default_relay_state="/welcome")
    console = setup.browse(setup.browser.get(f"{setup.base}/userconsole"))
    tile = re.search(rf'<a\b[^>]*data-application="{re.escape(setup.name)}"[^>]*>', console.text)
    assert tile is not None, console.text
    href = re.search(r'\shref="([^"]+)"', tile.group(0))
    assert href is not None
    answer = setup.browse(setup.browser.get(urljoin(str(console.url), unescape(href.group(1)))))
    assert answer.status_code == 200, answer.text
    outcome = answer.json()
    assert outcome["name_id"] == "ada@example.com"
    assert outcome["attributes"]["firstName"] == ["Ada"]
    assert outcome["in_response_to"] is None
    assert outcome["relay_state"] == "/welcome"


@pytest.mark.parametrize(
    ("sign_assertion", "sign_response", "sp_wants"),
    [
        (True, False, {"want_assertions_signed": True}),
        (False, True, {"want_assertions_signed": False, "want_messages_signed": True}),
        (True, True, {"want_assertions_signed": True, "want_messages_signed": True}),
    ],
    ids=["sign-assertion", "sign-response", "sign-both"],
)
def test_each_signing_choice_passes_an_sp_requiring_it(
    setup: Setup, sps: list[OneLoginSp], sign_assertion: bool, sign_response: bool, sp_wants: dict[str, bool]
) -> None:
    sp = _sp(sps, **sp_wants)
    setup.connect(sp, declare_redirect=True, sign_assertion=sign_assertion, sign_response=sign_response)
    answer, request_id = _sp_initiated(setup, sp)
    assert answer.status_code == 200, answer.text
    assert answer.json()["in_response_to"] == request_id


@pytest.mark.parametrize(
    ("sign_assertion", "sign_response", "sp_wants", "reason"),
    [
        (
            False,
            True,
            {"want_assertions_signed": True},
            "The Assertion of the Response is not signed and the SP require",
        ),
        (True, False, {"want_messages_signed": True}, "The Message of the Response is not signed and the SP require"),
        (False, False, {"want_assertions_signed": False}, "No Signature found. SAML Response rejected"),
    ],
    ids=[
        "response-only-to-an-sp-wanting-a-signed-assertion",
        "assertion-only-to-an-sp-wanting-a-signed-response",
        "unsigned",
    ],
)
def test_a_signing_choice_the_sp_does_not_accept_is_rejected_for_that_reason(
    setup: Setup,
    sps: list[OneLoginSp],
    sign_assertion: bool,
    sign_response: bool,
    sp_wants: dict[str, bool],
    reason: str,
) -> None:
    sp = _sp(sps, **sp_wants)
    setup.connect(sp, declare_redirect=True, sign_assertion=sign_assertion, sign_response=sign_response)
    answer, _request_id = _sp_initiated(setup, sp)
    assert answer.status_code == 403
    assert answer.json()["errors"] == ["invalid_response"]
    assert answer.json()["reason"].startswith(reason)


def test_a_wrong_idp_certificate_in_the_sp_settings_is_rejected(setup: Setup, sps: list[OneLoginSp]) -> None:
    sp = _sp(sps, idp_certificate_override=generate_key_pair("JumpCloud").certificate_pem)
    setup.connect(sp, declare_redirect=True)
    answer, _request_id = _sp_initiated(setup, sp)
    assert answer.status_code == 403
    assert answer.json()["reason"] == "Signature validation failed. SAML Response rejected"


def test_bob_outside_the_bound_group_never_reaches_the_sp(setup: Setup, sps: list[OneLoginSp]) -> None:
    sp = _sp(sps)
    setup.connect(sp, declare_redirect=True)
    page = setup.browse(setup.browser.get(f"{sp.base_url}/login"), login="bob@example.com")
    assert page.status_code == 403
    assert "not authorized" in page.text
    assert sp.outcomes == []


def test_the_metadata_url_reads_in_python3_saml_with_the_redirect_endpoint_declared(
    setup: Setup, sps: list[OneLoginSp]
) -> None:
    sp = _sp(sps)
    sso_url = f"{setup.base}/saml2/{setup.name}"
    certificate = setup.admin.get(f"{setup.base}/applications/{setup.application_id}/certificate").text
    # JumpCloud's default: only HTTP-POST is declared, and python3-saml (which sends HTTP-Redirect) finds no SSO URL.
    setup.connect(sp)
    assert "singleSignOnService" not in OneLogin_Saml2_IdPMetadataParser.parse(sp.idp_metadata_xml)["idp"]
    posted = OneLogin_Saml2_IdPMetadataParser.parse(sp.idp_metadata_xml, required_sso_binding=BINDING_POST)
    assert posted["idp"]["singleSignOnService"]["url"] == sso_url
    setup.connect(sp, declare_redirect=True)
    idp = OneLogin_Saml2_IdPMetadataParser.parse(sp.idp_metadata_xml)["idp"]
    assert idp["entityId"] == "JumpCloud"
    assert idp["singleSignOnService"] == {"url": sso_url, "binding": BINDING_REDIRECT}
    assert idp["x509cert"] == certificate_body(certificate)
    assert OneLogin_Saml2_Settings(sp.settings()).get_errors() == []
    # parse_remote fetches with urllib, which cannot resolve *.localhost here: the same server on 127.0.0.1.
    loopback = setup.metadata_url.replace(urlsplit(setup.base).hostname or "", "127.0.0.1")
    assert OneLogin_Saml2_IdPMetadataParser.parse_remote(loopback, timeout=10)["idp"] == idp


@pytest.mark.parametrize(
    ("name_id_format", "subject_field", "expected"),
    [
        ("unspecified", "username", "ada"),
        ("persistent", "email", "ada@example.com"),
        ("transient", "username", "ada"),
    ],
)
def test_other_name_id_choices_reach_the_sp(
    setup: Setup, sps: list[OneLoginSp], name_id_format: str, subject_field: str, expected: str
) -> None:
    # The SP asks for the format it is set up for (its NameIDPolicy): JumpCloud refuses any other.
    version = "1.1" if name_id_format == "unspecified" else "2.0"
    sp = _sp(sps, name_id_format=f"urn:oasis:names:tc:SAML:{version}:nameid-format:{name_id_format}")
    setup.connect(sp, declare_redirect=True, name_id_format=name_id_format, subject_field=subject_field)
    answer, _request_id = _sp_initiated(setup, sp)
    assert answer.status_code == 200, answer.text
    assert answer.json()["name_id"] == expected
    assert answer.json()["name_id_format"].endswith(f":{name_id_format}")


def test_groups_and_constant_attributes_arrive_as_sent(setup: Setup, sps: list[OneLoginSp]) -> None:
    sp = _sp(sps)
    setup.connect(
        sp,
        declare_redirect=True,
        include_groups=True,
        groups_attribute_name="groups",
        constant_name=["department", ""],
        constant_value=["R&D <lab>", ""],
    )
    answer, _request_id = _sp_initiated(setup, sp)
    assert answer.status_code == 200, answer.text
    attributes = answer.json()["attributes"]
    assert attributes["groups"] == ["Staff"]
    assert attributes["department"] == ["R&D <lab>"]


def test_with_no_attribute_mapped_only_an_sp_not_wanting_an_attribute_statement_accepts(
    setup: Setup, sps: list[OneLoginSp]
) -> None:
    # An AttributeStatement needs at least one Attribute (SAML schema): with none mapped, none is sent.
    strict_default = _sp(sps)
    setup.connect(strict_default, declare_redirect=True, custom_name=[], custom_attribute=[])
    answer, _request_id = _sp_initiated(setup, strict_default)
    assert answer.status_code == 403
    assert answer.json()["reason"] == "There is no AttributeStatement on the Response"
    name_id_only = _sp(sps, want_attribute_statement=False)
    setup.connect(name_id_only, declare_redirect=True)
    answer, _request_id = _sp_initiated(setup, name_id_only)
    assert answer.status_code == 200, answer.text
    assert answer.json()["name_id"] == "ada@example.com"
    assert answer.json()["attributes"] == {}


@pytest.mark.parametrize(
    ("edge_case", "reason"),
    [
        ({"edge_wrong_audience": True}, "/metadata is not a valid audience for this Response"),
        ({"edge_clock_skew_on": True, "edge_clock_skew": "-30"}, "Could not validate timestamp: expired"),
        ({"edge_clock_skew_on": True, "edge_clock_skew": "30"}, "Could not validate timestamp: not yet valid"),
        # NotOnOrAfter is now: within the Conditions' clock drift, but not the subject confirmation's.
        ({"edge_short_validity_on": True, "edge_short_validity": "0"}, "A valid SubjectConfirmation was not found"),
        ({"edge_no_signature": True}, "The Assertion of the Response is not signed and the SP require it"),
        ({"edge_foreign_key": True}, "Signature validation failed. SAML Response rejected"),
        ({"edge_attribute_mode": "drop", "edge_attribute_name": "email"}, None),
    ],
    ids=["wrong-audience", "clock-behind", "clock-ahead", "expired", "unsigned", "foreign-key", "dropped-attribute"],
)
def test_tester_edge_cases_are_what_python3_saml_rejects(
    setup: Setup, sps: list[OneLoginSp], edge_case: dict[str, str | bool], reason: str | None
) -> None:
    sp = _sp(sps)
    setup.connect(sp, declare_redirect=True, **edge_case)
    answer, _request_id = _sp_initiated(setup, sp)
    if reason is None:
        # python3-saml takes whatever attributes come; the application notices the missing one.
        assert answer.status_code == 200, answer.text
        assert "email" not in answer.json()["attributes"]
        return
    assert answer.status_code == 403, answer.text
    assert reason in answer.json()["reason"]


def test_upload_metadata_takes_the_sp_from_python3_saml_metadata(setup: Setup, sps: list[OneLoginSp]) -> None:
    sp = _sp(sps, authn_requests_signed=True)
    metadata = setup.browser.get(f"{sp.base_url}/metadata")
    assert metadata.status_code == 200
    uploaded = setup.admin.post(
        f"{setup.base}/applications/{setup.application_id}/sso/metadata",
        files={"metadata": ("python3-saml-metadata.xml", metadata.content, "application/xml")},
    )
    assert uploaded.status_code == 302, uploaded.text
    tab = setup.admin.get(f"{setup.base}/applications/{setup.application_id}/sso").text
    assert f"SP Entity ID {sp.entity_id}, 1 ACS URL, SP certificate" in tab
    form = form_with(tab, "idp_entity_id")
    assert form.values("sp_entity_id") == [sp.entity_id]
    assert form.values("acs_urls") == [sp.acs_url]
    assert setup.sso_tab(declare_redirect=True).status_code == 302
    sp.load_idp_metadata(setup.metadata_url)
    answer, request_id = _sp_initiated(setup, sp)
    assert answer.status_code == 200, answer.text
    assert answer.json()["in_response_to"] == request_id


def test_the_response_goes_to_the_acs_url_the_request_names_when_the_application_has_several(
    setup: Setup, sps: list[OneLoginSp]
) -> None:
    sp = _sp(sps)
    saved = setup.sso_tab(
        sp_entity_id=sp.entity_id, acs_urls=f"https://legacy.example/saml/acs\n{sp.acs_url}", declare_redirect=True
    )
    assert saved.status_code == 302, saved.text
    sp.load_idp_metadata(setup.metadata_url)
    answer, request_id = _sp_initiated(setup, sp)
    assert answer.status_code == 200, answer.text
    assert answer.json()["in_response_to"] == request_id
