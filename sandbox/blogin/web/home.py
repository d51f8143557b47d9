"""The signed-in home: the blog feed and the user's profile."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from sandbox.blogin.models import Post
from sandbox.blogin.web.context import current_user, signin_required
from sandbox.direct_sql import DirectSelect
from sandbox.webcommon import work

bp = Blueprint("home", __name__)

# The feed shows posts, never changes them: their columns, newest first, without ORM objects.
_LATEST_POSTS = DirectSelect(
    select(Post.id, Post.title, Post.body, Post.author, Post.category, Post.published)
    .order_by(Post.published.desc())
    .limit(50)
)


@bp.get("/")
@signin_required
def feed() -> str:
    return render_template("home/feed.html", posts=_LATEST_POSTS.all(work()))


@bp.get("/profile")
@signin_required
def profile() -> str:
    from flask import session

    return render_template("home/profile.html", user=current_user(), sso=session.get("sso_profile"))
