"""An application's **Identity Management** tab: Configure, Activate, save, sync status, manual import,
and the **Deactivate IdM connection** link under the application's name."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import IdentityManagement, ProvisioningOutbox, SsoApplication, SystemUser, UserGroup
from sandbox.jumpcloud.models.provisioning import ACTIVE
from sandbox.jumpcloud.services.provisioning import connection, importing, outbox
from sandbox.jumpcloud.services.provisioning.connection import TESTED, IdentityManagementError
from sandbox.jumpcloud.services.provisioning.import_job import followed_redirects, list_application_users
from sandbox.jumpcloud.services.user_input import show_hidden_characters
from sandbox.jumpcloud.web.applications import application_or_404
from sandbox.jumpcloud.web.context import admin_initiator, admin_required, current_admin, system
from sandbox.scim.client import ScimRequestError
from sandbox.webcommon import db

log = logging.getLogger("sandbox.jumpcloud.web.identity_management")

bp = Blueprint("identity_management", __name__)

MAX_SEQ = 2**63


@bp.app_context_processor
def idm_helpers() -> dict[str, object]:
    return {"idm_status": _status_of, "visible": show_hidden_characters}


def _status_of(application_id: str) -> IdentityManagement | None:
    return db().get(IdentityManagement, application_id)


def _page(application: SsoApplication, *, form: dict[str, Any] | None = None, code: int = 200, **extra: Any) -> Any:
    session = db()
    idm = connection.identity_management(session, application)
    shown = form or {"base_url": idm.base_url, "group_management": idm.group_management}
    failures = outbox.failures(session, application.id)
    return (
        render_template(
            "identity_management/tab.html",
            application=application,
            idm=idm,
            form=shown,
            pending=outbox.pending_count(session, application.id),
            failures=failures,
            names=_names(failures),
            failure_count=outbox.failure_count(session, application.id),
            tab="idm",
            **extra,
        ),
        code,
    )


@bp.get("/applications/<application_id>/identity-management")
@admin_required
def tab(application_id: str) -> Any:
    return _page(application_or_404(application_id))


@bp.post("/applications/<application_id>/identity-management/activate")
@admin_required
def activate(application_id: str) -> Any:
    """**Activate**: test the connection the way JumpCloud does; on success, **save** turns it on."""
    application = application_or_404(application_id)
    session = db()
    idm = connection.identity_management(session, application)
    base_url = request.form.get("base_url", "").strip()
    token_key = request.form.get("token_key", "").strip()
    group_management = request.form.get("group_management") == "on"
    form = {"base_url": base_url, "group_management": group_management}
    g.commit_on_error = True  # the failed attempt's DI event is kept
    if idm.status == ACTIVE:
        if base_url != idm.base_url or token_key:
            try:
                connection.refuse_credentials_change(session, application, idm, admin_initiator())
            except IdentityManagementError as error:
                return _page(application, form=form, code=409, error=str(error))
        return _page(application, error="The integration is already active.", code=409)
    try:
        base_url = connection.validate_base_url(base_url)
        if not token_key:
            raise IdentityManagementError("Paste the Token Key (the application's Secret (Bearer) token).")
    except IdentityManagementError as error:
        return _page(application, form=form, code=400, error=str(error))
    test = connection.test_connection(base_url, token_key, timeout=10.0)
    connection.record_test(session, system().traces, application, test, admin_initiator())
    if not test.ok:
        log.info("activation of %s failed: %s", application.name, test.message)
        return _page(application, form=form, code=400, error=test.message, steps=test.steps)
    connection.mark_tested(idm, base_url, token_key, group_management)
    return _page(application, form=form, success=f"{test.message} Click save to finish.", steps=test.steps)


@bp.post("/applications/<application_id>/identity-management/save")
@admin_required
def save(application_id: str) -> Any:
    """**save**: turn a tested integration on, or change group management on an active one."""
    application = application_or_404(application_id)
    session = db()
    idm = connection.identity_management(session, application)
    group_management = request.form.get("group_management") == "on"
    try:
        message = connection.save(
            session, application, idm, group_management=group_management, initiator=admin_initiator()
        )
    except IdentityManagementError as error:
        return _page(application, code=400, error=str(error))
    flash(message, "success")
    return redirect(url_for("identity_management.tab", application_id=application.id))


@bp.route("/applications/<application_id>/identity-management/deactivate", methods=["GET", "POST"])
@admin_required
def deactivate(application_id: str) -> Any:
    """**Deactivate IdM connection** → **confirm**."""
    application = application_or_404(application_id)
    session = db()
    idm = connection.identity_management(session, application)
    if request.method == "GET":
        return render_template("identity_management/deactivate.html", application=application, idm=idm, tab="idm")
    try:
        connection.deactivate(session, application, idm, admin_initiator())
    except IdentityManagementError as error:
        flash(str(error), "error")
        return redirect(url_for("identity_management.tab", application_id=application.id))
    flash(f"The IdM connection of {application.display_label} was deactivated.", "success")
    return redirect(url_for("identity_management.tab", application_id=application.id))


@bp.post("/applications/<application_id>/identity-management/retry")
@admin_required
def retry(application_id: str) -> Response:
    """**Retry now** for one failed operation, or for all of them."""
    application = application_or_404(application_id)
    seq = request.form.get("seq", type=int)
    # A number no operation can have (past SQLite's integers) retries nothing instead of failing.
    count = outbox.retry_failed(db(), application.id, seq) if seq is None or 0 < seq < MAX_SEQ else 0
    flash(f"{count} operation{'s' if count != 1 else ''} queued again." if count else "Nothing to retry.", "success")
    return redirect(url_for("identity_management.tab", application_id=application.id))


@bp.get("/applications/<application_id>/identity-management/import")
@admin_required
def manual_import(application_id: str) -> Any:
    """**manual import**: the application's users, each **New**, **Imported** or **Not importable** (a value
    the directory refuses, with the reason)."""
    application = application_or_404(application_id)
    session = db()
    idm = connection.identity_management(session, application)
    new_only = request.args.get("new_only") == "1"
    if not _connected(idm):
        return _page(application, code=409, error="Activate the Identity Management integration before importing.")
    exchanges: list[dict[str, Any]] = []
    try:
        listing = list_application_users(idm, exchanges)
    except ScimRequestError as error:
        return _page(application, code=502, error=f"The application's users could not be listed: {error}")
    finally:
        g.commit_on_error = True
        _record_listing(application, exchanges)
    listed = importing.candidates(session, listing.users, new_first=new_only)
    return render_template(
        "identity_management/import.html",
        application=application,
        candidates=listed,
        new_count=sum(1 for c in listed if c.is_new),
        refused_count=sum(1 for c in listed if not c.is_importable),
        reported_total=listing.reported_total,
        listed_count=len(listing.users),
        unreached=listing.unreached,
        new_only=new_only,
        threshold=importing.BACKGROUND_THRESHOLD,
        tab="idm",
    )


@bp.post("/applications/<application_id>/identity-management/import")
@admin_required
def run_import(application_id: str) -> Any:
    """**import**: under 100 users the results show now; 100 or more arrive by e-mail (Mailbox)."""
    application = application_or_404(application_id)
    session = db()
    idm = connection.identity_management(session, application)
    selected = list(dict.fromkeys(request.form.getlist("scim_id")))
    if not selected:
        flash("Select the users to import.", "error")
        return redirect(url_for("identity_management.manual_import", application_id=application.id))
    if not _connected(idm):
        return _page(application, code=409, error="Activate the Identity Management integration before importing.")
    if len(selected) >= importing.BACKGROUND_THRESHOLD:
        system().provisioning.start_import(application.id, selected, admin_initiator(), _admin_email())
        flash(
            f"Importing {len(selected)} users in the background. You will receive an e-mail in the Mailbox "
            "when the import is complete.",
            "success",
        )
        return redirect(url_for("identity_management.tab", application_id=application.id))
    try:
        listed = list_application_users(idm).users
    except ScimRequestError as error:
        return _page(application, code=502, error=f"The application's users could not be listed: {error}")
    result = importing.import_selected(session, listed, selected, admin_initiator())
    return render_template("identity_management/import_result.html", application=application, result=result, tab="idm")


def _names(failures: list[ProvisioningOutbox]) -> dict[str, str]:
    """Who each failed operation was about, by JumpCloud id (deleted ones by what was queued)."""
    user_ids = {f.resource_id for f in failures if f.resource_type == "user"}
    group_ids = {f.resource_id for f in failures if f.resource_type == "group"}
    names = {f.resource_id: str(f.payload.get("username") or f.payload.get("name") or "") for f in failures}
    if user_ids:
        rows = db().execute(select(SystemUser.id, SystemUser.username).where(SystemUser.id.in_(user_ids)))
        names.update({user_id: username for user_id, username in rows})
    if group_ids:
        rows = db().execute(select(UserGroup.id, UserGroup.name).where(UserGroup.id.in_(group_ids)))
        names.update({group_id: name for group_id, name in rows})
    return names


def _connected(idm: IdentityManagement) -> bool:
    return idm.status in (ACTIVE, TESTED) and bool(idm.base_url and idm.token_key)


def _record_listing(application: SsoApplication, exchanges: list[dict[str, Any]]) -> None:
    # A redirect on the Base URL's own server that the client followed is not a failure; one it refused is.
    followed = followed_redirects(exchanges)
    for index, exchange in enumerate(exchanges):
        status = exchange.get("status")
        summary = f"{exchange['method']} {exchange['path']} → {status if status is not None else exchange['error']}"
        ok = status is not None and (200 <= int(status) < 300 or index in followed)
        system().traces.record(db(), "scim", f"manual import: {summary}", exchange, success=ok)


def _admin_email() -> str:
    admin = current_admin()
    return admin.email if admin else "admin@example.com"
