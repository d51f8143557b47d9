"""Searching, sorting and paging the directory's users and groups (portal lists and the REST API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from sandbox.jumpcloud.models import SystemUser, UserGroup, group_members

T = TypeVar("T")

USER_SORTS: dict[str, tuple[Any, ...]] = {
    "username": (SystemUser.username,),
    "email": (SystemUser.email,),
    "name": (SystemUser.lastname, SystemUser.firstname, SystemUser.username),
    "state": (SystemUser.state, SystemUser.username),
    "created": (SystemUser.created, SystemUser.username),
}
GROUP_SORTS = ("name", "members", "created")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: the items, the total that matched, and where the page starts."""

    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def number(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


def like_pattern(text: str) -> str:
    """A ``LIKE`` pattern matching ``text`` anywhere, with its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def user_search(text: str) -> ColumnElement[bool]:
    """Users whose username, email or names contain ``text`` (case-insensitive)."""
    pattern = like_pattern(text)
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (
                SystemUser.username,
                SystemUser.email,
                SystemUser.firstname,
                SystemUser.lastname,
                SystemUser.displayname,
            )
        )
    )


def _page(session: Session, query: Select[*tuple[Any, ...]], offset: int, limit: int) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(session.execute(query.offset(offset).limit(limit)).all())
    return rows, total


def list_users(
    session: Session,
    *,
    search: str = "",
    sort: str = "username",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
    where: list[ColumnElement[bool]] | None = None,
) -> Page[SystemUser]:
    """Users matching ``search`` (and ``where``), sorted by one of :data:`USER_SORTS`."""
    query = select(SystemUser)
    if search.strip():
        query = query.where(user_search(search.strip()))
    for condition in where or []:
        query = query.where(condition)
    columns = USER_SORTS.get(sort, USER_SORTS["username"])
    query = query.order_by(*(column.desc() if descending else column.asc() for column in columns), SystemUser.id)
    rows, total = _page(session, query, max(0, offset), max(1, limit))
    return Page([row[0] for row in rows], total, max(0, offset), max(1, limit))


@dataclass(frozen=True)
class GroupRow:
    """A user group with its member count, for lists."""

    group: UserGroup
    member_count: int


def list_groups(
    session: Session,
    *,
    search: str = "",
    sort: str = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
    where: list[ColumnElement[bool]] | None = None,
) -> Page[GroupRow]:
    """User groups matching ``search``, with member counts, sorted by name, member count or creation."""
    counts = select(group_members.c.group_id, func.count().label("n")).group_by(group_members.c.group_id).subquery()
    member_count = func.coalesce(counts.c.n, 0)
    query = select(UserGroup, member_count).outerjoin(counts, counts.c.group_id == UserGroup.id)
    if search.strip():
        query = query.where(UserGroup.name.ilike(like_pattern(search.strip()), escape="\\"))
    for condition in where or []:
        query = query.where(condition)
    key: Any = {"members": member_count, "created": UserGroup.created}.get(sort, UserGroup.name)
    query = query.order_by(key.desc() if descending else key.asc(), UserGroup.name)
    rows, total = _page(session, query, max(0, offset), max(1, limit))
    return Page([GroupRow(row[0], int(row[1])) for row in rows], total, max(0, offset), max(1, limit))


def list_members(session: Session, group: UserGroup, *, offset: int = 0, limit: int = 25) -> Page[SystemUser]:
    """One page of ``group``'s members, by username."""
    member_ids = select(group_members.c.user_id).where(group_members.c.group_id == group.id)
    return list_users(session, sort="username", offset=offset, limit=limit, where=[SystemUser.id.in_(member_ids)])


def users_outside(session: Session, group: UserGroup, search: str, limit: int = 20) -> Page[SystemUser]:
    """Users not yet in ``group`` matching ``search``: the membership picker's first choices and how many match."""
    members = select(group_members.c.user_id).where(group_members.c.group_id == group.id)
    query = select(SystemUser).where(SystemUser.id.not_in(members))
    if search.strip():
        query = query.where(user_search(search.strip()))
    rows, total = _page(session, query.order_by(SystemUser.username), 0, limit)
    return Page([row[0] for row in rows], total, 0, limit)


def groups_outside(session: Session, user: SystemUser) -> list[UserGroup]:
    """Groups ``user`` is not a member of (for the user's page)."""
    joined = select(group_members.c.group_id).where(group_members.c.user_id == user.id)
    return list(session.scalars(select(UserGroup).where(UserGroup.id.not_in(joined)).order_by(UserGroup.name)))
