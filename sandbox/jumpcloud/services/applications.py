"""USER AUTHENTICATION › SSO Applications: creating, configuring, authorizing, deactivating, deleting.

Group authorizations change through ``application.groups`` (the ORM collection), because provisioning
observes the Session's flush to learn what changed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import SsoApplication, UserGroup
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.catalog import CatalogEntry
from sandbox.jumpcloud.services.insights import Initiator, record_event
from sandbox.jumpcloud.services.portal_images import PortalImageError, check_portal_image
from sandbox.saml.keys import generate_key_pair

SSO_HOST_URL = "https://sso.jumpcloud.com/saml2/"
_APPLICATION_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)


class ApplicationError(Exception):
    """A change refused, with a message per form field (``""`` for the whole form)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


@dataclass(frozen=True)
class NewApplication:
    """What the **+ Add New Application** form collects."""

    display_label: str
    description: str = ""
    show_in_portal: bool = True
    bookmark_url: str = ""
    application_name: str = ""  # the <applicationname> of the SSO IdP URL; defaults from the catalog
    image: bytes | None = None
    image_filename: str = ""


def application_resource(application: SsoApplication) -> dict[str, str]:
    """The ``resource`` block Directory Insights uses for an application."""
    return {"id": application.id, "type": "application", "name": application.display_label}


def default_sso_config(entry: CatalogEntry) -> dict[str, Any]:
    """The SSO tab's settings of a new application (key names follow JumpCloud's API, see REFERENCE.md)."""
    return {
        "idpEntityId": "JumpCloud",
        "spEntityId": "",
        "acsUrls": [],
        "spCertificate": "",
        "subjectField": "email",
        "nameIdFormat": "emailAddress",
        "signatureAlgorithm": "RSA-SHA256",
        "signAssertion": True,
        "signResponse": False,
        "declareRedirectEndpoint": False,
        "defaultRelayState": "",
        "jitAttributes": [
            {"spName": a.sp_name, "jumpcloudAttribute": a.jumpcloud_attribute, "constant": "", "enabled": True}
            for a in entry.jit_attributes
        ],
        "databaseAttributes": [],
        "constantAttributes": [],
        "includeGroups": False,
        "groupsAttributeName": "memberOf",
        "edgeCases": dict(EDGE_CASES_OFF),
        **copy.deepcopy(entry.sso_defaults),
    }


EDGE_CASES_OFF: dict[str, Any] = {
    "clockSkewMinutes": 0,
    "shortValiditySeconds": None,
    "wrongAudience": False,
    "noSignature": False,
    "foreignKey": False,
    "attributeMode": "",  # "", "drop" or "rename"
    "attributeName": "",
    "attributeRenameTo": "",
    # Seconds the hand-off page waits before posting the Response to the ACS (0: posted at once).
    "holdResponseSeconds": 0,
}


def edge_cases_on(application: SsoApplication) -> list[str]:
    """The tester edge cases currently bending this application's Responses, in the Edge cases panel's words."""
    return list(edge_case_phrases((application.sso_config or {}).get("edgeCases", {})).values())


#: the tester edge cases in the order of the Edge cases panel's controls (the attribute dropped or renamed is one)
EDGE_CASE_ORDER = (
    "clockSkewMinutes",
    "shortValiditySeconds",
    "holdResponseSeconds",
    "wrongAudience",
    "noSignature",
    "foreignKey",
    "attribute",
)


def edge_case_phrases(cases: Mapping[str, Any]) -> dict[str, str]:
    """The tester edge cases that are on, each in the words of its control in the desktop's Edge cases
    panel ("signed with the wrong key"), keyed by the case, in the panel's order: its summary, the status
    bar and the event a change records all say the same."""
    cases = {**EDGE_CASES_OFF, **cases}
    attribute, renamed_to = cases["attributeName"], cases["attributeRenameTo"]
    phrases = {
        "clockSkewMinutes": f"clock skew {int(cases['clockSkewMinutes']):+d} min" if cases["clockSkewMinutes"] else "",
        "shortValiditySeconds": (
            f"short validity {cases['shortValiditySeconds']} s" if cases["shortValiditySeconds"] is not None else ""
        ),
        "holdResponseSeconds": (
            f"hold the Response {cases['holdResponseSeconds']} s before posting it"
            if cases["holdResponseSeconds"]
            else ""
        ),
        "wrongAudience": "wrong audience" if cases["wrongAudience"] else "",
        "noSignature": "unsigned" if cases["noSignature"] else "",
        "foreignKey": "signed with the wrong key" if cases["foreignKey"] else "",
        "attribute": (
            f"missing attribute {attribute}"
            if cases["attributeMode"] == "drop" and attribute
            else f"attribute {attribute} renamed to {renamed_to}"
            if cases["attributeMode"] == "rename" and attribute
            else ""
        ),
    }
    return {case: phrase for case, phrase in phrases.items() if phrase}


