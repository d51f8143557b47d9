"""Reading the SSO tab's form into an application's SSO settings."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from sandbox.jumpcloud.services.applications import EDGE_CASES_OFF
from sandbox.jumpcloud.services.sso import USER_ATTRIBUTES
from sandbox.saml.idp import NAMEID_FORMATS
from sandbox.saml.keys import CertificateError, certificate_pem

_URL = re.compile(r"^https?://[^\s]+$", re.I)
_ATTRIBUTE_NAME = re.compile(r"^[^\s<>&\"']{1,256}$")


def _rows(form: MultiDict[str, str], prefix: str, first: str, second: str) -> list[tuple[str, str]]:
    names = form.getlist(f"{prefix}_{first}")
    values = form.getlist(f"{prefix}_{second}")
    return [(n.strip(), v.strip()) for n, v in zip(names, values, strict=False) if n.strip() or v.strip()]


def read_sso_form(form: MultiDict[str, str], current: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The new SSO settings and the errors by field (empty when valid)."""
    errors: dict[str, str] = {}
    config: dict[str, Any] = {}
    config["idpEntityId"] = form.get("idp_entity_id", "").strip()
    if not config["idpEntityId"]:
        errors["idp_entity_id"] = "IdP Entity ID is required."
    config["spEntityId"] = form.get("sp_entity_id", "").strip()
    acs_urls = [line.strip() for line in form.get("acs_urls", "").splitlines() if line.strip()]
    bad = [url for url in acs_urls if not _URL.match(url)]
    if bad:
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
        jit.append(
            {
                "spName": attribute["spName"],  # not editable: the SP decides this name
                "jumpcloudAttribute": source,
                "constant": form.get(f"jit_{index}_constant", "").strip(),
                "enabled": form.get(f"jit_{index}_enabled") == "on",
            }
        )
    config["jitAttributes"] = jit
    database = []
    for name, source in _rows(form, "custom", "name", "attribute"):
        if not _ATTRIBUTE_NAME.match(name):
            errors["custom"] = "Each custom user attribute needs a service provider attribute name."
        elif source not in USER_ATTRIBUTES:
            errors["custom"] = f"Choose the JumpCloud attribute sent as {name}."
        else:
            database.append({"name": name, "value": source})
    config["databaseAttributes"] = database
    constants = []
    for name, value in _rows(form, "constant", "name", "value"):
        if not _ATTRIBUTE_NAME.match(name):
            errors["constant"] = "Each constant attribute needs a service provider attribute name."
        else:
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
    cases["wrongAudience"] = form.get("edge_wrong_audience") == "on"
    cases["noSignature"] = form.get("edge_no_signature") == "on"
    cases["foreignKey"] = form.get("edge_foreign_key") == "on"
    mode = form.get("edge_attribute_mode", "")
    if mode in ("drop", "rename"):
        name = form.get("edge_attribute_name", "").strip()
        if not name:
            errors["edge_attribute"] = "Name the attribute to drop or rename."
        cases["attributeMode"] = mode
        cases["attributeName"] = name
        cases["attributeRenameTo"] = form.get("edge_attribute_rename_to", "").strip()
    return cases
