"""Blog posts for the signed-in home feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.blogin.models.base import Base, utc_now


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(256))
    category: Mapped[str] = mapped_column(String(64), default="News")
    published: Mapped[datetime] = mapped_column(default=utc_now)
