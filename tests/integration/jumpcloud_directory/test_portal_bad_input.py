"""The Admin Portal and the REST API under bad input: a clear message, values kept, nothing saved, no 500."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from sandbox.app import Sandbox
from sandbox.jumpcloud.models import SsoApplication, SystemUser, UserGroup

CONTROL_MESSAGE = "Remove the invisible control character (U+{:04X}) from this field."


def _user_count(sandbox: Sandbox, username: str) -> int:
    with sandbox.jumpcloud.database.sessions() as session:
        return len(session.scalars(select(SystemUser).where(SystemUser.username == username)).all())


def _application(admin: httpx.Client, base: str, label: str) -> str:
    name = "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")
    response = admin.post(
        f"{base}/applications/new/custom-saml",
        data={"display_label": label, "show_in_portal": "on", "application_name": name},
    )
    assert response.status_code == 302, response.text
    return response.headers["location"].split("/")[2]


def _sso_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "display_label": "Intranet",
        "description": "",
        "show_in_portal": "on",
        "idp_entity_id": "JumpCloud",
        "sp_entity_id": "https://intranet.example/",
        "acs_urls": "https://intranet.example/acs",
        "sp_certificate": "",
        "subject_field": "email",
        "name_id_format": "emailAddress",
        "sign_assertion": "on",
        "default_relay_state": "",
        "custom_name": ["", ""],
        "custom_attribute": ["", ""],
        "constant_name": ["", ""],
        "constant_value": ["", ""],
        "groups_attribute_name": "memberOf",
    }
    form.update(changes)
    return form


def test_a_control_character_in_a_user_field_is_refused_next_to_the_field(
    admin: httpx.Client, base: str, jc_sandbox: Sandbox
) -> None:
    response = admin.post(
        f"{base}/users/new",
        data={"username": "ctrl.user", "email": "ctrl.user@acme.example", "firstname": "Ada\x01", "state": "ACTIVATED"},
    )
    assert response.status_code == 400
    assert "The user was not saved." in response.text
    assert CONTROL_MESSAGE.format(1) in response.text
    assert 'value="ctrl.user"' in response.text
    assert _user_count(jc_sandbox, "ctrl.user") == 0


def test_a_right_to_left_override_is_refused_but_right_to_left_text_is_kept(
    admin: httpx.Client, base: str, jc_sandbox: Sandbox
) -> None:
    # U+202E would show "evil" as "live" in every list that names the user.
    spoofed = admin.post(
        f"{base}/users/new",
        data={
            "username": "rlo.user",
            "email": "rlo.user@acme.example",
            "displayname": "\u202eevil",
            "state": "ACTIVATED",
        },
    )
    assert spoofed.status_code == 400
    assert CONTROL_MESSAGE.format(0x202E) in spoofed.text
    assert _user_count(jc_sandbox, "rlo.user") == 0
    created = admin.post(
        f"{base}/users/new",
        data={
            "username": "rtl.user",
            "email": "rtl.user@acme.example",
            "firstname": "שלום",
            "lastname": "عربي 😀",
            "displayname": "<b>Bold</b> שלום",
            "state": "ACTIVATED",
        },
    )
    assert created.status_code == 302
    listing = admin.get(f"{base}/users", params={"q": "rtl.user"})
    assert "&lt;b&gt;Bold&lt;/b&gt; שלום" in listing.text
    assert "<b>Bold</b>" not in listing.text
    assert "عربي 😀" in admin.get(f"{base}{created.headers['location']}").text


def test_a_control_character_in_a_group_name_is_refused_and_the_group_keeps_its_name(
    admin: httpx.Client, base: str, jc_sandbox: Sandbox
) -> None:
    refused = admin.post(f"{base}/groups/new", data={"name": "Night\x0bShift", "description": ""})
    assert refused.status_code == 400
    assert CONTROL_MESSAGE.format(0x0B) in refused.text
    location = admin.post(f"{base}/groups/new", data={"name": "Day Shift"}).headers["location"]
    renamed = admin.post(f"{base}{location}", data={"name": "Day Shift", "description": "Early\x00"})
    assert renamed.status_code == 400
    assert CONTROL_MESSAGE.format(0) in renamed.text
    with jc_sandbox.jumpcloud.database.sessions() as session:
        names = set(session.scalars(select(UserGroup.name)))
        assert "Day Shift" in names and not any("Night" in name for name in names)
        assert session.scalars(select(UserGroup.description).where(UserGroup.name == "Day Shift")).one() == ""


def test_the_api_refuses_control_characters_and_out_of_range_numbers_in_json(api: httpx.Client) -> None:
    created = api.post(
        "/api/systemusers", json={"username": "api.ctrl", "email": "api.ctrl@acme.example", "lastname": "L\x00"}
    )
    assert created.status_code == 400
    assert created.json()["errors"]["lastname"] == CONTROL_MESSAGE.format(0)
    for path in ("/api/systemusers", "/api/v2/usergroups"):
        huge = api.get(path, params={"skip": "99999999999999999999999"})
        assert huge.status_code == 400
        assert "skip must be at least 0 and at most" in huge.json()["message"]
    body = {"service": ["all"], "start_time": "2020-01-01T00:00:00Z"}
    after = api.post("/insights/directory/v1/events", json={**body, "search_after": [1, 10**30]})
    assert after.status_code == 400 and "search_after" in after.json()["message"]
    edge = api.post("/insights/directory/v1/events", json={**body, "start_time": "0001-01-01T00:00:00+05:00"})
    assert edge.status_code == 400 and "is not an RFC 3339 time" in edge.json()["message"]
    nested = b"[" * 100_000 + b"]" * 100_000
    for path in ("/api/systemusers", "/api/v2/usergroups", "/insights/directory/v1/events"):
        deep = api.post(path, content=nested, headers={"content-type": "application/json"})
        assert deep.status_code == 400
        assert deep.json()["message"] == "Bad Request: the body must be a JSON object."


def test_a_refused_sso_save_keeps_every_typed_value_and_saves_nothing(
    admin: httpx.Client, base: str, jc_sandbox: Sandbox
) -> None:
    application_id = _application(admin, base, "Intranet")
    form = _sso_form(
        display_label="Intranet " + "x" * 260,
        default_relay_state="/start",
        custom_name=["department", ""],
        custom_attribute=["", ""],
        constant_name=["plan", ""],
        constant_value=["gold\x07", ""],
    )
    del form["show_in_portal"]
    response = admin.post(f"{base}/applications/{application_id}/sso", data=form)
    assert response.status_code == 400
    assert "Nothing was saved. Correct the 3 fields marked below, then click save." in response.text
    assert "Display Label is at most 256 characters." in response.text
    assert "Choose the JumpCloud attribute sent as department." in response.text
    assert "plan: " + CONTROL_MESSAGE.format(7) in response.text
    # What was typed is on the page again, the unticked box unticked.
    assert 'value="/start"' in response.text
    assert 'name="custom_name" value="department"' in response.text
    assert 'name="constant_name" value="plan"' in response.text
    assert 'name="show_in_portal" checked' not in response.text
    with jc_sandbox.jumpcloud.database.sessions() as session:
        application = session.get(SsoApplication, application_id)
        assert application is not None
        assert application.display_label == "Intranet" and application.show_in_portal
        assert application.sso_config["spEntityId"] == ""
        assert application.sso_config["defaultRelayState"] == ""


def test_a_control_character_in_an_entity_id_is_refused(admin: httpx.Client, base: str) -> None:
    application_id = _application(admin, base, "Wiki")
    response = admin.post(
        f"{base}/applications/{application_id}/sso", data=_sso_form(display_label="Wiki", idp_entity_id="Jump\x1fCloud")
    )
    assert response.status_code == 400
    assert CONTROL_MESSAGE.format(0x1F) in response.text


def test_searching_applications_for_a_wildcard_matches_it_literally(admin: httpx.Client, base: str) -> None:
    _application(admin, base, "Payroll 100% Online")
    assert "Payroll 100% Online" in admin.get(f"{base}/applications", params={"q": "100%"}).text
    only_percent = admin.get(f"{base}/applications", params={"q": "%"}).text
    assert "Payroll 100% Online" in only_percent and "Intranet" not in only_percent
    assert "No application matches “_”." in admin.get(f"{base}/applications", params={"q": "_"}).text


def test_retrying_an_operation_number_past_any_integer_retries_nothing(admin: httpx.Client, base: str) -> None:
    application_id = _application(admin, base, "Retry Target")
    response = admin.post(f"{base}/applications/{application_id}/identity-management/retry", data={"seq": "9" * 30})
    assert response.status_code == 302
    page = admin.get(f"{base}{response.headers['location']}")
    assert "Nothing to retry." in page.text


def test_a_look_alike_group_name_with_a_zero_width_space_is_refused(admin: httpx.Client, base: str) -> None:
    assert admin.post(f"{base}/groups/new", data={"name": "Look Alike"}).status_code == 302
    twin = admin.post(f"{base}/groups/new", data={"name": "Look\u200b Alike"})
    assert twin.status_code == 400
    assert CONTROL_MESSAGE.format(0x200B) in twin.text
    # Joiners inside emoji sequences and scripts that need them are kept.
    family = admin.post(f"{base}/groups/new", data={"name": "Family 👨\u200d👩\u200d👧"})
    assert family.status_code == 302


def test_the_forms_stop_typing_at_the_lengths_the_directory_accepts(admin: httpx.Client, base: str) -> None:
    user_form = admin.get(f"{base}/users/new").text
    lengths = dict(re.findall(r'name="(\w+)"[^>]*maxlength="(\d+)"', user_form))
    assert lengths == {
        "firstname": "256",
        "lastname": "256",
        "username": "128",
        "email": "320",
        "displayname": "256",
        "jobTitle": "256",
        "workPhone": "64",
    }
    too_long = admin.post(f"{base}/users/new", data={"username": "u" * 129, "email": "long.user@acme.example"})
    assert too_long.status_code == 400 and "At most 128 characters." in too_long.text
    group_form = admin.get(f"{base}/groups/new").text
    assert dict(re.findall(r'name="(\w+)"[^>]*maxlength="(\d+)"', group_form)) == {"name": "256", "description": "1024"}
