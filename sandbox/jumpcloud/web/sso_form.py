"""Reading the SSO tab's form into an application's SSO settings."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF
from sandbox.jumpcloud.services.directory import hidden_character_error
from sandbox.jumpcloud.services.sso import USER_ATTRIBUTES
from sandbox.saml.idp import NAMEID_FORMATS
from sandbox.saml.keys import CertificateError, certificate_pem

_URL = re.compile(r"^https?://[^\s]+$", re.I)
_ATTRIBUTE_NAME = re.compile(r"^[^\s<>&\"']{1,256}$")
# Single-line settings that travel in SAML messages and metadata (XML refuses control characters).
_TEXT_FIELDS = ("idp_entity_id", "sp_entity_id", "default_relay_state", "groups_attribute_name")
MAX_TEXT = 1024
# Longest "Hold the Response" a tester can ask for: past the default validity (5 minutes) plus the most
# clock skew BlogIn allows (10 minutes), so even an unshortened assertion can be seen to expire.
MAX_HOLD_SECONDS = 900


def _text_errors(form: MultiDict[str, str], errors: dict[str, str]) -> None:
    for field in _TEXT_FIELDS:
        value = form.get(field, "").strip()
        if len(value) > MAX_TEXT:
            errors[field] = f"At most {MAX_TEXT} characters."
        elif hidden := hidden_character_error(value):
            errors[field] = hidden
    for line in form.get("acs_urls", "").splitlines():
        if hidden := hidden_character_error(line.strip()):
            errors["acs_urls"] = hidden


def _rows(form: MultiDict[str, str], prefix: str, first: str, second: str) -> list[tuple[str, str]]:
    names = form.getlist(f"{prefix}_{first}")
    values = form.getlist(f"{prefix}_{second}")
    return [(n.strip(), v.strip()) for n, v in zip(names, values, strict=False) if n.strip() or v.strip()]


def read_sso_form(form: MultiDict[str, str], current: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The new SSO settings and the errors by field (empty when valid)."""
    errors: dict[str, str] = {}
    _text_errors(form, errors)
    config: dict[str, Any] = {}
    config["idpEntityId"] = form.get("idp_entity_id", "").strip()
    if not config["idpEntityId"] and "idp_entity_id" not in errors:
        errors["idp_entity_id"] = "IdP Entity ID is required."
    config["spEntityId"] = form.get("sp_entity_id", "").strip()
    acs_urls = [line.strip() for line in form.get("acs_urls", "").splitlines() if line.strip()]
    bad = [url for url in acs_urls if not _URL.match(url)]
    if bad and "acs_urls" not in errors:
        errors["acs_urls"] = f"Not a URL: {bad[0]}"
    config["acsUrls"] = acs_urls
    certificate = form.get("sp_certificate", "").strip()
    if certificate:
        try:
            certificate = certificate_pem(certificate)
        except CertificateError as error:
            errors["sp_certificate"] = str(error)
    config["spCertificate"] = certificate
    config["subjectField"] = "username" if form.get("subject_field") == "username" else "email"
    name_id_format = form.get("name_id_format", "emailAddress")
    config["nameIdFormat"] = name_id_format if name_id_format in NAMEID_FORMATS else "emailAddress"
    config["signatureAlgorithm"] = "RSA-SHA256"
    config["signAssertion"] = form.get("sign_assertion") == "on"
    config["signResponse"] = form.get("sign_response") == "on"
    config["declareRedirectEndpoint"] = form.get("declare_redirect") == "on"
    config["defaultRelayState"] = form.get("default_relay_state", "").strip()

    jit = []
    for index, attribute in enumerate(current.get("jitAttributes", [])):
        source = form.get(f"jit_{index}_attribute", attribute["jumpcloudAttribute"])
        if source not in USER_ATTRIBUTES:
            errors[f"jit_{index}"] = f"Choose a JumpCloud attribute for {attribute['spName']}."
            source = attribute["jumpcloudAttribute"]
        constant = form.get(f"jit_{index}_constant", "").strip()
        if hidden := hidden_character_error(constant):
            errors[f"jit_{index}"] = f"{attribute['spName']}: {hidden}"
        jit.append(
            {
                "spName": attribute["spName"],  # not editable: the SP decides this name
                "jumpcloudAttribute": source,
                "constant": constant,
                "enabled": form.get(f"jit_{index}_enabled") == "on",
            }
        )
    config["jitAttributes"] = jit
    # Rows with a mistake stay in the settings returned, so the form shows them again to be corrected.
    database = []
    for name, source in _rows(form, "custom", "name", "attribute"):
        if not _ATTRIBUTE_NAME.match(name) or hidden_character_error(name):
            errors["custom"] = "Each custom user attribute needs a service provider attribute name without spaces."
        elif source not in USER_ATTRIBUTES:
            errors["custom"] = f"Choose the JumpCloud attribute sent as {name}."
        database.append({"name": name, "value": source})
    config["databaseAttributes"] = database
    constants = []
    for name, value in _rows(form, "constant", "name", "value"):
        if not _ATTRIBUTE_NAME.match(name) or hidden_character_error(name):
            errors["constant"] = "Each constant attribute needs a service provider attribute name without spaces."
        elif len(value) > MAX_TEXT:
            errors["constant"] = f"The value of {name} is at most {MAX_TEXT} characters."
        elif hidden := hidden_character_error(value):
            errors["constant"] = f"{name}: {hidden}"
        constants.append({"name": name, "value": value})
    config["constantAttributes"] = constants
    config["includeGroups"] = form.get("include_groups") == "on"
    config["groupsAttributeName"] = form.get("groups_attribute_name", "").strip() or "memberOf"
    config["edgeCases"] = read_edge_cases(form, errors)
    return config, errors


