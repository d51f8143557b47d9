"""USER MANAGEMENT: administrators, users and user groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.jumpcloud.models.base import Base, new_object_id, utc_now

group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("system_users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Administrator(Base):
    """An admin of the JumpCloud organization (signs in to the Admin Portal)."""

    __tablename__ = "administrators"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=new_object_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    api_key: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime] = mapped_column(default=utc_now)


class SystemUser(Base):
    """A JumpCloud user (``systemuser`` in the real API)."""

    __tablename__ = "system_users"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=new_object_id)
    username: Mapped[str] = mapped_column(String(256), unique=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    firstname: Mapped[str] = mapped_column(String(256), default="")
    lastname: Mapped[str] = mapped_column(String(256), default="")
    displayname: Mapped[str] = mapped_column(String(256), default="")
    job_title: Mapped[str] = mapped_column(String(256), default="")
    work_phone: Mapped[str] = mapped_column(String(64), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str | None] = mapped_column(String(256), default=None)
    # Imported users wait for a password of their own ("pending" in the real portal).
    password_pending: Mapped[bool] = mapped_column(default=False)
    # ACTIVATED or SUSPENDED, as in the real API's ``state``.
    state: Mapped[str] = mapped_column(String(16), default="ACTIVATED")
    created: Mapped[datetime] = mapped_column(default=utc_now)
    updated: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    groups: Mapped[list[UserGroup]] = relationship(
        secondary=group_members, back_populates="members", order_by="UserGroup.name"
    )

    @property
    def active(self) -> bool:
        return self.state == "ACTIVATED"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.firstname, self.lastname) if part) or self.username


class UserGroup(Base):
    __tablename__ = "user_groups"

    id: Mapped[str] = mapped_column(String(24), primary_key=True, default=new_object_id)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    description: Mapped[str] = mapped_column(String(1024), default="")
    created: Mapped[datetime] = mapped_column(default=utc_now)
    updated: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    members: Mapped[list[SystemUser]] = relationship(
        secondary=group_members, back_populates="groups", order_by="SystemUser.username"
    )
