"""The Single Sign-On tab's settings: reading, validating and saving them, and BlogIn's own SAML key pair."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.blogin.models import ROLES, ServiceProviderKey, SsoConfiguration
from sandbox.blogin.models.base import column_length, utc_now
from sandbox.blogin.services.audit import record_audit
from sandbox.blogin.sso.metadata_fetch import (
    SIGN_IN_PAGE_ANSWERED,
    SSO_IDP_URL_PASTED,
    MetadataFetchError,
    fetch_metadata,
    is_sign_in_page,
    looks_like_sso_idp_url,
)
from sandbox.direct_sql import DirectSelect, Work
from sandbox.saml.keys import certificate_facts, generate_key_pair
from sandbox.saml.metadata import BINDING_NAMES, IdpMetadata, MetadataError, build_sp_metadata
from sandbox.saml.safe_xml import UnsafeXmlError
from sandbox.saml.sp import SIGNATURES_REQUIRED
from sandbox.saml.sp_idp_manual import certificates_from_text, manual_idp_metadata
from sandbox.saml.sp_idp_metadata import (
    EntityChoiceNeeded,
    IdpChoice,
    IdpDocument,
    describe_idp_metadata,
    read_idp_metadata,
)

log = logging.getLogger("sandbox.blogin.sso")

MAX_SKEW_S = 600
# What the configuration's columns keep of an identity provider's addresses and entity ID.
URL_LENGTH = column_length(SsoConfiguration, "idp_sso_url")
ENTITY_ID_LENGTH = column_length(SsoConfiguration, "idp_entity_id")
METHOD_LABELS = {"metadata_url": "Metadata URL", "metadata_file": "Metadata file", "manual": "Manual configuration"}


def sp_entity_id(base_url: str) -> str:
    """BlogIn's SP entity ID: the tenant URL with a trailing slash (``https://<tenant>.blogin.co/``)."""
    return f"{base_url}/"


def acs_url(base_url: str) -> str:
    return f"{base_url}/sso/saml/callback"


def get_configuration(session: Session) -> SsoConfiguration:
    """The tenant's SSO configuration row, created with defaults on first use."""
    configuration = session.get(SsoConfiguration, 1)
    if configuration is None:
        configuration = SsoConfiguration(id=1)
        session.add(configuration)
        session.flush()
    return configuration


def sso_is_on(session: Session) -> bool:
    """Whether members log in with single sign-on (see :func:`sso_is_on_in`).

    Reads without creating the configuration row, so a password sign-in never writes it.
    """
    return sso_is_on_in(session.get(SsoConfiguration, 1))


# Whether single sign-on is on, read without loading the row (its metadata document can be large).
_SSO_ON = DirectSelect(
    select(SsoConfiguration.id).where(
        (SsoConfiguration.id == 1)
        & SsoConfiguration.enabled.is_(True)
        & (SsoConfiguration.metadata_xml != "")
        & (SsoConfiguration.idp_entity_id != "")
    )
)


def sso_is_on_for(work: Work) -> bool:
    """:func:`sso_is_on` in one direct statement, for checks made on every request."""
    return _SSO_ON.first(work) is not None


def sso_is_on_in(configuration: SsoConfiguration | None) -> bool:
    """Whether ``configuration`` (``None`` before first use) has single sign-on on: the status is On and an
    identity provider is configured."""
    return configuration is not None and configuration.enabled and configuration.idp_configured


def active_sp_key(session: Session) -> ServiceProviderKey:
    """BlogIn's current SAML key pair, generated on first use."""
    key = session.scalars(
        select(ServiceProviderKey).where(ServiceProviderKey.active.is_(True)).order_by(ServiceProviderKey.id.desc())
    ).first()
    if key is None:
        pair = generate_key_pair("acme.blogin SAML")
        key = ServiceProviderKey(private_key_pem=pair.private_key_pem, certificate_pem=pair.certificate_pem)
        session.add(key)
        session.flush()
        log.info("generated the SAML service provider key pair")
    return key


