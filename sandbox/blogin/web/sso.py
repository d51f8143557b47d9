"""Single sign-on at BlogIn: the Single Sign-On tab, SP metadata, login start and the ACS."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import cast

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup
from werkzeug.wrappers import Response

from sandbox.blogin.sso.configuration import (
    METHOD_LABELS,
    SsoForm,
    acs_url,
    active_sp_key,
    form_from,
    get_configuration,
    refetch_metadata,
    rotate_sp_key,
    save_settings,
    sp_entity_id,
    sp_metadata,
)
from sandbox.blogin.sso.errors import SsoRejected
from sandbox.blogin.sso.jit import format_name
from sandbox.blogin.sso.signin import consume_response, record_rejection, start_login
from sandbox.blogin.web.auth import LOGIN_OPTIONS_KEY, sign_in
from sandbox.blogin.web.context import admin_required, current_user, system
from sandbox.blogin.web.display import shown
from sandbox.direct_sql import DirectTraces
from sandbox.saml.keys import certificate_facts
from sandbox.saml.metadata import BINDING_NAMES, MetadataError
from sandbox.saml.safe_xml import MAX_XML_BYTES
from sandbox.saml.sp import SIGNATURES_REQUIRED
from sandbox.saml.sp_cache import ServiceProviderCache
from sandbox.saml.sp_idp_metadata import describe_idp_metadata
from sandbox.webcommon import db, safe_next, work

log = logging.getLogger("sandbox.blogin.sso")

bp = Blueprint("sso", __name__)

METADATA_FILENAME = "blogin-acme-sp-metadata.xml"
PROVIDERS_KEY = "blogin.sso.providers"
TRACES_KEY = "blogin.sso.traces"


def login_option(next_url: str) -> str | None:
    """The "Log in with SSO" button on the login page, when single sign-on is on."""
    configuration = get_configuration(db())
    if not configuration.enabled or not configuration.idp_configured:
        return None
    href = url_for("sso.login", next=next_url)
    # The configuration's name, as the admin typed it (any script, any length): it wraps inside the card.
    via = Markup('<div class="sso-via">via {}</div>').format(shown(configuration.name)) if configuration.name else ""
    return str(Markup('<a class="btn btn-sso btn-block" href="{}">Log in with SSO</a>{}').format(href, via))


@bp.record_once
def _register_login_option(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault(LOGIN_OPTIONS_KEY, []).append(login_option)
    providers = ServiceProviderCache()
    state.app.extensions[PROVIDERS_KEY] = providers
    state.app.extensions[TRACES_KEY] = DirectTraces(state.app.extensions["blogin"].traces)
    providers.warm_up_later()


def providers() -> ServiceProviderCache:
    """This app's built service providers (building one costs a few hundred milliseconds)."""
    return cast(ServiceProviderCache, current_app.extensions[PROVIDERS_KEY])


def traces() -> DirectTraces:
    """Where sign-in records the SAML messages it sends and accepts."""
    return cast(DirectTraces, current_app.extensions[TRACES_KEY])


# -- Settings › User Authentication › Configure SSO & User provisioning › Single Sign-On ------------------


def _idp_facts() -> dict[str, object] | None:
    """What the saved configuration read of the identity provider, for the "Configured identity provider" card."""
    configuration = get_configuration(db())
    if not configuration.idp_configured:
        return None
    facts: dict[str, object] = {
        "entity_id": configuration.idp_entity_id,
        "sso_url": configuration.idp_sso_url,
        "binding": configuration.idp_sso_binding,
        "slo_url": configuration.idp_slo_url,
        "fetched_at": configuration.metadata_fetched_at,
        "method": METHOD_LABELS.get(configuration.method, configuration.method),
        # Where the identity provider in use came from, whatever method a refused form was sent with.
        "source": configuration.method,
        "certificates": [],
        "problem": None,
    }
    try:
        document = describe_idp_metadata(configuration.metadata_xml, entity_id=configuration.idp_entity_id)
    except MetadataError as error:
        facts["problem"] = str(error)
        return facts
    now = datetime.now(UTC)
    facts.update(
        display_name=document.display_name,
        other_bindings=[
            BINDING_NAMES[b] for b in document.sso_urls if BINDING_NAMES[b] != configuration.idp_sso_binding
        ],
        certificates=[
            {
                "fingerprint": c.fingerprint_sha256,
                "subject": c.subject,
                "not_before": c.not_before,
                "expires": c.not_after,
                "expired": c.expired(now),
                "not_yet_valid": c.not_before > now,
            }
            for c in document.certificates
        ],
        valid_until=document.valid_until,
        metadata_expired=document.valid_until is not None and now > document.valid_until,
        signs_requests=document.want_authn_requests_signed,
        name_id_formats=[format_name(f) for f in document.name_id_formats],
    )
    try:
        document.check_usable(now)
    except MetadataError as error:
        facts["problem"] = str(error)
    return facts


def _render_tab(form: SsoForm, status: int = 200) -> tuple[str, int]:
    base_url = system().base_url
    key = active_sp_key(db())
    sp_certificate = certificate_facts(key.certificate_pem)
    from sandbox.blogin.models import ROLES

    return (
        render_template(
            "settings/sso.html",
            form=form,
            idp=_idp_facts(),
            sp_entity_id=sp_entity_id(base_url),
            acs_url=acs_url(base_url),
            metadata_url=url_for("sso.metadata", _external=False),
            sp_certificate=sp_certificate,
            roles=ROLES,
            methods=METHOD_LABELS,
            signature_options=SIGNATURES_REQUIRED,
        ),
        status,
    )


