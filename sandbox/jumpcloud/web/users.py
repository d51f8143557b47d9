"""USER MANAGEMENT › Users: list, create, edit, delete, and the user's groups."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import SystemUser, UserGroup
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.directory_search import USER_SORTS, groups_outside, list_users
from sandbox.jumpcloud.web.context import admin_initiator, admin_required
from sandbox.jumpcloud.web.listing import PER_PAGE, list_args
from sandbox.webcommon import db

bp = Blueprint("users", __name__, url_prefix="/users")
log = logging.getLogger("sandbox.jumpcloud.users")

FORM_FIELDS = tuple(directory.USER_FIELDS)


def _user_or_404(user_id: str) -> SystemUser:
    user = db().get(SystemUser, user_id)
    if user is None:
        abort(404, description="This user does not exist (it may have been deleted).")
    return user


def _form_values() -> dict[str, str]:
    # Only what the form sent: a field left out is left unchanged.
    return {field: request.form[field] for field in FORM_FIELDS if field in request.form}


def _render_form(
    user: SystemUser | None, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> tuple[str, int]:
    return (
        render_template(
            "users/form.html",
            user=user,
            values=values,
            errors=errors,
            timezones=directory.timezone_names(),
            limits=directory.FIELD_LIMITS,
            other_groups=groups_outside(db(), user) if user is not None else [],
        ),
        status,
    )


@bp.get("")
@admin_required
def index() -> str:
    args = list_args(tuple(USER_SORTS), "username")
    page = list_users(
        db(), search=args.search, sort=args.sort, descending=args.descending, offset=args.offset, limit=PER_PAGE
    )
    return render_template("users/list.html", page=page, args=args)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _render_form(None, {"state": "ACTIVATED", "timezone": ""}, {})
    values = _form_values()
    try:
        user = directory.create_user(
            db(), values, initiated_by=admin_initiator(), password=request.form.get("password") or None
        )
    except directory.DirectoryError as error:
        return _render_form(None, values, error.errors, 400)
    log.info("user %s created", user.username)
    flash(f"User {user.username} was created.", "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: str) -> Response | tuple[str, int]:
    user = _user_or_404(user_id)
    if request.method == "GET":
        values = {field: getattr(user, attribute) for field, attribute in directory.USER_FIELDS.items()}
        return _render_form(user, values, {})
    values = _form_values()
    try:
        changes = directory.update_user(
            db(), user, values, initiated_by=admin_initiator(), password=request.form.get("password") or None
        )
    except directory.DirectoryError as error:
        return _render_form(user, values, error.errors, 400)
    flash(f"User {user.username} was saved." if changes else "Nothing to save: no field changed.", "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<user_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(user_id: str) -> Response | str:
    user = _user_or_404(user_id)
    if request.method == "GET":
        return render_template("users/delete.html", user=user)
    username = user.username
    directory.delete_user(db(), user, initiated_by=admin_initiator())
    flash(f"User {username} was deleted.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<user_id>/groups")
@admin_required
def add_to_group(user_id: str) -> Response:
    user = _user_or_404(user_id)
    group = db().get(UserGroup, request.form.get("group_id", ""))
    if group is None:
        flash("Choose a user group to add the user to.", "error")
    elif directory.add_member(db(), group, user, initiated_by=admin_initiator()):
        flash(f"{user.username} was added to {group.name}.", "success")
    return redirect(url_for("users.edit", user_id=user.id) + "#groups")


@bp.post("/<user_id>/groups/<group_id>/remove")
@admin_required
def remove_from_group(user_id: str, group_id: str) -> Response:
    user = _user_or_404(user_id)
    group = db().get(UserGroup, group_id)
    if group is not None and directory.remove_member(db(), group, user, initiated_by=admin_initiator()):
        flash(f"{user.username} was removed from {group.name}.", "success")
    return redirect(url_for("users.edit", user_id=user.id) + "#groups")
