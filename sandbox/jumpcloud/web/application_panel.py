"""An application's panel: the **SSO** and **User Groups** tabs (Identity Management has its own blueprint)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import SsoApplication, UserGroup, group_members
from sandbox.jumpcloud.services import applications as service
from sandbox.jumpcloud.services import sso
from sandbox.jumpcloud.web.applications import application_or_404
from sandbox.jumpcloud.web.context import admin_initiator, admin_required, system
from sandbox.jumpcloud.web.sso_form import read_sso_form
from sandbox.saml.keys import certificate_facts
from sandbox.saml.sp_metadata import SpMetadataError, parse_sp_metadata
from sandbox.webcommon import db

bp = Blueprint("application_panel", __name__)

MAX_METADATA_BYTES = 1024 * 1024


def _sso_page(
    application: SsoApplication,
    errors: dict[str, str] | None = None,
    form: Any = None,
    typed: dict[str, Any] | None = None,
) -> str:
    """The SSO tab; after a refused **save**, ``form`` and the ``typed`` settings fill it again."""
    base_url = system().base_url
    config = {**(application.sso_config or {}), **(typed or {})}
    return render_template(
        "applications/sso.html",
        application=application,
        config=config,
        cases={**sso.edge_cases(application), **config.get("edgeCases", {})},
        errors=errors or {},
        form=form,
        served_sso_url=sso.served_sso_url(application, base_url),
        metadata_url=sso.metadata_url(application, base_url),
        certificate=certificate_facts(application.idp_certificate_pem),
        sp_certificate=_facts_or_none(application),
        user_attributes=sso.USER_ATTRIBUTES,
        tab="sso",
    )


def _facts_or_none(application: SsoApplication) -> Any:
    pem = (application.sso_config or {}).get("spCertificate")
    return certificate_facts(pem) if pem else None


@bp.get("/applications/<application_id>")
@admin_required
def panel(application_id: str) -> Response:
    return redirect(url_for("application_panel.sso_tab", application_id=application_or_404(application_id).id))


@bp.route("/applications/<application_id>/sso", methods=["GET", "POST"])
@admin_required
def sso_tab(application_id: str) -> str | Response | tuple[str, int]:
    """The **SSO** tab (the **Bookmark** tab for bookmark applications) and its **save**."""
    application = application_or_404(application_id)
    if request.method == "GET":
        return _sso_page(application)
    form = request.form
    # Both halves are read before anything is saved, so a refused save names every mistake at once.
    config, errors = read_sso_form(form, application.sso_config or {}) if not application.is_bookmark else ({}, {})
    try:
        service.update_general(
            db(),
            application,
            display_label=form.get("display_label", ""),
            description=form.get("description", ""),
            show_in_portal=form.get("show_in_portal") == "on",
            bookmark_url=form.get("bookmark_url"),
            initiated_by=admin_initiator(),
        )
    except service.ApplicationError as error:
        errors = {**errors, **error.errors}
    if errors:
        db().rollback()
        return _sso_page(application, errors, form, config), 400
    if not application.is_bookmark:
        service.update_sso_config(db(), application, config, initiated_by=admin_initiator())
    flash(f"{application.display_label} saved.", "success")
    return redirect(url_for("application_panel.sso_tab", application_id=application.id))


@bp.post("/applications/<application_id>/sso/metadata")
@admin_required
def upload_metadata(application_id: str) -> str | Response | tuple[str, int]:
    """**Upload Metadata**: the SP's metadata fills SP Entity ID, ACS URL(s) and SP certificate."""
    application = application_or_404(application_id)
    upload = request.files.get("metadata")
    data = upload.read(MAX_METADATA_BYTES + 1) if upload is not None and upload.filename else b""
    try:
        if not data:
            raise SpMetadataError("Choose the SP metadata file (XML) to upload.")
        if len(data) > MAX_METADATA_BYTES:
            raise SpMetadataError("The file is larger than 1 MB; SP metadata is a few kilobytes.")
        metadata = parse_sp_metadata(data)
    except SpMetadataError as error:
        return _sso_page(application, {"metadata": f"The metadata was not uploaded. {error}"}), 400
    changes: dict[str, object] = {"spEntityId": metadata.entity_id, "acsUrls": list(metadata.acs_urls)}
    # How the SP numbers its ACS URLs, for requests that name one by AssertionConsumerServiceIndex.
    changes["acsIndexes"] = {str(index): url for index, url in reversed(metadata.acs_indexes)}
    if metadata.certificate_pem:
        changes["spCertificate"] = metadata.certificate_pem
    service.update_sso_config(db(), application, changes, initiated_by=admin_initiator())
    flash(
        f"Metadata uploaded: SP Entity ID {metadata.entity_id}, {len(metadata.acs_urls)} ACS URL"
        f"{'s' if len(metadata.acs_urls) != 1 else ''}"
        f"{', SP certificate' if metadata.certificate_pem else ''}. Click save to keep your other changes too.",
        "success",
    )
    return redirect(url_for("application_panel.sso_tab", application_id=application.id))


@bp.get("/applications/<application_id>/certificate")
@admin_required
def certificate(application_id: str) -> Response:
    """Download the application's IdP certificate."""
    application = application_or_404(application_id)
    response = current_app.response_class(application.idp_certificate_pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = f'attachment; filename="JumpCloud-{application.name}-certificate.pem"'
    return response


@bp.post("/applications/<application_id>/activation")
@admin_required
def activation(application_id: str) -> Response:
    """**Deactivate SSO** / **Deactivate Bookmark** (and activating again)."""
    application = application_or_404(application_id)
    active = request.form.get("active") == "true"
    service.set_sso_active(db(), application, active, initiated_by=admin_initiator())
    kind = "Bookmark" if application.is_bookmark else "SSO"
    state = "activated" if active else "deactivated"
    flash(f"{kind} for {application.display_label} {state}.", "success")
    return redirect(url_for("application_panel.sso_tab", application_id=application.id))


@bp.route("/applications/<application_id>/groups", methods=["GET", "POST"])
@admin_required
def groups_tab(application_id: str) -> str | Response | tuple[str, int]:
    """The **User Groups** tab: tick the groups authorized for the application."""
    application = application_or_404(application_id)
    groups = db().scalars(select(UserGroup).order_by(UserGroup.name)).all()
    if request.method == "POST":
        try:
            added, removed = service.set_authorized_groups(
                db(), application, request.form.getlist("group_id"), initiated_by=admin_initiator()
            )
        except service.ApplicationError as error:
            db().rollback()
            flash(" ".join(error.errors.values()), "error")
            return redirect(url_for("application_panel.groups_tab", application_id=application.id))
        if added or removed:
            flash(
                f"User groups saved: {len(added)} authorized, {len(removed)} no longer authorized.",
                "success",
            )
        else:
            flash("No change to the authorized user groups.", "info")
        return redirect(url_for("application_panel.groups_tab", application_id=application.id))
    authorized = {group.id for group in application.groups}
    # One counting query for the whole list, rather than loading every group's members.
    rows = db().execute(select(group_members.c.group_id, func.count()).group_by(group_members.c.group_id))
    counts = {str(group_id): int(count) for group_id, count in rows}
    return render_template(
        "applications/groups.html",
        application=application,
        groups=groups,
        authorized=authorized,
        member_counts=counts,
        tab="groups",
    )