def rotate_sp_key(session: Session, actor: str) -> ServiceProviderKey:
    """A new SP key pair; the identity provider needs the new metadata afterwards."""
    old = active_sp_key(session)
    old.active = False
    session.flush()
    new = active_sp_key(session)
    record_audit(
        session,
        "sso_certificate_rotated",
        "The SAML service provider certificate was rotated",
        actor=actor,
        detail={
            "old_sha256": certificate_facts(old.certificate_pem).fingerprint_sha256,
            "new_sha256": certificate_facts(new.certificate_pem).fingerprint_sha256,
        },
    )
    return new


def sp_metadata(session: Session, base_url: str) -> str:
    """BlogIn's SAML 2.0 SP metadata, as "Download Metadata as file (xml)" serves it."""
    configuration = get_configuration(session)
    key = active_sp_key(session)
    return build_sp_metadata(
        sp_entity_id(base_url),
        acs_url(base_url),
        key.certificate_pem,
        want_assertions_signed=configuration.signatures_required in ("assertion", "both"),
        organization="Acme on BlogIn",
    )


@dataclass
class SsoForm:
    """What the admin submitted on the Single Sign-On tab."""

    enabled: bool = False
    name: str = ""
    method: str = "metadata_url"
    metadata_url: str = ""
    metadata_file: bytes | None = None
    sso_url: str = ""
    issuer: str = ""
    certificate: str = ""
    default_role: str = "Reader"
    jit_enabled: bool = True
    allowed_skew_s: str = "60"
    signatures_required: str = "assertion"
    idp_initiated_allowed: bool = True
    # Which identity provider of a document describing several; and that document, kept while one is chosen.
    entity_id: str = ""
    metadata_document: str = ""
    choices: list[IdpChoice] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""  # said after saving, when something was kept rather than read again


def form_from(configuration: SsoConfiguration) -> SsoForm:
    """The form as the saved configuration fills it."""
    certificate = ""
    if configuration.method == "manual" and configuration.metadata_xml:
        try:
            certificates = describe_idp_metadata(configuration.metadata_xml).certificates
            certificate = "".join(c.pem for c in certificates)
        except MetadataError:
            certificate = configuration.idp_certificate_pem
    return SsoForm(
        enabled=configuration.enabled,
        name=configuration.name,
        method=configuration.method,
        metadata_url=configuration.metadata_url,
        sso_url=configuration.idp_sso_url if configuration.method == "manual" else "",
        issuer=configuration.idp_entity_id if configuration.method == "manual" else "",
        certificate=certificate,
        default_role=configuration.default_role,
        jit_enabled=configuration.jit_enabled,
        allowed_skew_s=str(configuration.allowed_skew_s),
        signatures_required=configuration.signatures_required,
        idp_initiated_allowed=configuration.idp_initiated_allowed,
        entity_id=configuration.idp_entity_id,
    )


def _url_problem(value: str) -> str | None:
    """What keeps ``value`` from being an identity provider's address (``None`` when it is one): an absolute
    http(s) URL with a host, nothing a browser would have to guess at, short enough to keep."""
    if len(value) > URL_LENGTH:
        return f"This address is {len(value):,} characters long; BlogIn keeps at most {URL_LENGTH:,}."
    if any(character.isspace() or unicodedata.category(character) == "Cc" for character in value):
        return "This address contains a space or a control character; copy it again from your identity provider."
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (reading it checks the port is a number from 0 to 65535)
    except ValueError as error:
        return f"This is not a valid address ({error})."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "It must be an http:// or https:// address."
    return None


def _too_long_to_keep(document: IdpDocument) -> str | None:
    """What of ``document`` is longer than BlogIn keeps (its entity ID, an SSO or logout URL), if anything."""
    if len(document.entity_id) > ENTITY_ID_LENGTH:
        return (
            f"The identity provider's entity ID is {len(document.entity_id):,} characters long; "
            f"BlogIn keeps at most {ENTITY_ID_LENGTH:,}."
        )
    for url in (*document.sso_urls.values(), *document.slo_urls.values()):
        if len(url) > URL_LENGTH:
            return f"An address in this metadata is {len(url):,} characters long; BlogIn keeps at most {URL_LENGTH:,}."
    return None


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(character) == "Cc" for character in value)


