"""BlogIn users and teams (SCIM Users and Groups; SSO/JIT users are the same records)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Column, Connection, ForeignKey, Index, String, Table, func, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.blogin.models.base import Base, new_resource_id, utc_now
from sandbox.blogin.models.user_name_search import add_user_name_search, attach_user_name_search

# BlogIn's user roles; Reviewer exists only with content approval on.
ADMINISTRATOR = "Administrator"
ROLES = ("Reader", "Commenter", "Writer", "Reviewer", ADMINISTRATOR)

# Where a user came from, as the Users page shows it.
SOURCES = ("manual", "SCIM", "JIT", "import")

team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def full_name(formatted: str, given: str, family: str, display: str, user_name: str) -> str:
    """The name the console shows for a person: the formatted name, else given and family names, else the
    display name, else the userName."""
    return formatted or " ".join(p for p in (given, family) if p) or display or user_name


class User(Base):
    __tablename__ = "users"
    # Sign-in by email (SSO/JIT) and linking a SCIM create to a JIT account compare lower-cased emails.
    __table_args__ = (Index("ix_users_email_key", func.lower(Column("email"))),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_resource_id)
    user_name: Mapped[str] = mapped_column(String(256))
    # userName is unique regardless of case (RFC 7643 caseExact false); lookups use this index.
    user_name_key: Mapped[str] = mapped_column(String(256), unique=True)
    email: Mapped[str] = mapped_column(String(320), default="", index=True)
    given_name: Mapped[str] = mapped_column(String(256), default="")
    family_name: Mapped[str] = mapped_column(String(256), default="")
    formatted_name: Mapped[str] = mapped_column(String(512), default="")
    display_name: Mapped[str] = mapped_column(String(512), default="")
    title: Mapped[str] = mapped_column(String(256), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(default=True)
    role: Mapped[str] = mapped_column(String(32), default="Reader")
    source: Mapped[str] = mapped_column(String(16), default="manual")
    # "JIT" when a SCIM create took over an account SSO/JIT had made (the Users page says so).
    linked_from: Mapped[str | None] = mapped_column(String(16), default=None)
    external_id: Mapped[str | None] = mapped_column(String(256), default=None, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(256), default=None)
    # The full multi-valued SCIM attributes as last written (emails, phoneNumbers, ...).
    scim_extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(default=utc_now)
    last_modified: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    version: Mapped[int] = mapped_column(default=1)

    teams: Mapped[list[Team]] = relationship(
        secondary=team_members, back_populates="members", order_by="Team.display_name"
    )

    @property
    def full_name(self) -> str:
        return full_name(self.formatted_name, self.given_name, self.family_name, self.display_name, self.user_name)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMINISTRATOR


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_resource_id)
    display_name: Mapped[str] = mapped_column(String(256))
    display_name_key: Mapped[str] = mapped_column(String(256), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(256), default=None)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    created: Mapped[datetime] = mapped_column(default=utc_now)
    last_modified: Mapped[datetime] = mapped_column(default=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    members: Mapped[list[User]] = relationship(
        secondary=team_members, back_populates="teams", order_by="User.user_name_key"
    )


def is_user_name_clash(error: IntegrityError) -> bool:
    """Whether ``error`` is the unique index on ``users.user_name_key`` refusing a second holder of a userName.

    On a database where requests write side by side (PostgreSQL), another transaction may take a userName
    between a look-up that found it free and the write: the index refuses the later write. PostgreSQL names
    the constraint (``users_user_name_key_key``), SQLite the column (``users.user_name_key``).
    """
    return "user_name_key" in str(error.orig)


# userName co/sw/ew find their users through a trigram index where the database has one.
attach_user_name_search(cast(Table, User.__table__))


def upgrade_people_schema(connection: Connection) -> None:
    """Bring a ``users`` table made by an earlier version up to date (a new table is created whole)."""
    columns = {column["name"] for column in inspect(connection).get_columns("users")}
    if "linked_from" not in columns:
        connection.execute(text("ALTER TABLE users ADD COLUMN linked_from VARCHAR(16)"))
    # Reflection skips expression indexes, so ``Index.create(checkfirst=True)`` cannot tell; ask the database.
    connection.execute(text("CREATE INDEX IF NOT EXISTS ix_users_email_key ON users (lower(email))"))
    add_user_name_search(connection)