@bp.get("/settings/sso")
@admin_required
def settings_tab() -> tuple[str, int]:
    return _render_tab(form_from(get_configuration(db())))


def _checkbox(name: str) -> bool:
    return request.form.get(name) in ("on", "true", "1")


@bp.post("/settings/sso")
@admin_required
def save() -> tuple[str, int] | Response:
    # The document sent back while an identity provider is chosen is a form field, as large as a metadata file.
    request.max_form_memory_size = 2 * MAX_XML_BYTES
    upload = request.files.get("metadata_file")
    form = SsoForm(
        enabled=_checkbox("enabled"),
        name=request.form.get("name", "").strip(),
        method=request.form.get("method", "metadata_url"),
        metadata_url=request.form.get("metadata_url", "").strip(),
        metadata_file=upload.read() if upload is not None and upload.filename else None,
        sso_url=request.form.get("sso_url", "").strip(),
        issuer=request.form.get("issuer", "").strip(),
        certificate=request.form.get("certificate", ""),
        default_role=request.form.get("default_role", "Reader"),
        jit_enabled=_checkbox("jit_enabled"),
        allowed_skew_s=request.form.get("allowed_skew_s", "60"),
        signatures_required=request.form.get("signatures_required", "assertion"),
        idp_initiated_allowed=_checkbox("idp_initiated_allowed"),
        entity_id=request.form.get("entity_id", "").strip(),
        metadata_document=request.form.get("metadata_document", ""),
    )
    user = current_user()
    if not save_settings(db(), form, user.user_name if user else ""):
        db().rollback()
        return _render_tab(form, 400)
    flash("Single sign-on settings saved.", "success")
    if form.notice:
        flash(form.notice, "info")
    return redirect(url_for("sso.settings_tab"))


@bp.post("/settings/sso/refetch")
@admin_required
def refetch() -> Response:
    user = current_user()
    error = refetch_metadata(db(), user.user_name if user else "")
    if error:
        flash(f"The metadata could not be fetched again: {error}", "error")
    else:
        flash("The identity provider metadata was fetched again and is now in use.", "success")
    return redirect(url_for("sso.settings_tab"))


@bp.post("/settings/sso/rotate-certificate")
@admin_required
def rotate_certificate() -> Response:
    user = current_user()
    key = rotate_sp_key(db(), user.user_name if user else "")
    flash(
        "A new service provider certificate is in use (SHA-256 "
        f"{certificate_facts(key.certificate_pem).fingerprint_sha256}). "
        "Download the metadata again and upload it to your identity provider.",
        "success",
    )
    return redirect(url_for("sso.settings_tab"))


@bp.get("/settings/sso/metadata.xml")
@admin_required
def download_metadata() -> Response:
    """Download Metadata as file (xml)."""
    return Response(
        sp_metadata(db(), system().base_url),
        mimetype="application/samlmetadata+xml",
        headers={"Content-Disposition": f'attachment; filename="{METADATA_FILENAME}"'},
    )


@bp.get("/sso/saml/metadata")
def metadata() -> Response:
    """The same SP metadata at a public URL, for identity providers that fetch it."""
    return Response(sp_metadata(db(), system().base_url), mimetype="application/samlmetadata+xml")


# -- sign-in -------------------------------------------------------------------------------------------


def _refused(rejection: SsoRejected, relay_state: str | None, status: int = 403) -> tuple[str, int]:
    """The rejection page; the trace and audit event are kept in their own transaction."""
    work().rollback()
    with system().database.transaction() as own:
        record_rejection(own, system(), rejection, relay_state=relay_state)
    log.info("SSO sign-in refused (%s): %s", rejection.check, rejection.reason)
    return render_template("sso/rejected.html", rejection=rejection), status


@bp.get("/sso/saml/login")
def login() -> Response | str | tuple[str, int]:
    """SP-initiated sign-in: send the browser to the identity provider with an AuthnRequest."""
    target = safe_next(request.args.get("next"), url_for("home.feed"))
    try:
        message = start_login(work(), system(), providers(), traces(), target)
    except SsoRejected as rejection:
        return render_template("sso/rejected.html", rejection=rejection), 409
    if message.binding == "HTTP-Redirect":
        return redirect(message.url)
    return _auto_post(message.url, message.form)


def _auto_post(url: str, fields: dict[str, str]) -> str:
    """The page that posts the AuthnRequest on to the identity provider.

    It shows none of the console's chrome (signed-in user, fault banner, flashes), so it is rendered
    without the console's context processors, which would look those up in the database for nothing.
    """
    return current_app.jinja_env.get_template("sso/post_form.html").render(url=url, fields=fields)


@bp.post("/sso/saml/callback")
def callback() -> Response | tuple[str, int]:
    """The assertion consumer service (HTTP-POST)."""
    saml_response = request.form.get("SAMLResponse", "")
    relay_state = request.form.get("RelayState") or None
    if not saml_response:
        return _refused(
            SsoRejected("SAMLResponse", "The request carries no SAMLResponse; post the identity provider's form."),
            relay_state,
            400,
        )
    try:
        signed_in = consume_response(
            work(), system(), providers(), traces(), saml_response, relay_state, request.remote_addr or ""
        )
    except SsoRejected as rejection:
        return _refused(rejection, relay_state)
    verified = signed_in.response
    sign_in(signed_in.user, "SSO")
    session["sso_profile"] = {
        "issuer": verified.issuer,
        "name_id": verified.name_id,
        "name_id_format": verified.name_id_format,
        "attributes": verified.attributes,
    }
    # A 303 makes the browser follow with a top-level GET, where the Lax session cookie is sent.
    return redirect(safe_next(signed_in.target, url_for("home.feed")), 303)