def _metadata_from_form(form: SsoForm, configuration: SsoConfiguration) -> str | bytes | None:
    """The IdP metadata the form asks for (fetching it if needed); ``None`` with ``form.errors`` set on failure."""
    if form.method == "metadata_url":
        if not form.metadata_url:
            if form.enabled:
                form.errors["metadata_url"] = "Paste your identity provider's Metadata URL."
            return None
        problem = _url_problem(form.metadata_url)
        if problem is not None:
            form.errors["metadata_url"] = f"The Metadata URL cannot be used. {problem}"
            return None
        try:
            return fetch_metadata(form.metadata_url)
        except MetadataFetchError as error:
            form.errors["metadata_url"] = _fetch_problem(error, form.metadata_url)
            return None
    if form.method == "metadata_file":
        if form.metadata_file:
            return form.metadata_file
        if form.metadata_document:  # the file uploaded before an identity provider had to be chosen
            return form.metadata_document
        if configuration.method == "metadata_file" and configuration.metadata_xml:
            # The saved file stays as it is (even once expired, so SSO can still be turned off).
            return None
        if form.enabled:
            form.errors["metadata_file"] = "Choose your identity provider's metadata file (.xml)."
        return None
    return _manual_metadata(form)


def _manual_metadata(form: SsoForm) -> str | None:
    problem = _url_problem(form.sso_url) if form.sso_url else "It must be an http:// or https:// address."
    if problem is not None:
        form.errors["sso_url"] = f"Enter the identity provider's SSO URL. {problem}"
    if not form.issuer:
        form.errors["issuer"] = "Enter the Issuer (the identity provider's entity ID)."
    elif len(form.issuer) > ENTITY_ID_LENGTH:
        form.errors["issuer"] = (
            f"This Issuer is {len(form.issuer):,} characters long; BlogIn keeps at most {ENTITY_ID_LENGTH:,}."
        )
    elif _has_control_characters(form.issuer):
        form.errors["issuer"] = "The Issuer contains a control character; copy it again from your identity provider."
    if not form.certificate.strip():
        form.errors["certificate"] = "Paste the identity provider's X.509 signing certificate."
        return None
    try:
        certificates = certificates_from_text(form.certificate)
    except MetadataError as error:
        form.errors["certificate"] = str(error)
        if error.kind == "private_key":
            form.certificate = ""  # a key is never shown again
        return None
    current = [pem for pem in certificates if not certificate_facts(pem).expired()]
    if not current:
        facts = certificate_facts(certificates[0])
        form.errors["certificate"] = (
            f"This certificate expired on {facts.not_after:%Y-%m-%d %H:%M} UTC; paste a current one."
            if len(certificates) == 1
            else "All of these certificates have expired; paste a current one."
        )
        return None
    if form.errors:
        return None
    return manual_idp_metadata(form.issuer, form.sso_url, certificates)


def _fetch_problem(error: MetadataFetchError, url: str) -> str:
    """Why the Metadata URL gave nothing; for JumpCloud's SSO IdP URL pasted in its place, which address to use."""
    return SSO_IDP_URL_PASTED if looks_like_sso_idp_url(url) else str(error)


# Answers that are no metadata at all (a web page, other XML), as JumpCloud's SSO IdP URL gives.
_NOT_METADATA = frozenset({"html", "not_xml", "not_idp_metadata"})
# What a document that is not well-formed XML is called, by where it came from.
_DOCUMENT_NAMES = {"metadata_url": "The document at the Metadata URL", "metadata_file": "The file"}


def metadata_problem(error: MetadataError, method: str, url: str = "", document: str | bytes = b"") -> str:
    """Why the metadata from ``method`` (read from ``document``, fetched from ``url``) cannot be used, said of the
    document the person gave: "The file is not complete XML: …"; JumpCloud's SSO IdP URL or a sign-in page
    given for the Metadata URL is named as such."""
    if method == "metadata_url" and error.kind in _NOT_METADATA and looks_like_sso_idp_url(url):
        return SSO_IDP_URL_PASTED
    if method == "metadata_url" and error.kind == "html" and is_sign_in_page(document):
        return SIGN_IN_PAGE_ANSWERED
    cause = error.__cause__
    if error.kind == "not_xml" and isinstance(cause, UnsafeXmlError) and cause.verdict and method in _DOCUMENT_NAMES:
        return cause.restated(_DOCUMENT_NAMES[method])
    return str(error)