def change_edge_cases(
    session: Session, application: SsoApplication, cases: Mapping[str, Any], *, initiated_by: Initiator
) -> None:
    """Change some tester edge cases (the Edge cases panel); the event names each one switched on or off."""
    old = {**EDGE_CASES_OFF, **(application.sso_config or {}).get("edgeCases", {})}
    new = {**old, **cases}
    changes = [
        {"field": f"edgeCases.{key}", "from": old.get(key), "to": value}
        for key, value in new.items()
        if old.get(key) != value
    ]
    if not changes:
        return
    application.sso_config = {**(application.sso_config or {}), "edgeCases": new}
    was, now = edge_case_phrases(old), edge_case_phrases(new)
    said = [
        f"{now[case]} on" if case in now else f"{was[case]} off"
        for case in EDGE_CASE_ORDER
        if was.get(case) != now.get(case)
    ]
    if not now and len(said) > 1:
        said = ["all off"]
    summary = (
        f"Edge cases for {application.display_label}: {', '.join(said)}"
        if said
        else f"Edge cases for {application.display_label} changed, none switched on or off"
    )
    record_event(
        session,
        "application_update",
        service="sso",
        initiated_by=initiated_by,
        resource=application_resource(application),
        changes=changes,
        summary=summary,
    )


def _general_errors(label: str, description: str) -> dict[str, str]:
    """What is wrong with a Display Label and Description, by form field."""
    errors: dict[str, str] = {}
    if not label:
        errors["display_label"] = "Display Label is required."
    elif len(label) > 256:
        errors["display_label"] = "Display Label is at most 256 characters."
    elif hidden := directory.hidden_character_error(label):
        errors["display_label"] = hidden
    if len(description) > 1024:
        errors["description"] = "Description is at most 1024 characters."
    elif hidden := directory.hidden_character_error(description, multiline=True):
        errors["description"] = hidden
    return errors


def _bookmark_url_error(url: str) -> str | None:
    if not _URL.match(url) or directory.hidden_character_error(url):
        return "Enter the sign-in URL, starting with https:// or http://."
    if len(url) > 2048:
        return "The Bookmark URL is at most 2048 characters."
    return None


def create_application(
    session: Session, entry: CatalogEntry, values: NewApplication, *, initiated_by: Initiator
) -> SsoApplication:
    """Validate and store a new application with its own IdP key pair."""
    label = values.display_label.strip()
    errors = _general_errors(label, values.description.strip())
    name = (values.application_name or entry.default_name or "app").strip().lower()
    if not _APPLICATION_NAME.match(name):
        errors["application_name"] = (
            "Use lower-case letters, digits, '-' and '_' (at most 63), starting with a letter or digit."
        )
    elif session.scalars(select(SsoApplication).where(SsoApplication.name == name)).first() is not None:
        errors["application_name"] = f"{SSO_HOST_URL}{name} is already used by another application."
    is_bookmark = entry.sso_type == "bookmark"
    bookmark_url = values.bookmark_url.strip()
    if is_bookmark and (url_error := _bookmark_url_error(bookmark_url)):
        errors["bookmark_url"] = url_error
    image_type: str | None = None
    if values.image:
        try:
            image_type = check_portal_image(values.image, values.image_filename)
        except PortalImageError as error:
            errors["image"] = str(error)
    if errors:
        raise ApplicationError(errors)
    keys = generate_key_pair(f"JumpCloud {name}")
    application = SsoApplication(
        catalog_key=entry.key,
        name=name,
        display_label=label,
        description=values.description.strip(),
        portal_image=values.image if image_type else None,
        portal_image_type=image_type,
        show_in_portal=values.show_in_portal,
        is_bookmark=is_bookmark,
        bookmark_url=bookmark_url,
        sso_idp_url=f"{SSO_HOST_URL}{name}",
        sso_active=True,
        sso_config=default_sso_config(entry),
        idp_certificate_pem=keys.certificate_pem,
        idp_private_key_pem=keys.private_key_pem,
    )
    session.add(application)
    session.flush()
    record_event(
        session,
        "application_create",
        service="sso",
        initiated_by=initiated_by,
        resource=application_resource(application),
        summary=f"Application {label} created",
    )
    return application


def update_sso_config(
    session: Session, application: SsoApplication, new_config: Mapping[str, Any], *, initiated_by: Initiator
) -> list[dict[str, Any]]:
    """Replace the SSO tab's settings; records one event with the fields that changed."""
    old = application.sso_config or {}
    changes = [
        {"field": key, "from": _shown(old.get(key)), "to": _shown(value)}
        for key, value in new_config.items()
        if old.get(key) != value
    ]
    application.sso_config = {**old, **copy.deepcopy(dict(new_config))}
    if changes:
        record_event(
            session,
            "application_update",
            service="sso",
            initiated_by=initiated_by,
            resource=application_resource(application),
            changes=changes,
            summary=f"Application {application.display_label} SSO settings saved",
        )
    return changes


def _shown(value: Any) -> Any:
    # Certificates are long; the event says that they changed, not what they are.
    if isinstance(value, str) and "BEGIN CERTIFICATE" in value:
        return "(certificate)"
    return value


