"""USER MANAGEMENT › User Groups: list, create, rename, delete, membership, and the applications authorized."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from sandbox.jumpcloud.models import SsoApplication, SystemUser, UserGroup
from sandbox.jumpcloud.services import directory
from sandbox.jumpcloud.services.directory_search import GROUP_SORTS, list_groups, list_members, users_outside
from sandbox.jumpcloud.web.context import admin_initiator, admin_required
from sandbox.jumpcloud.web.listing import PER_PAGE, list_args
from sandbox.webcommon import db

bp = Blueprint("groups", __name__, url_prefix="/groups")


@bp.context_processor
def group_limits() -> dict[str, object]:
    """The longest group name and description, for the forms' ``maxlength``."""
    return {"group_limits": {"name": directory.GROUP_NAME_LIMIT, "description": directory.GROUP_DESCRIPTION_LIMIT}}


def _group_or_404(group_id: str) -> UserGroup:
    group = db().get(UserGroup, group_id)
    if group is None:
        abort(404, description="This user group does not exist (it may have been deleted).")
    return group


def _render_detail(
    group: UserGroup, errors: dict[str, str], values: dict[str, str], status: int = 200
) -> tuple[str, int]:
    find = request.args.get("find", "").strip()[:200]
    number = list_args((), "").page  # ?page= of the members, read leniently like every list's
    return (
        render_template(
            "groups/detail.html",
            group=group,
            errors=errors,
            values=values,
            find=find,
            members=list_members(db(), group, offset=(number - 1) * PER_PAGE, limit=PER_PAGE),
            candidates=users_outside(db(), group, find),
            applications=db().scalars(select(SsoApplication).order_by(SsoApplication.display_label)).all(),
            authorized=directory.authorized_application_ids(db(), group),
        ),
        status,
    )


@bp.get("")
@admin_required
def index() -> str:
    args = list_args(GROUP_SORTS, "name")
    page = list_groups(
        db(), search=args.search, sort=args.sort, descending=args.descending, offset=args.offset, limit=PER_PAGE
    )
    return render_template("groups/list.html", page=page, args=args)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create() -> Response | tuple[str, int]:
    values = {"name": request.form.get("name", ""), "description": request.form.get("description", "")}
    if request.method == "GET":
        return render_template("groups/new.html", values=values, errors={}), 200
    try:
        group = directory.create_group(
            db(), values["name"], description=values["description"], initiated_by=admin_initiator()
        )
    except directory.DirectoryError as error:
        return render_template("groups/new.html", values=values, errors=error.errors), 400
    flash(f"User group {group.name} was created. Add its members below.", "success")
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.route("/<group_id>", methods=["GET", "POST"])
@admin_required
def detail(group_id: str) -> Response | tuple[str, int]:
    group = _group_or_404(group_id)
    if request.method == "GET":
        return _render_detail(group, {}, {"name": group.name, "description": group.description})
    values = {"name": request.form.get("name", ""), "description": request.form.get("description", "")}
    try:
        changes = directory.update_group(
            db(), group, name=values["name"], description=values["description"], initiated_by=admin_initiator()
        )
    except directory.DirectoryError as error:
        return _render_detail(group, error.errors, values, 400)
    flash(f"User group {group.name} was saved." if changes else "Nothing to save: no field changed.", "success")
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.post("/<group_id>/members")
@admin_required
def add_members(group_id: str) -> Response:
    group = _group_or_404(group_id)
    added = []
    for user_id in request.form.getlist("user_id"):
        user = db().get(SystemUser, user_id)
        if user is not None and directory.add_member(db(), group, user, initiated_by=admin_initiator()):
            added.append(user.username)
    if added:
        flash(f"Added to {group.name}: {', '.join(added)}.", "success")
    else:
        flash("Tick the users to add to the group.", "error")
    return redirect(url_for("groups.detail", group_id=group.id) + "#members")


@bp.post("/<group_id>/members/<user_id>/remove")
@admin_required
def remove_member(group_id: str, user_id: str) -> Response:
    group = _group_or_404(group_id)
    user = db().get(SystemUser, user_id)
    if user is not None and directory.remove_member(db(), group, user, initiated_by=admin_initiator()):
        flash(f"{user.username} was removed from {group.name}.", "success")
    return redirect(url_for("groups.detail", group_id=group.id) + "#members")


@bp.post("/<group_id>/applications")
@admin_required
def applications(group_id: str) -> Response:
    """The group's **Applications**: tick the applications its members may use, then **save**."""
    group = _group_or_404(group_id)
    try:
        added, removed = directory.set_group_applications(
            db(), group, request.form.getlist("application_id"), initiated_by=admin_initiator()
        )
    except directory.DirectoryError as error:
        db().rollback()
        flash(" ".join(error.errors.values()), "error")
        return redirect(url_for("groups.detail", group_id=group.id) + "#applications")
    if added or removed:
        flash(
            f"Applications saved for {group.name}: {len(added)} authorized, {len(removed)} no longer authorized.",
            "success",
        )
    else:
        flash("No change to the applications of this group.", "info")
    return redirect(url_for("groups.detail", group_id=group.id) + "#applications")


@bp.route("/<group_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(group_id: str) -> Response | str:
    group = _group_or_404(group_id)
    if request.method == "GET":
        return render_template("groups/delete.html", group=group)
    name = group.name
    directory.delete_group(db(), group, initiated_by=admin_initiator())
    flash(f"User group {name} was deleted.", "success")
    return redirect(url_for("groups.index"))