def _as_text(document: str | bytes) -> str:
    """An uploaded document as text, to send back with the form while an identity provider is chosen."""
    if isinstance(document, str):
        return document
    if document.startswith((b"\xff\xfe", b"\xfe\xff")):
        return document.decode("utf-16")
    try:
        return document.decode("utf-8")
    except UnicodeDecodeError:
        return document.decode("latin-1")


def read_document(document: str | bytes, preferred_entity_id: str = "") -> tuple[IdpDocument, IdpMetadata]:
    """Read identity provider metadata; of several IdPs, ``preferred_entity_id`` is taken when it is one of them."""
    try:
        return read_idp_metadata(document)
    except EntityChoiceNeeded as choice:
        if preferred_entity_id and any(c.entity_id == preferred_entity_id for c in choice.choices):
            return read_idp_metadata(document, entity_id=preferred_entity_id)
        raise


def _metadata_field(method: str) -> str:
    return {"metadata_url": "metadata_url", "metadata_file": "metadata_file"}.get(method, "certificate")


def _validate_plain_fields(form: SsoForm) -> int:
    if len(form.name) > 128:
        form.errors["name"] = "Use at most 128 characters."
    elif _has_control_characters(form.name):
        form.errors["name"] = "Use letters, digits, spaces and punctuation only (no control characters)."
    if form.method not in METHOD_LABELS:
        form.errors["method"] = "Choose a configuration method."
    if form.default_role not in ROLES:
        form.errors["default_role"] = f"Choose one of: {', '.join(ROLES)}."
    if form.signatures_required not in SIGNATURES_REQUIRED:
        form.errors["signatures_required"] = "Choose which signatures are required."
    text = form.allowed_skew_s.strip()
    skew = int(text) if text.isdecimal() and len(text) < 6 else -1
    if not 0 <= skew <= MAX_SKEW_S:
        form.errors["allowed_skew_s"] = f"Enter a whole number of seconds from 0 to {MAX_SKEW_S}."
    return skew


def _keep_saved_idp_when_turning_off(form: SsoForm, configuration: SsoConfiguration) -> None:
    """Turning single sign-on off must work when the identity provider is unreachable or its metadata
    expired (that is when people need their passwords): a failure to read the *saved* source again then
    keeps the saved identity provider, and ``form.notice`` says so."""
    field_name = _metadata_field(form.method)
    if form.enabled or set(form.errors) != {field_name} or not configuration.idp_configured:
        return
    unchanged = form.method == configuration.method and (
        (form.method == "metadata_url" and form.metadata_url == configuration.metadata_url)
        or (
            form.method == "manual"
            and form.issuer == configuration.idp_entity_id
            and form.sso_url == configuration.idp_sso_url
        )
    )
    if unchanged:
        form.notice = (
            f"The identity provider could not be read again ({form.errors.pop(field_name)}); "
            "the saved one is kept while single sign-on is off."
        )


def apply_metadata(configuration: SsoConfiguration, document: IdpDocument, idp: IdpMetadata) -> None:
    """Keep the identity provider just read: its standalone metadata and the values the tab shows."""
    binding, url = document.sso_endpoint()
    configuration.metadata_xml = document.xml
    configuration.idp_entity_id = document.entity_id
    configuration.idp_sso_url = url
    configuration.idp_sso_binding = BINDING_NAMES[binding]
    configuration.idp_slo_url = next(iter(document.slo_urls.values()), "")
    configuration.idp_certificate_pem = idp.signing_certificates[0]