def update_general(
    session: Session,
    application: SsoApplication,
    *,
    display_label: str,
    description: str,
    show_in_portal: bool,
    bookmark_url: str | None,
    initiated_by: Initiator,
) -> None:
    """The panel's general settings (the SSO IdP URL stays as created)."""
    label = display_label.strip()
    errors = _general_errors(label, description.strip())
    if (
        bookmark_url is not None
        and application.is_bookmark
        and (url_error := _bookmark_url_error(bookmark_url.strip()))
    ):
        errors["bookmark_url"] = url_error
    if errors:
        raise ApplicationError(errors)
    changes = []
    for field, old, new in (
        ("displayLabel", application.display_label, label),
        ("description", application.description, description.strip()),
        ("showInPortal", application.show_in_portal, show_in_portal),
    ):
        if old != new:
            changes.append({"field": field, "from": old, "to": new})
    application.display_label = label
    application.description = description.strip()
    application.show_in_portal = show_in_portal
    if bookmark_url is not None and application.is_bookmark and bookmark_url.strip() != application.bookmark_url:
        changes.append({"field": "bookmarkUrl", "from": application.bookmark_url, "to": bookmark_url.strip()})
        application.bookmark_url = bookmark_url.strip()
    if changes:
        record_event(
            session,
            "application_update",
            service="sso",
            initiated_by=initiated_by,
            resource=application_resource(application),
            changes=changes,
            summary=f"Application {label} updated",
        )


def set_portal_image(
    session: Session, application: SsoApplication, image: bytes | None, filename: str, *, initiated_by: Initiator
) -> None:
    """Upload a User Portal Image, or go back to the default (``image=None``)."""
    if image is None:
        application.portal_image = None
        application.portal_image_type = None
    else:
        try:
            application.portal_image_type = check_portal_image(image, filename)
        except PortalImageError as error:
            raise ApplicationError({"image": str(error)}) from error
        application.portal_image = image
    record_event(
        session,
        "application_update",
        service="sso",
        initiated_by=initiated_by,
        resource=application_resource(application),
        changes=[{"field": "logo", "from": None, "to": filename or "default"}],
        summary=f"Application {application.display_label} image changed",
    )


def set_sso_active(session: Session, application: SsoApplication, active: bool, *, initiated_by: Initiator) -> None:
    """**Deactivate SSO** / **Deactivate Bookmark**, or activate again."""
    if application.sso_active == active:
        return
    application.sso_active = active
    record_event(
        session,
        "application_update",
        service="sso",
        initiated_by=initiated_by,
        resource=application_resource(application),
        changes=[{"field": "active", "from": not active, "to": active}],
        summary=f"Application {application.display_label} {'activated' if active else 'deactivated'}",
    )


def set_authorized_groups(
    session: Session, application: SsoApplication, group_ids: Sequence[str], *, initiated_by: Initiator
) -> tuple[list[UserGroup], list[UserGroup]]:
    """Make exactly ``group_ids`` authorized for ``application``; returns (added, removed).

    Each binding goes through :func:`directory.associate_application`, as the v2 API's do, so the
    User Groups tab and the API change and log an association the same way.
    """
    wanted = set(group_ids)
    groups = session.scalars(select(UserGroup).where(UserGroup.id.in_(wanted))).all() if wanted else []
    if len(groups) != len(wanted):
        raise ApplicationError({"": "One of the selected user groups no longer exists. Reload the page."})
    added = [group for group in groups if group not in application.groups]
    removed = [group for group in application.groups if group.id not in wanted]
    for group in added:
        directory.associate_application(session, group, application, "add", initiated_by=initiated_by)
    for group in removed:
        directory.associate_application(session, group, application, "remove", initiated_by=initiated_by)
    return added, removed


def delete_applications(
    session: Session, application_ids: Sequence[str], typed_count: str, *, initiated_by: Initiator
) -> list[str]:
    """Delete the ticked applications once the admin typed how many; returns their display labels."""
    ids = list(dict.fromkeys(application_ids))
    if not ids:
        raise ApplicationError({"": "Select the applications to delete first."})
    if typed_count.strip() != str(len(ids)):
        raise ApplicationError(
            {"count": f"Enter {len(ids)} to confirm deleting {len(ids)} application{'s' if len(ids) != 1 else ''}."}
        )
    applications = session.scalars(select(SsoApplication).where(SsoApplication.id.in_(ids))).all()
    if len(applications) != len(ids):
        raise ApplicationError({"": "One of the selected applications no longer exists. Reload the page."})
    labels = []
    for application in applications:
        labels.append(application.display_label)
        # Emptying the collection first lets provisioning see each group leave before the row goes.
        application.groups.clear()
        session.flush()
        record_event(
            session,
            "application_delete",
            service="sso",
            initiated_by=initiated_by,
            resource=application_resource(application),
            summary=f"Application {application.display_label} deleted",
        )
        session.delete(application)
    session.flush()
    return labels
