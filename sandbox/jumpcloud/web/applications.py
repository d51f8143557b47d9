"""USER AUTHENTICATION › SSO Applications: the Configured Applications list, the catalog, creation, deletion."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import SsoApplication, application_groups
from sandbox.jumpcloud.services import applications as service
from sandbox.jumpcloud.services.catalog import catalog_entry, search_catalog
from sandbox.jumpcloud.services.directory_search import like_pattern
from sandbox.jumpcloud.services.portal_images import IMAGE_HEADERS
from sandbox.jumpcloud.web.context import admin_initiator, admin_required
from sandbox.webcommon import db

bp = Blueprint("applications", __name__)


def application_or_404(application_id: str) -> SsoApplication:
    application = db().get(SsoApplication, application_id)
    if application is None:
        abort(404, description="This application does not exist (any more).")
    return application


def logo_url(application: SsoApplication) -> str:
    entry = catalog_entry(application.catalog_key)
    return url_for("static", filename=f"apps/{entry.logo if entry else 'custom-saml.svg'}")


@bp.app_context_processor
def application_helpers() -> dict[str, object]:
    return {"edge_cases_on": service.edge_cases_on, "catalog_entry": catalog_entry}


@bp.get("/applications")
@admin_required
def configured() -> str:
    """The Configured Applications list, with search."""
    text = request.args.get("q", "").strip()[:200]
    query = select(SsoApplication).order_by(SsoApplication.display_label)
    if text:
        # "%" and "_" are searched as typed, not as wildcards.
        pattern = like_pattern(text)
        query = query.where(
            or_(
                SsoApplication.display_label.like(pattern, escape="\\"),
                SsoApplication.name.like(pattern, escape="\\"),
            )
        )
    applications = db().scalars(query).all()
    # One counting query for the list, rather than loading each application's groups.
    rows = db().execute(
        select(application_groups.c.application_id, func.count()).group_by(application_groups.c.application_id)
    )
    return render_template(
        "applications/list.html",
        applications=applications,
        group_counts={str(application_id): int(count) for application_id, count in rows},
        q=text,
        selected=set(request.args.getlist("selected")),
        reopen_delete=request.args.get("confirm") == "1",
    )


@bp.route("/applications/delete", methods=["GET", "POST"])
@admin_required
def delete() -> Response | tuple[str, int]:
    """**Delete** → enter the number of applications → **Delete Application**."""
    if request.method == "GET":
        # Deleting starts from the ticked rows of the list (a reload after deleting lands here).
        return redirect(url_for("applications.configured"))
    ids = request.form.getlist("application_id")
    try:
        labels = service.delete_applications(db(), ids, request.form.get("count", ""), initiated_by=admin_initiator())
    except service.ApplicationError as error:
        db().rollback()
        flash(" ".join(error.errors.values()), "error")
        if "count" in error.errors:
            # The same rows stay ticked and the dialog opens again, for the number to be corrected.
            return redirect(url_for("applications.configured", selected=ids, confirm=1))
        return redirect(url_for("applications.configured"))
    if len(labels) == 1:
        flash(f"The application {labels[0]} was deleted.", "success")
    else:
        flash(f"{len(labels)} applications were deleted: {', '.join(labels)}.", "success")
    return redirect(url_for("applications.configured"))


@bp.get("/applications/new")
@admin_required
def catalog() -> str:
    """**+ Add New Application**: the catalog with its Search field."""
    text = request.args.get("q", "")
    return render_template(
        "applications/catalog.html", entries=search_catalog(text), q=text, selected=request.args.get("selected", "")
    )


@bp.route("/applications/new/<key>", methods=["GET", "POST"])
@admin_required
def new(key: str) -> str | Response | tuple[str, int]:
    """After **Next**: Display Label, Description, User Portal Image, Advanced Settings → **Save Application**."""
    entry = catalog_entry(key)
    if entry is None:
        abort(404, description="There is no such application in the catalog.")
    if request.method == "GET":
        return render_template("applications/new.html", entry=entry, values={}, errors={})
    form = request.form
    upload = request.files.get("image")
    image = upload.read() if upload is not None and upload.filename else None
    values = service.NewApplication(
        display_label=form.get("display_label", ""),
        description=form.get("description", ""),
        show_in_portal=form.get("show_in_portal") == "on",
        bookmark_url=form.get("bookmark_url", ""),
        application_name=form.get("application_name", ""),
        image=image,
        image_filename=upload.filename or "" if upload is not None else "",
    )
    try:
        application = service.create_application(db(), entry, values, initiated_by=admin_initiator())
    except service.ApplicationError as error:
        return render_template("applications/new.html", entry=entry, values=form, errors=error.errors), 400
    return redirect(url_for("applications.created", application_id=application.id))


@bp.get("/applications/<application_id>/created")
@admin_required
def created(application_id: str) -> str:
    """Saved: **Configure Application** or **Close**."""
    return render_template("applications/created.html", application=application_or_404(application_id))


@bp.get("/applications/<application_id>/image")
def image(application_id: str) -> Response:
    """The User Portal Image (the uploaded one, or the catalog logo). Public: the User Console shows it."""
    application = application_or_404(application_id)
    if application.portal_image and application.portal_image_type:
        response = current_app.response_class(application.portal_image, mimetype=application.portal_image_type)
        response.headers.update(IMAGE_HEADERS)
        return response
    return redirect(logo_url(application))
