"""Directory Insights: every event, stored in the real API's shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.jumpcloud.models.base import Base


class DirectoryInsightsEvent(Base):
    __tablename__ = "directory_insights_events"
    __table_args__ = (Index("ix_di_events_timestamp", "timestamp", "seq"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(24), unique=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(32), index=True)
    timestamp: Mapped[datetime]
    success: Mapped[bool] = mapped_column(default=True)
    # The event log's one-line summary, kept so it reads the same after a restart.
    summary: Mapped[str] = mapped_column(String(512), default="")
    # The whole record as the Directory Insights API returns it.
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