def save_settings(session: Session, form: SsoForm, actor: str) -> bool:
    """Validate ``form`` and save it; on any error nothing changes and ``form.errors`` says what to fix."""
    configuration = get_configuration(session)
    skew = _validate_plain_fields(form)
    if form.errors:
        return False
    xml = _metadata_from_form(form, configuration)
    read: tuple[IdpDocument, IdpMetadata] | None = None
    if xml is not None:
        try:
            read = read_document(xml, form.entity_id)
        except EntityChoiceNeeded as choice:
            form.choices = choice.choices
            form.errors["entity_id"] = str(choice)
            if form.method == "metadata_file":
                form.metadata_document = _as_text(xml)
        except MetadataError as error:
            form.errors[_metadata_field(form.method)] = metadata_problem(error, form.method, form.metadata_url, xml)
        else:
            problem = _too_long_to_keep(read[0])
            if problem is not None:
                read = None
                form.errors[_metadata_field(form.method)] = problem
    _keep_saved_idp_when_turning_off(form, configuration)
    if form.errors:
        return False
    if form.enabled and read is None and not configuration.idp_configured:
        form.errors["enabled"] = "Configure the identity provider below before turning single sign-on on."
        return False
    before = _snapshot(configuration)
    configuration.enabled = form.enabled
    configuration.name = form.name.strip()
    configuration.method = form.method
    configuration.metadata_url = form.metadata_url.strip() if form.method == "metadata_url" else ""
    configuration.default_role = form.default_role
    configuration.jit_enabled = form.jit_enabled
    configuration.allowed_skew_s = skew
    configuration.signatures_required = form.signatures_required
    configuration.idp_initiated_allowed = form.idp_initiated_allowed
    if read is not None:
        apply_metadata(configuration, *read)
        configuration.metadata_fetched_at = utc_now() if form.method == "metadata_url" else None
    configuration.updated = utc_now()
    after = _snapshot(configuration)
    changes = [{"field": k, "from": before[k], "to": after[k]} for k in after if before[k] != after[k]]
    record_audit(
        session,
        "sso_settings_updated",
        "Single sign-on settings saved" + (f" ({len(changes)} changes)" if changes else " (no changes)"),
        actor=actor,
        detail={"changes": changes},
    )
    return True


def refetch_metadata(session: Session, actor: str) -> str | None:
    """Fetch the saved Metadata URL again; the error message, or ``None`` when the new metadata is in use."""
    configuration = get_configuration(session)
    if configuration.method != "metadata_url" or not configuration.metadata_url:
        return "No Metadata URL is saved; choose Metadata URL as the configuration method and save first."
    try:
        fetched = fetch_metadata(configuration.metadata_url)
    except MetadataFetchError as error:
        return _fetch_problem(error, configuration.metadata_url)
    try:
        document, idp = read_document(fetched, configuration.idp_entity_id)
    except EntityChoiceNeeded as choice:
        listed = ", ".join(c.entity_id for c in choice.choices)
        return (
            f"The metadata now describes {len(choice.choices)} identity providers, and “{configuration.idp_entity_id}” "
            f"is not one of them ({listed}). Save the tab again to choose one."
        )
    except MetadataError as error:
        return metadata_problem(error, "metadata_url", configuration.metadata_url, fetched)
    before = _snapshot(configuration)
    apply_metadata(configuration, document, idp)
    configuration.metadata_fetched_at = utc_now()
    after = _snapshot(configuration)
    changes = [{"field": k, "from": before[k], "to": after[k]} for k in after if before[k] != after[k]]
    record_audit(
        session,
        "sso_metadata_refetched",
        "Identity provider metadata fetched again" + (" (changed)" if changes else " (unchanged)"),
        actor=actor,
        detail={"changes": changes, "url": configuration.metadata_url},
    )
    return None


def _snapshot(configuration: SsoConfiguration) -> dict[str, Any]:
    fingerprints: list[str] = []
    if configuration.metadata_xml:
        try:
            fingerprints = [
                c.fingerprint_sha256 for c in describe_idp_metadata(configuration.metadata_xml).certificates
            ]
        except MetadataError:
            fingerprints = ["(unreadable)"]
    return {
        "enabled": configuration.enabled,
        "name": configuration.name,
        "method": configuration.method,
        "metadata_url": configuration.metadata_url,
        "idp_entity_id": configuration.idp_entity_id,
        "idp_sso_url": configuration.idp_sso_url,
        "idp_sso_binding": configuration.idp_sso_binding,
        "idp_certificates_sha256": fingerprints,
        "default_role": configuration.default_role,
        "jit_enabled": configuration.jit_enabled,
        "allowed_skew_s": configuration.allowed_skew_s,
        "signatures_required": configuration.signatures_required,
        "idp_initiated_allowed": configuration.idp_initiated_allowed,
    }