def read_edge_cases(form: MultiDict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The tester edge-case panel; everything off unless ticked."""
    cases = dict(EDGE_CASES_OFF)
    if form.get("edge_clock_skew_on") == "on":
        try:
            minutes = int(form.get("edge_clock_skew", "0"))
        except ValueError:
            minutes = 0
        if not -1440 <= minutes <= 1440 or minutes == 0:
            errors["edge_clock_skew"] = "Clock skew is a non-zero number of minutes between -1440 and 1440."
        cases["clockSkewMinutes"] = minutes
    if form.get("edge_short_validity_on") == "on":
        try:
            seconds = int(form.get("edge_short_validity", "0"))
        except ValueError:
            seconds = -1
        if not 0 <= seconds <= 300:
            errors["edge_short_validity"] = "Short validity is between 0 and 300 seconds."
        cases["shortValiditySeconds"] = max(seconds, 0)
    if form.get("edge_hold_response_on") == "on":
        try:
            hold = int(form.get("edge_hold_response", "0"))
        except ValueError:
            hold = 0
        if not 1 <= hold <= MAX_HOLD_SECONDS:
            errors["edge_hold_response"] = f"Hold the Response for 1 to {MAX_HOLD_SECONDS} seconds."
        cases["holdResponseSeconds"] = min(max(hold, 0), MAX_HOLD_SECONDS)
    cases["wrongAudience"] = form.get("edge_wrong_audience") == "on"
    cases["noSignature"] = form.get("edge_no_signature") == "on"
    cases["foreignKey"] = form.get("edge_foreign_key") == "on"
    mode = form.get("edge_attribute_mode", "")
    if mode in ("drop", "rename"):
        name = form.get("edge_attribute_name", "").strip()
        rename_to = form.get("edge_attribute_rename_to", "").strip()
        if not name:
            errors["edge_attribute"] = "Name the attribute to drop or rename."
        elif hidden := hidden_character_error(name + rename_to):
            errors["edge_attribute"] = hidden
        cases["attributeMode"] = mode
        cases["attributeName"] = name
        cases["attributeRenameTo"] = rename_to
    return cases
