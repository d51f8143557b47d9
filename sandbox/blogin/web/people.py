"""The admin console's Users and Teams pages: who is in BlogIn, where they came from, their SCIM view."""

from __future__ import annotations

import json

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from sandbox.blogin.models import Team, User, team_members
from sandbox.blogin.scim import PREFIX
from sandbox.blogin.scim.groups import render_team
from sandbox.blogin.scim.users import render_user
from sandbox.blogin.web.context import admin_required, system
from sandbox.blogin.web.display import json_escaped_controls
from sandbox.webcommon import db

bp = Blueprint("people", __name__)

PAGE_SIZE = 50
USER_SORTS = {
    "name": User.user_name_key,
    "source": User.source,
    "active": User.active,
    "role": User.role,
    "changed": User.last_modified,
}


def _page() -> int:
    # isdecimal, not isdigit: '²' is a digit int() refuses; a page number past 9 digits is past the last page.
    raw = request.args.get("page", "1")
    return max(1, int(raw)) if raw.isdecimal() and len(raw) < 10 else 1


def _search_text() -> str:
    """The search box's text; a NUL character cannot be searched for (PostgreSQL refuses it in a statement)."""
    return request.args.get("q", "").replace("\x00", "").strip()[:200]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@bp.get("/users")
@admin_required
def users() -> str:
    q = _search_text()
    sort = request.args.get("sort", "name")
    sort = sort if sort in USER_SORTS else "name"
    descending = request.args.get("order") == "desc"
    source = request.args.get("source", "")
    condition = []
    if q:
        pattern = _like(q)
        condition.append(
            or_(
                User.user_name_key.like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
                User.given_name.like(pattern, escape="\\"),
                User.family_name.like(pattern, escape="\\"),
                User.display_name.like(pattern, escape="\\"),
            )
        )
    if source in ("manual", "SCIM", "JIT", "import"):
        condition.append(User.source == source)
    column = USER_SORTS[sort]
    order = [column.desc() if descending else column.asc(), User.user_name_key]
    session = db()
    total = session.scalar(select(func.count()).select_from(User).where(*condition)) or 0
    page = min(_page(), max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE))
    rows = session.scalars(
        select(User)
        .options(selectinload(User.teams))
        .where(*condition)
        .order_by(*order)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return render_template(
        "people/users.html",
        users=rows,
        total=total,
        page=page,
        pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
        q=q,
        sort=sort,
        descending=descending,
        source=source,
    )


@bp.get("/users/<user_id>")
@admin_required
def user(user_id: str) -> str:
    session = db()
    found = session.get(User, user_id) if "\x00" not in user_id else None
    if found is None:
        abort(404, "There is no such user in BlogIn. They may have been deleted.")
    representation = render_user(session, found, f"{system().base_url}{PREFIX}")
    return render_template(
        "people/user.html",
        user=found,
        scim_json=json_escaped_controls(json.dumps(representation, indent=2, ensure_ascii=False)),
    )


@bp.get("/teams")
@admin_required
def teams() -> str:
    session = db()
    q = _search_text()
    condition = [Team.display_name_key.like(_like(q.lower()), escape="\\")] if q else []
    counts = select(team_members.c.team_id, func.count().label("members")).group_by(team_members.c.team_id).subquery()
    rows = session.execute(
        select(Team, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.team_id == Team.id)
        .where(*condition)
        .order_by(Team.display_name_key)
    ).all()
    return render_template("people/teams.html", teams=rows, q=q)


@bp.get("/teams/<team_id>")
@admin_required
def team(team_id: str) -> str:
    session = db()
    found = session.get(Team, team_id) if "\x00" not in team_id else None
    if found is None:
        abort(404, "There is no such team in BlogIn. It may have been deleted.")
    representation = render_team(session, found, f"{system().base_url}{PREFIX}")
    return render_template(
        "people/team.html",
        team=found,
        scim_json=json_escaped_controls(json.dumps(representation, indent=2, ensure_ascii=False)),
    )
