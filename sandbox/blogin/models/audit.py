"""BlogIn's audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.blogin.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_timestamp", "timestamp", "seq"),)

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    timestamp: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320), default="")
    success: Mapped[bool] = mapped_column(default=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
